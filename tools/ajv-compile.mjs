#!/usr/bin/env node
// Compiles every JSON Schema under a folder with Ajv (draft 2020-12, strict mode, no option
// relaxed), the validator most JavaScript consumers of eventcat's schemas use. A schema Ajv
// strict rejects is a schema someone downstream cannot load, so any failure exits non-zero.
//
// Usage: node tools/ajv-compile.mjs <schema folder> [payload.json ...]
//
// Every .json file with a "$schema" key is a schema (index.json, a table of contents, is
// skipped). All schemas are added before any is compiled, so references between them resolve.
// Payload files, when given, are validated against <schema folder>/analytics_event.json (the
// union of all events); the exit code is non-zero when any payload is invalid.
//
// Exit codes: 0 all compiled (and all payloads valid), 1 a schema failed to compile or a
// payload is invalid, 2 usage or I/O error.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { strictAjv } from "./ajv-setup.mjs";

function usage(message) {
  console.error(`error: ${message}`);
  console.error("usage: node tools/ajv-compile.mjs <schema folder> [payload.json ...]");
  process.exit(2);
}

function jsonFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith(".json")) out.push(path);
  }
  return out;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    console.error(`error: ${path}: ${e.message}`);
    process.exit(2);
  }
}

const [dir, ...payloads] = process.argv.slice(2);
if (!dir) usage("no schema folder given");
try {
  if (!statSync(dir).isDirectory()) usage(`${dir} is not a folder`);
} catch {
  usage(`${dir} does not exist`);
}

// ownProperties: payload keys such as `constructor` (the hostile fixture has one) must not be
// found on Object.prototype, or a missing required `constructor` would count as present.
const ajv = strictAjv({ allErrors: true });

const schemas = [];
for (const path of jsonFiles(dir)) {
  const rel = relative(dir, path);
  const doc = readJson(path);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc) || !("$schema" in doc)) {
    console.log(`skip ${rel} (not a schema)`);
    continue;
  }
  const key = typeof doc.$id === "string" ? doc.$id : rel;
  try {
    ajv.addSchema(doc, typeof doc.$id === "string" ? undefined : rel);
  } catch (e) {
    console.error(`FAIL ${rel}: ${e.message}`);
    process.exit(1);
  }
  schemas.push({ rel, key });
}
if (schemas.length === 0) {
  console.error(`FAIL ${dir}: no schema found`);
  process.exit(1);
}

const validators = new Map();
for (const { rel, key } of schemas) {
  try {
    const validate = ajv.getSchema(key);
    if (!validate) throw new Error(`schema ${key} was added but cannot be found`);
    validators.set(rel, validate);
    console.log(`ok ${rel} (${key})`);
  } catch (e) {
    console.error(`FAIL ${rel}: ${e.message}`);
    process.exit(1);
  }
}
console.log(`compiled ${schemas.length} schema(s) (Ajv, draft 2020-12, strict)`);

if (payloads.length > 0) {
  const union = validators.get("analytics_event.json");
  if (!union) usage(`${dir} has no analytics_event.json to validate payloads with`);
  let invalid = 0;
  for (const path of payloads) {
    const payload = readJson(path);
    if (union(payload)) {
      console.log(`valid ${path}`);
    } else {
      invalid += 1;
      console.log(`invalid ${path}: ${ajv.errorsText(union.errors)}`);
    }
  }
  if (invalid > 0) process.exit(1);
}
