// The one Ajv set-up every eventcat tool uses: draft 2020-12, strict mode with no option relaxed,
// formats from ajv-formats, eventcat's annotation keywords registered as a vocabulary (Ajv's
// documented way to accept annotations under strict mode), and ownProperties, so a payload key
// such as `constructor` is not found on Object.prototype.

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// The annotation keywords eventcat emits (`ANNOTATION_KEYWORDS` in
// codegen/src/emit/json_schema.rs).
export const ANNOTATIONS = [
  "x-event-type",
  "x-category",
  "x-group",
  "x-retention",
  "x-unit",
  "x-pii",
  "x-environments",
];

export function strictAjv({ allErrors }) {
  const ajv = new Ajv2020({ strict: true, allErrors, ownProperties: true });
  addFormats(ajv);
  ajv.addVocabulary(ANNOTATIONS);
  return ajv;
}
