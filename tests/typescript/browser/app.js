// The app of the browser test: it imports the generated package as an app would (ES modules,
// served same-origin) under a Content-Security-Policy without 'unsafe-eval' or 'unsafe-inline',
// and offers scenarios the harness (run.mjs) calls through Playwright.
import { createTracker, memoryTransport, httpTransport } from "/pkg/index.js";
import { validate } from "/pkg/validate.js";

/** Every CSP violation the page reports (the eval probe below makes one on purpose). */
const violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample });
});

/** Whether the policy really forbids eval here: the validator must work without it. */
let evalBlocked = false;
try {
  // eslint-disable-next-line no-eval
  (0, eval)("1 + 1");
} catch (error) {
  evalBlocked = error instanceof EvalError;
}

// Counts the beacons the page hands to the browser (the real sendBeacon sends them), in
// sessionStorage, which the next page of the same tab still reads.
const sendBeacon = navigator.sendBeacon.bind(navigator);
navigator.sendBeacon = (url, data) => {
  const handed = sendBeacon(url, data);
  const seen = JSON.parse(sessionStorage.getItem("beacons") ?? "[]");
  seen.push({ url: String(url), bytes: data instanceof Blob ? data.size : -1, type: data instanceof Blob ? data.type : "", handed });
  sessionStorage.setItem("beacons", JSON.stringify(seen));
  return handed;
};

const context = { source: "frontend", environment: "production", organization_id: "org_browser" };

/** A valid user.login of the bundled catalog. */
function login(n) {
  return {
    user_id: `user_${n}`,
    organization_id: "org_browser",
    login_method: "sso",
    device_type: "desktop",
    browser: navigator.userAgent.slice(0, 60),
    ip_address: "203.0.113.0",
    login_timestamp: new Date().toISOString(),
    session_id: `sess_${n}`,
  };
}

/** The memory transport and the validator in the page. */
async function memory() {
  const transport = memoryTransport();
  const reported = [];
  const tracker = createTracker({ transport, context, validate, onViolation: (v) => reported.push(v.errors) });
  for (let n = 0; n < 3; n += 1) tracker.userLogin(login(n));
  tracker.userLogout({ user_id: "user_0", organization_id: "org_browser", session_id: "sess_0", session_duration: 12.5, logout_reason: "manual", logout_timestamp: new Date().toISOString() });
  // One broken on purpose: the validator runs under the policy and reports it.
  tracker.userLogin({ ...login(9), ip_address: "203.0.113.9" });
  await tracker.flush();
  return { sent: transport.sent, reported, evalBlocked, violations };
}

/** The HTTP transport to the collector behind this origin's /v1/events. */
async function http({ count, batchSize, initialBackoffMs }) {
  const errors = [];
  const transport = httpTransport({ url: "/v1/events", batchSize, initialBackoffMs, onError: (e) => errors.push({ status: e.status, willRetry: e.willRetry }) });
  const tracker = createTracker({ transport, context, validate });
  const ids = [];
  for (let n = 0; n < count; n += 1) ids.push(tracker.userLogin(login(n)).event_id);
  await tracker.flush();
  return { ids, stats: { ...transport.stats }, errors, evalBlocked, violations };
}

/** Events queued (a long interval, a big batch) for the page-hide beacon to carry. */
let pending;
function queueForBeacon({ count }) {
  const transport = httpTransport({ url: "/v1/events", batchSize: 1000, flushIntervalMs: 600_000 });
  const tracker = createTracker({ transport, context, validate });
  const ids = [];
  for (let n = 0; n < count; n += 1) ids.push(tracker.userLogin(login(n)).event_id);
  pending = { transport, tracker };
  return { ids, stats: { ...transport.stats } };
}

window.eventcat = { memory, http, queueForBeacon, pending: () => pending?.transport.stats };
document.getElementById("status").textContent = "ready";
