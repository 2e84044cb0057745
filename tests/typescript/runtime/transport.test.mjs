// httpTransport against a real HTTP server on a loopback port: batching by count and by time,
// retries with backoff on 5xx and 429 honouring Retry-After, no retry on other 4xx, the bounded
// queue and its drop count, network errors. (The browser test sends to eventcat-validate serve.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import { createTracker, httpTransport, retryAfterMs } from "../../../generated/typescript/index.js";

/**
 * A collector on 127.0.0.1 that answers each request with the next of `answers` (then 200),
 * recording the batches it got and when.
 */
async function collector(answers = []) {
  const requests = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const batch = JSON.parse(body);
      requests.push({ at: Date.now(), batch, type: request.headers["content-type"], auth: request.headers.authorization });
      const answer = answers.shift() ?? { status: 200 };
      const headers = { "content-type": "application/json", ...(answer.headers ?? {}) };
      response.writeHead(answer.status, headers);
      response.end(JSON.stringify({ accepted: batch.length, rejected: 0, results: [] }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1/events`, requests, close: () => new Promise((r) => server.close(r)) };
}

const event = (n) => ({ event_name: "user.login", n });

test("batches by count, in order, and flush sends the rest", async () => {
  const server = await collector();
  const transport = httpTransport({ url: server.url, batchSize: 3, flushIntervalMs: 10_000 });
  for (let n = 0; n < 7; n += 1) transport.send(event(n));
  await transport.flush();
  assert.deepEqual(server.requests.map((r) => r.batch.map((e) => e.n)), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.equal(server.requests[0].type, "application/json");
  assert.equal(transport.stats.sent, 7);
  assert.equal(transport.stats.accepted, 7);
  assert.equal(transport.stats.queued, 0);
  await server.close();
});

test("batches by time: a lone event goes out after flushIntervalMs", async () => {
  const server = await collector();
  const transport = httpTransport({ url: server.url, batchSize: 100, flushIntervalMs: 50 });
  const start = Date.now();
  transport.send(event(1));
  for (let i = 0; i < 100 && server.requests.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.requests.length, 1);
  assert.ok(server.requests[0].at - start >= 45, `sent after ${server.requests[0].at - start} ms`);
  await server.close();
});

test("retries 5xx with exponential backoff, then delivers", async () => {
  const server = await collector([{ status: 503 }, { status: 500 }, { status: 502 }]);
  const errors = [];
  const transport = httpTransport({ url: server.url, initialBackoffMs: 40, maxRetries: 5, onError: (e) => errors.push(e) });
  transport.send(event(1));
  await transport.flush();
  assert.equal(server.requests.length, 4);
  assert.deepEqual(errors.map((e) => [e.status, e.willRetry]), [[503, true], [500, true], [502, true]]);
  const gaps = server.requests.slice(1).map((r, i) => r.at - server.requests[i].at);
  // 40, 80, 160 ms, each with up to half taken off as jitter.
  assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78, `gaps ${gaps}`);
  assert.ok(gaps[2] > gaps[0], `gaps grow: ${gaps}`);
  assert.equal(transport.stats.retries, 3);
  assert.equal(transport.stats.sent, 1);
  await server.close();
});

test("a 429 waits for Retry-After", async () => {
  const server = await collector([{ status: 429, headers: { "retry-after": "1" } }]);
  const transport = httpTransport({ url: server.url, initialBackoffMs: 1 });
  transport.send(event(1));
  await transport.flush();
  assert.equal(server.requests.length, 2);
  const gap = server.requests[1].at - server.requests[0].at;
  assert.ok(gap >= 950, `retried after ${gap} ms, not after Retry-After: 1`);
  await server.close();
});

test("another 4xx is not retried; out of retries is given up; both counted", async () => {
  const server = await collector([{ status: 400 }, { status: 503 }, { status: 503 }]);
  const transport = httpTransport({ url: server.url, batchSize: 1, initialBackoffMs: 5, maxRetries: 1 });
  transport.send(event(1));
  await transport.flush();
  transport.send(event(2));
  await transport.flush();
  assert.equal(server.requests.length, 3);
  assert.equal(transport.stats.failed, 2);
  assert.equal(transport.stats.sent, 0);
  await server.close();
});

test("a full queue drops new payloads and counts them", async () => {
  const server = await collector();
  const transport = httpTransport({ url: server.url, batchSize: 100, maxQueue: 5, flushIntervalMs: 10_000 });
  for (let n = 0; n < 8; n += 1) transport.send(event(n));
  assert.equal(transport.stats.dropped, 3);
  assert.equal(transport.stats.queued, 5);
  await transport.flush();
  assert.deepEqual(server.requests[0].batch.map((e) => e.n), [0, 1, 2, 3, 4]);
  await transport.close();
  transport.send(event(9));
  assert.equal(transport.stats.dropped, 4);
  await server.close();
});

test("network errors are retried, then given up on", async () => {
  const server = await collector();
  const url = server.url;
  await server.close();
  const errors = [];
  const transport = httpTransport({ url, initialBackoffMs: 5, maxRetries: 2, onError: (e) => errors.push(e) });
  transport.send(event(1));
  await transport.flush();
  assert.equal(errors.length, 3);
  assert.ok(errors.every((e) => e.status === undefined && e.error !== undefined));
  assert.equal(transport.stats.failed, 1);
});

test("headers are sent, and a tracker's flush waits for delivery", async () => {
  const server = await collector([{ status: 503, headers: { "retry-after": "0" } }]);
  const transport = httpTransport({ url: server.url, headers: { authorization: "Bearer t0ken" } });
  const tracker = createTracker({ transport, context: { source: "api", environment: "production", organization_id: "o" } });
  tracker.userLogout({ user_id: "u", organization_id: "o", session_id: "s", session_duration: 1, logout_reason: "manual", logout_timestamp: "2025-01-31T09:30:00Z" });
  await tracker.flush();
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[1].auth, "Bearer t0ken");
  assert.equal(server.requests[1].batch[0].event_name, "user.logout");
  await server.close();
});

test("Retry-After as seconds or an HTTP date", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs("soon"), undefined);
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
});

test("a transport needs a url", () => {
  assert.throws(() => httpTransport({}), TypeError);
});
