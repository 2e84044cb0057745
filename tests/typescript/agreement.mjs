// The runtime validator of a generated package against `eventcat-validate`'s verdicts.
//
//   node agreement.mjs <package folder> <corpus.ndjson> <verdicts.ndjson>
//
// The corpus holds one payload a line; the verdicts file, line for line, what the Rust engine
// said: `{"errors": [[pointer, rule], ...]}` (empty when valid). Each line is validated with the
// package's `validateJson` and the (pointer, rule) pairs are compared as multisets (the order of
// errors is each engine's own). Lines the Rust engine rejects for a JSON-level reason that
// `JSON.parse` cannot see (a duplicate key, nesting deeper than 127 levels) are counted apart,
// not compared. Prints a JSON summary; exits 1 on any disagreement.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

const [packageDir, corpusPath, verdictsPath] = process.argv.slice(2);
if (verdictsPath === undefined) {
  console.error("usage: node agreement.mjs <package folder> <corpus.ndjson> <verdicts.ndjson>");
  process.exit(2);
}
const { validateJson } = await import(pathToFileURL(join(resolve(packageDir), "validate.js")).href);

/** Rules the parsed value cannot show: the Rust engine reads the JSON text itself. */
const JSON_LEVEL = new Set(["json:duplicate_key", "json:too_deep", "input:blank", "input:invalid_utf8", "input:too_long"]);

const lines = readFileSync(corpusPath, "utf8").split("\n");
const verdicts = readFileSync(verdictsPath, "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();
if (verdicts.at(-1) === "") verdicts.pop();
if (lines.length !== verdicts.length) {
  console.error(`${lines.length} payloads but ${verdicts.length} verdicts`);
  process.exit(2);
}

const key = (pair) => JSON.stringify(pair);
const summary = { compared: 0, valid: 0, invalid: 0, jsonLevel: 0, agreed: 0, disagreements: 0, rules: {}, examples: [] };
for (let i = 0; i < lines.length; i += 1) {
  const expected = JSON.parse(verdicts[i]).errors;
  if (expected.some(([, rule]) => JSON_LEVEL.has(rule))) {
    summary.jsonLevel += 1;
    continue;
  }
  const result = validateJson(lines[i]);
  const actual = result.errors.map((e) => [e.pointer, e.rule]);
  summary.compared += 1;
  if (expected.length === 0) summary.valid += 1;
  else summary.invalid += 1;
  for (const [, rule] of expected) summary.rules[rule] = (summary.rules[rule] ?? 0) + 1;
  const a = actual.map(key).sort();
  const b = expected.map(key).sort();
  const same = a.length === b.length && a.every((x, j) => x === b[j]) && result.valid === (expected.length === 0);
  if (same) summary.agreed += 1;
  else {
    summary.disagreements += 1;
    if (summary.examples.length < 20) {
      summary.examples.push({ line: i + 1, payload: lines[i].slice(0, 400), eventcatValidate: expected, typescript: actual });
    }
  }
}
console.log(JSON.stringify(summary, null, 2));
process.exit(summary.disagreements === 0 ? 0 : 1);
