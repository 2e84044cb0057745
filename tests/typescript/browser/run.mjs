// The browser test's harness: serves the app page and the generated package from one loopback
// origin under a strict Content-Security-Policy, forwards /v1/events and /micro/* to a live
// `eventcat-validate serve`, and drives Debian's Chromium with playwright-core through the
// scenarios. Prints one JSON document of what it saw; tests/tests/typescript_browser.rs judges it.
//
//   node run.mjs --package <dir> --out <artefacts dir> [--serve http://127.0.0.1:PORT]
//                [--scenarios memory,http,retry,beacon]
//
// `retry`: the next POST /v1/events is answered 503 with Retry-After: 1 by this origin (a server
// error on purpose), and the tracker's retry must reach serve. `beacon`: the page queues events,
// then navigates away; its pagehide handler hands them to navigator.sendBeacon.
import { createServer, request as httpRequest } from "node:http";
import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const packageDir = resolve(args.package ?? join(here, "../../../generated/typescript"));
const out = resolve(args.out ?? join(here, "../../../target/browser-artefacts"));
const serve = args.serve;
const scenarios = (args.scenarios ?? (serve ? "memory,http,retry,beacon" : "memory")).split(",");
mkdirSync(out, { recursive: true });

const require = createRequire(join(here, "../../../tools/package.json"));
let chromium;
try {
  ({ chromium } = require("playwright-core"));
} catch (error) {
  console.error(`playwright-core is missing (${error.message}): run \`npm ci --prefix tools\``);
  process.exit(2);
}

/** The policy: scripts only from this origin, no eval, no inline code; requests only here. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const packageFiles = new Set(readdirSync(packageDir).filter((name) => /^[a-z]+(\.d)?\.(js|ts|json)$/.test(name)));
const ingests = [];
let failNext;

function send(response, status, type, body, headers = {}) {
  response.writeHead(status, { "content-type": type, "content-security-policy": CSP, "cache-control": "no-store", ...headers });
  response.end(body);
}

/** Forwards a request to serve, body and all; answers 502 when it cannot. */
function forward(request, response, body) {
  const target = new URL(request.url, serve);
  const upstream = httpRequest(
    target,
    { method: request.method, headers: { "content-type": request.headers["content-type"] ?? "application/json" } },
    (answer) => {
      const chunks = [];
      answer.on("data", (chunk) => chunks.push(chunk));
      answer.on("end", () => {
        response.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
        response.end(Buffer.concat(chunks));
      });
    },
  );
  upstream.on("error", (error) => send(response, 502, "text/plain", `serve: ${error.message}`));
  upstream.end(body);
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const url = new URL(request.url, "http://127.0.0.1");
    const path = url.pathname;
    if (request.method === "GET" && (path === "/" || path === "/page.html")) return send(response, 200, "text/html; charset=utf-8", readFileSync(join(here, "page.html")));
    if (path === "/favicon.ico") return send(response, 204, "image/x-icon", "");
    if (request.method === "GET" && path === "/next.html") return send(response, 200, "text/html; charset=utf-8", readFileSync(join(here, "next.html")));
    if (request.method === "GET" && path === "/app.js") return send(response, 200, "text/javascript", readFileSync(join(here, "app.js")));
    if (request.method === "GET" && path.startsWith("/pkg/")) {
      const name = path.slice(5);
      if (!packageFiles.has(name)) return send(response, 404, "text/plain", "no such file");
      const type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".json") ? "application/json" : "text/plain";
      return send(response, 200, type, readFileSync(join(packageDir, name)));
    }
    if (path === "/v1/events" && request.method === "POST") {
      const entry = { at: Date.now(), contentType: request.headers["content-type"], events: safeCount(body), status: 0, ids: safeIds(body) };
      ingests.push(entry);
      if (failNext !== undefined) {
        entry.status = failNext.status;
        entry.injected = true;
        const headers = failNext.retryAfter === undefined ? {} : { "retry-after": String(failNext.retryAfter) };
        failNext = undefined;
        return send(response, entry.status, "application/json", JSON.stringify({ error: "injected by the test harness" }), headers);
      }
      if (serve === undefined) return send(response, 503, "application/json", JSON.stringify({ error: "no collector" }));
      entry.status = 200;
      return forward(request, response, body);
    }
    if (path.startsWith("/micro/") && serve !== undefined) return forward(request, response, body);
    send(response, 404, "text/plain", "not found");
  });
});

function safeIds(body) {
  try {
    const parsed = JSON.parse(body.toString("utf8"));
    return (Array.isArray(parsed) ? parsed : [parsed]).map((payload) => payload?.event_id);
  } catch {
    return [];
  }
}

function safeCount(body) {
  try {
    const parsed = JSON.parse(body.toString("utf8"));
    return Array.isArray(parsed) ? parsed.length : 1;
  } catch {
    return -1;
  }
}

await new Promise((done) => server.listen(0, "127.0.0.1", done));
const origin = `http://127.0.0.1:${server.address().port}`;

/** The good events serve holds whose event_id is one of `ids` (polled: the beacon is async). */
async function goodEvents(ids, expected = ids.length) {
  if (serve === undefined) return [];
  const wanted = new Set(ids);
  let found = [];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await fetch(`${serve}/micro/good?event_name=user.login&limit=1000`);
    const listed = await answer.json();
    const events = Array.isArray(listed) ? listed : (listed.events ?? []);
    found = events.filter((event) => wanted.has(event.payload?.event_id));
    if (found.length >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return found.map((event) => event.payload);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const result = { origin, csp: CSP, scenarios: {}, pageErrors: [], console: [], requests: [] };
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => result.pageErrors.push(String(error)));
  page.on("console", (message) => result.console.push(`${message.type()}: ${message.text()}`));
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/v1/events") result.requests.push({ type: request.resourceType(), method: request.method() });
  });
  const load = async () => {
    await page.goto(`${origin}/page.html`);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", null, { timeout: 10_000 });
  };
  await load();
  result.headers = (await page.evaluate(() => document.readyState)) === "complete";

  if (scenarios.includes("memory")) {
    result.scenarios.memory = await page.evaluate(() => window.eventcat.memory());
  }
  if (scenarios.includes("http")) {
    const sent = await page.evaluate(() => window.eventcat.http({ count: 12, batchSize: 5, initialBackoffMs: 100 }));
    sent.found = await goodEvents(sent.ids);
    result.scenarios.http = sent;
  }
  if (scenarios.includes("retry")) {
    failNext = { status: 503, retryAfter: 1 };
    const started = Date.now();
    const sent = await page.evaluate(() => window.eventcat.http({ count: 3, batchSize: 10, initialBackoffMs: 50 }));
    sent.tookMs = Date.now() - started;
    sent.found = await goodEvents(sent.ids);
    result.scenarios.retry = sent;
  }
  if (scenarios.includes("beacon")) {
    const before = ingests.length;
    const queued = await page.evaluate(() => window.eventcat.queueForBeacon({ count: 4 }));
    const requestsBefore = result.requests.length;
    // Leaving the page fires pagehide: the queue must go out as a beacon.
    await page.goto(`${origin}/next.html`);
    queued.beacons = await page.evaluate(() => JSON.parse(sessionStorage.getItem("beacons") ?? "[]"));
    queued.found = await goodEvents(queued.ids);
    queued.ingests = ingests.slice(before);
    queued.requests = result.requests.slice(requestsBefore);
    result.scenarios.beacon = queued;
    await load();
  }
  await page.screenshot({ path: join(out, "tracker-page.png") });
  result.screenshot = join(out, "tracker-page.png");
} finally {
  result.ingests = ingests;
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result, null, 2));
