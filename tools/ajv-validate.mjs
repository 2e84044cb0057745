#!/usr/bin/env node
// Validates NDJSON payloads with Ajv against the per-event schemas of a folder laid out like
// generated/schemas (<event>/<version>.json), dispatching on each payload's `event_name` and
// `version` exactly as eventcat-validate does. It is the second opinion the Rust validator's
// agreement test compares with, and the Ajv side of scripts/bench.sh.
//
// Usage: node tools/ajv-validate.mjs <schema folder> <payloads.ndjson> [--summary]
//
// Prints one verdict per input line, in order: `valid`, or `invalid<TAB><reason>` where the
// reason is `not UTF-8`, `not JSON`, `not an object`, `no event_name/version`, `unknown event`,
// `unknown version`, or Ajv's errors as JSON. With --summary, prints only the totals
// (`lines N valid V invalid I`), for benchmarks.
//
// Ajv is set up by tools/ajv-setup.mjs, as for tools/ajv-compile.mjs: draft 2020-12, strict mode, formats
// (ajv-formats), the x- annotations registered as a vocabulary, ownProperties. As the Rust
// validator does, it validates with a fast validator first (allErrors off) and collects every
// error (allErrors on) only for invalid payloads. Lines: `\n` ends a line; a trailing `\r` and a
// leading UTF-8 byte order mark are stripped (eventcat-validate tolerates both).
//
// Exit codes: 0 all valid, 1 any invalid, 2 usage, I/O or schema error.

import { closeSync, openSync, readSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isUtf8 } from "node:buffer";
import { strictAjv } from "./ajv-setup.mjs";

function fail(message) {
  console.error(`error: ${message}`);
  console.error("usage: node tools/ajv-validate.mjs <schema folder> <payloads.ndjson> [--summary]");
  process.exit(2);
}

const args = process.argv.slice(2);
const summaryOnly = args.includes("--summary");
const [dir, file] = args.filter((a) => a !== "--summary");
if (!dir || !file) fail("a schema folder and an NDJSON file are required");

function makeAjv(allErrors) {
  const ajv = strictAjv({ allErrors });
  return ajv;
}
const fastAjv = makeAjv(false);
const fullAjv = makeAjv(true);

// event -> version -> { schema, fast, full }
const registry = new Map();
let schemaCount = 0;
try {
  for (const event of readdirSync(dir).sort()) {
    const eventDir = join(dir, event);
    if (!statSync(eventDir).isDirectory()) continue;
    for (const name of readdirSync(eventDir).sort()) {
      if (!name.endsWith(".json")) continue;
      const schema = JSON.parse(readFileSync(join(eventDir, name), "utf8"));
      const eventName = schema?.properties?.event_name?.const ?? decodeURIComponent(event);
      const version = schema?.properties?.version?.const ?? decodeURIComponent(name.slice(0, -5));
      if (!registry.has(eventName)) registry.set(eventName, new Map());
      registry.get(eventName).set(version, {
        schema,
        fast: fastAjv.compile(schema),
        full: null,
      });
      schemaCount += 1;
    }
  }
} catch (e) {
  fail(`cannot load the schemas of ${dir}: ${e.message}`);
}
if (schemaCount === 0) fail(`${dir} holds no <event>/<version>.json schema`);

function verdict(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    bytes = bytes.subarray(3);
  }
  if (!isUtf8(bytes)) return "not UTF-8";
  let payload;
  try {
    payload = JSON.parse(bytes.toString("utf8"));
  } catch {
    return "not JSON";
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return "not an object";
  }
  const name = payload.event_name;
  const version = payload.version;
  if (typeof name !== "string" || typeof version !== "string") return "no event_name/version";
  const versions = registry.get(name);
  if (!versions) return "unknown event";
  const entry = versions.get(version);
  if (!entry) return "unknown version";
  if (entry.fast(payload)) return null;
  if (entry.full === null) entry.full = fullAjv.compile(entry.schema);
  entry.full(payload);
  return JSON.stringify(
    (entry.full.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      keyword: e.keyword,
      message: e.message,
    })),
  );
}

let lines = 0;
let valid = 0;
let out = [];
let outBytes = 0;
function emit(text) {
  if (summaryOnly) return;
  out.push(text);
  outBytes += text.length;
  if (outBytes > 1 << 20) {
    process.stdout.write(out.join(""));
    out = [];
    outBytes = 0;
  }
}
function line(bytes) {
  lines += 1;
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
  const reason = verdict(bytes);
  if (reason === null) {
    valid += 1;
    emit("valid\n");
  } else {
    emit(`invalid\t${reason}\n`);
  }
}

let fd;
try {
  fd = openSync(file, "r");
} catch (e) {
  fail(`cannot open ${file}: ${e.message}`);
}
const block = Buffer.allocUnsafe(1 << 20);
let carry = Buffer.alloc(0);
for (;;) {
  const n = readSync(fd, block, 0, block.length, null);
  if (n === 0) break;
  let data = carry.length > 0 ? Buffer.concat([carry, block.subarray(0, n)]) : block.subarray(0, n);
  let start = 0;
  for (;;) {
    const end = data.indexOf(0x0a, start);
    if (end === -1) break;
    line(data.subarray(start, end));
    start = end + 1;
  }
  carry = Buffer.from(data.subarray(start));
}
if (carry.length > 0) line(carry);
closeSync(fd);

if (summaryOnly) {
  process.stdout.write(`lines ${lines} valid ${valid} invalid ${lines - valid}\n`);
} else {
  process.stdout.write(out.join(""));
}
process.exitCode = valid === lines ? 0 : 1;
