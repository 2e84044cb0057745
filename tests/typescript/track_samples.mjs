// Tracks every payload of a corpus again through the generated tracker, and prints the
// payloads it sends, one a line, for `eventcat-validate` to judge.
//
//   node track_samples.mjs <package folder> <valid payloads.ndjson>
//
// Each payload's envelope (but the fields the tracker fills: event_id, timestamp and the
// event's constants) is the context, its properties the function's argument; the function is
// the tracker's own per event (`tracker.userLogin(...)`), found by the event each one tracks.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

const [packageDir, corpusPath] = process.argv.slice(2);
const base = pathToFileURL(join(resolve(packageDir), "/")).href;
const { createTracker, memoryTransport } = await import(new URL("index.js", base).href);
const { validate } = await import(new URL("validate.js", base).href);

const FILLED = new Set(["event_id", "timestamp", "event_name", "event_type", "version", "properties"]);
const transport = memoryTransport();
const violations = [];
const tracker = createTracker({
  transport,
  context: {},
  validate,
  onViolation: (violation) => violations.push(violation),
});

// Which function tracks which event: each one called once.
const methods = new Map();
for (const [method, fn] of Object.entries(tracker)) {
  if (method === "track" || method === "flush") continue;
  methods.set(fn({}).event_name, method);
}
transport.clear();
violations.length = 0;

const lines = readFileSync(corpusPath, "utf8").split("\n").filter((line) => line !== "");
for (const line of lines) {
  const payload = JSON.parse(line);
  const overrides = Object.fromEntries(Object.entries(payload).filter(([key]) => !FILLED.has(key)));
  const method = methods.get(payload.event_name);
  if (method === undefined) throw new Error(`no tracking function for ${payload.event_name}`);
  tracker[method](payload.properties, overrides);
}
await tracker.flush();
if (violations.length > 0) {
  console.error(`${violations.length} tracked payloads broke the catalog, e.g. ${JSON.stringify(violations[0])}`);
  process.exit(1);
}
for (const sent of transport.sent) process.stdout.write(`${JSON.stringify(sent)}\n`);
