// The tracker of the bundled catalog's package (generated/typescript): the envelope it fills,
// the context and overrides, validation and onViolation, flush.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createTracker, memoryTransport, EventViolationError } from "../../../generated/typescript/index.js";
import { validate } from "../../../generated/typescript/validate.js";

const context = { source: "frontend", environment: "production", organization_id: "org_42" };
const login = {
  user_id: "user_1",
  organization_id: "org_42",
  login_method: "sso",
  device_type: "desktop",
  browser: "Firefox 133",
  ip_address: "203.0.113.0",
  login_timestamp: "2025-01-31T09:30:00Z",
  session_id: "sess_1",
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("a tracking function fills the envelope and sends the payload", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context, validate });
  const before = Date.now();
  const payload = tracker.userLogin(login);
  assert.equal(transport.sent.length, 1);
  assert.equal(transport.sent[0], payload);
  assert.equal(payload.event_name, "user.login");
  assert.equal(payload.event_type, "user.authentication");
  assert.equal(payload.version, "1.0.0");
  assert.match(payload.event_id, UUID);
  assert.ok(Date.parse(payload.timestamp) >= before - 1000);
  assert.equal(payload.organization_id, "org_42");
  assert.equal(payload.source, "frontend");
  assert.equal(payload.environment, "production");
  assert.deepEqual(payload.properties, login);
  assert.notEqual(payload.properties, login, "the properties are copied");
  // The catalog's envelope order, properties last.
  assert.deepEqual(Object.keys(payload), [
    "event_id", "event_type", "event_name", "timestamp", "organization_id", "version", "source", "environment", "properties",
  ]);
  assert.deepEqual(validate(payload), { valid: true, errors: [] });
});

test("every event has its function, and ids differ", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context, onViolation: () => {} });
  const methods = Object.keys(tracker).filter((key) => key !== "track" && key !== "flush");
  assert.equal(methods.length, 30);
  for (const method of methods) tracker[method]({});
  const names = new Set(transport.sent.map((p) => p.event_name));
  assert.equal(names.size, 30);
  assert.equal(new Set(transport.sent.map((p) => p.event_id)).size, 30);
  assert.ok(names.has("workflow.created") && typeof tracker.workflowCreated === "function");
});

test("overrides win over the context, for one event only", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context: { ...context, user_id: "u_ctx" } });
  const first = tracker.userLogin(login, {
    event_id: "123e4567-e89b-42d3-a456-426614174000",
    timestamp: "2025-02-01T00:00:00Z",
    user_id: "u_override",
    environment: "staging",
  });
  assert.equal(first.event_id, "123e4567-e89b-42d3-a456-426614174000");
  assert.equal(first.timestamp, "2025-02-01T00:00:00Z");
  assert.equal(first.user_id, "u_override");
  assert.equal(first.environment, "staging");
  const second = tracker.userLogin(login);
  assert.equal(second.user_id, "u_ctx");
  assert.equal(second.environment, "production");
});

test("track sends any event by name; an unknown name is a TypeError", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context, validate });
  const payload = tracker.track("user.login", login);
  assert.equal(payload.event_name, "user.login");
  assert.throws(() => tracker.track("user.nope", {}), TypeError);
  assert.equal(transport.sent.length, 1);
});

test("in tests the default onViolation throws, with every error, and nothing is sent", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context, validate });
  assert.throws(
    () => tracker.userLogin({ ...login, ip_address: "203.0.113.7", login_method: "magic" }),
    (error) => {
      assert.ok(error instanceof EventViolationError);
      const rules = error.errors.map((e) => `${e.pointer} ${e.rule}`).sort();
      assert.deepEqual(rules, ["/properties/ip_address privacy:anonymized_ip", "/properties/login_method enum"]);
      assert.match(error.message, /user\.login breaks the catalog/);
      return true;
    },
  );
  assert.equal(transport.sent.length, 0);
});

test("a custom onViolation sees the payload and its errors, and the event is sent", () => {
  const transport = memoryTransport();
  const violations = [];
  const tracker = createTracker({ transport, context, validate, onViolation: (v) => violations.push(v) });
  tracker.userLogin({ ...login, debug: true });
  assert.equal(violations.length, 1);
  assert.deepEqual(violations[0].errors.map((e) => [e.pointer, e.rule]), [["/properties/debug", "additionalProperties"]]);
  assert.equal(transport.sent.length, 1);
});

test("without validate, nothing is checked", () => {
  const transport = memoryTransport();
  const tracker = createTracker({ transport, context });
  tracker.userLogin({});
  assert.equal(transport.sent.length, 1);
  assert.equal(validate(transport.sent[0]).valid, false);
});

test("flush waits for a transport's promises and its own flush, and reports failures", async () => {
  const delivered = [];
  let flushed = 0;
  const transport = {
    send: (payload) => new Promise((resolve) => setTimeout(() => resolve(delivered.push(payload)), 20)),
    flush: async () => {
      flushed += 1;
    },
  };
  const tracker = createTracker({ transport, context, validate });
  tracker.userLogin(login);
  tracker.userLogin(login);
  assert.equal(delivered.length, 0);
  await tracker.flush();
  assert.equal(delivered.length, 2);
  assert.equal(flushed, 1);

  const failing = createTracker({ transport: { send: () => Promise.reject(new Error("down")) }, context });
  failing.userLogin(login);
  await assert.rejects(failing.flush(), AggregateError);
  await failing.flush();
});

test("a tracker needs a transport", () => {
  assert.throws(() => createTracker({ context }), TypeError);
  assert.throws(() => createTracker({ transport: {}, context }), TypeError);
});

test("memoryTransport keeps payloads in order and can forget them", () => {
  const transport = memoryTransport();
  transport.send({ n: 1 });
  transport.send({ n: 2 });
  assert.deepEqual(transport.sent, [{ n: 1 }, { n: 2 }]);
  transport.clear();
  assert.deepEqual(transport.sent, []);
});
