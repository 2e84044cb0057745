// The validator of the bundled catalog's package: one row per rule, with the JSON pointer and
// rule id eventcat-validate reports (the agreement test compares the two on whole corpora).
import { test } from "node:test";
import assert from "node:assert/strict";

import { validate, validateJson, isEvent } from "../../../generated/typescript/validate.js";

const valid = {
  event_id: "123e4567-e89b-42d3-a456-426614174000",
  event_type: "user.authentication",
  event_name: "user.login",
  timestamp: "2025-01-31T09:30:00Z",
  organization_id: "org_42",
  version: "1.0.0",
  source: "frontend",
  environment: "production",
  properties: {
    user_id: "user_1",
    organization_id: "org_42",
    login_method: "sso",
    device_type: "desktop",
    browser: "Firefox 133",
    ip_address: "203.0.113.0",
    login_timestamp: "2025-01-31T09:30:00Z",
    session_id: "sess_1",
  },
};

/** `valid` with `change` applied to a copy. */
function variant(change) {
  const payload = structuredClone(valid);
  change(payload);
  return payload;
}

/** @type {[string, unknown, [string, string][]][]} */
const CASES = [
  ["valid", valid, []],
  ["not an object", [1, 2], [["", "envelope:not_object"]]],
  ["no event_name", variant((p) => delete p.event_name), [["/event_name", "envelope:event_name"]]],
  ["version not a string", variant((p) => (p.version = 1)), [["/version", "envelope:version"]]],
  ["unknown event", variant((p) => (p.event_name = "user.nope")), [["/event_name", "envelope:unknown_event"]]],
  ["unknown version", variant((p) => (p.version = "2.0.0")), [["/version", "envelope:unknown_version"]]],
  ["wrong event_type", variant((p) => (p.event_type = "x")), [["/event_type", "const"]]],
  ["missing envelope field", variant((p) => delete p.source), [["/source", "required"]]],
  ["missing property", variant((p) => delete p.properties.browser), [["/properties/browser", "required"]]],
  ["unknown property", variant((p) => (p.properties.extra = 1)), [["/properties/extra", "additionalProperties"]]],
  ["unknown envelope key", variant((p) => (p.extra = 1)), [["/extra", "additionalProperties"]]],
  ["wrong type", variant((p) => (p.properties.browser = 5)), [["/properties/browser", "type"]]],
  ["properties not an object", variant((p) => (p.properties = [])), [["/properties", "type"]]],
  ["empty string under minLength", variant((p) => (p.source = "")), [["/source", "minLength"]]],
  ["enum out of set", variant((p) => (p.properties.login_method = "magic")), [["/properties/login_method", "enum"]]],
  ["enum of another type: type and enum", variant((p) => (p.properties.login_method = 3)), [["/properties/login_method", "type"], ["/properties/login_method", "enum"]]],
  ["bad uuid", variant((p) => (p.event_id = "nope")), [["/event_id", "format"]]],
  ["bad date-time", variant((p) => (p.timestamp = "2026-13-01T10:00:00Z")), [["/timestamp", "format"]]],
  ["date-time without offset", variant((p) => (p.timestamp = "2026-05-01T10:00:00")), [["/timestamp", "format"]]],
  ["a leap second at 23:59:60Z", variant((p) => (p.timestamp = "2016-12-31T23:59:60Z")), []],
  ["lower-case t and z", variant((p) => (p.timestamp = "2016-12-31t23:59:59z")), []],
  ["IPv4 not anonymized", variant((p) => (p.properties.ip_address = "203.0.113.7")), [["/properties/ip_address", "privacy:anonymized_ip"]]],
  ["IPv6 /48", variant((p) => (p.properties.ip_address = "2001:db8:1::")), []],
  ["IPv6 beyond /48", variant((p) => (p.properties.ip_address = "2001:db8:1::1")), [["/properties/ip_address", "privacy:anonymized_ip"]]],
  ["IPv6 long form /48", variant((p) => (p.properties.ip_address = "2001:0db8:0001:0000:0000:0000:0000:0000")), []],
  ["IPv6 with a zone", variant((p) => (p.properties.ip_address = "fe80::%eth0")), [["/properties/ip_address", "privacy:anonymized_ip"]]],
  ["not an IP", variant((p) => (p.properties.ip_address = "localhost")), [["/properties/ip_address", "privacy:anonymized_ip"]]],
  ["an IP of another type", variant((p) => (p.properties.ip_address = 7)), [["/properties/ip_address", "type"]]],
];

for (const [name, payload, expected] of CASES) {
  test(`validate: ${name}`, () => {
    const result = validate(payload);
    const got = result.errors.map((e) => [e.pointer, e.rule]).sort();
    assert.deepEqual(got, [...expected].sort());
    assert.equal(result.valid, expected.length === 0);
    assert.equal(isEvent(payload), expected.length === 0);
    for (const error of result.errors) {
      assert.equal(typeof error.expected, "string");
      assert.ok(error.expected.length > 0);
      assert.equal(typeof error.actual, "string");
    }
  });
}

test("errors say what was expected and what came, as eventcat-validate", () => {
  const { errors } = validate(variant((p) => (p.properties.browser = 12345)));
  assert.deepEqual(errors, [{ pointer: "/properties/browser", rule: "type", expected: "type string", actual: "integer 12345" }]);
  const privacy = validate(variant((p) => (p.properties.ip_address = "203.0.113.7"))).errors[0];
  assert.equal(privacy.actual, '"203.0.113.7" (an IPv4 address whose last octet is not 0)');
});

test("hashed values and environment restrictions", () => {
  // system.error_occurred carries a development-only stack trace; security events hash ids.
  const hashed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const { errors } = validateJson(
    JSON.stringify({ ...valid, event_name: "security.login_attempt", event_type: "security.monitoring", properties: { x: hashed.toUpperCase() } }),
  );
  assert.ok(errors.some((e) => e.pointer === "/properties/x" && e.rule === "additionalProperties"));
});

test("validateJson: text that is not JSON is json:syntax", () => {
  const result = validateJson('{"event_name": "user.login"');
  assert.equal(result.valid, false);
  assert.deepEqual(result.errors.map((e) => [e.pointer, e.rule]), [["", "json:syntax"]]);
  assert.equal(validateJson(JSON.stringify(valid)).valid, true);
});

test("keys that are special on JavaScript objects are plain keys", () => {
  const payload = JSON.parse(JSON.stringify(valid).replace('"properties":{', '"properties":{"__proto__":1,"constructor":2,'));
  const rules = validate(payload).errors.map((e) => [e.pointer, e.rule]);
  assert.deepEqual(rules.sort(), [["/properties/__proto__", "additionalProperties"], ["/properties/constructor", "additionalProperties"]]);
});
