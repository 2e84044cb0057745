// Drives the page of `eventcat-validate serve` in headless Chromium (Debian's, through
// playwright-core): loads `/`, sends events through the API, waits for them to appear, filters
// by event name and by validity, and saves screenshots.
//
// usage: node tools/serve-page.mjs BASE_URL EVENTS.json SCREENSHOT_DIR
//   EVENTS.json: {"good": [payload, ...], "bad": [payload, ...]}
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, eventsFile, shots] = process.argv.slice(2);
if (!base || !eventsFile || !shots) {
  console.error("usage: node tools/serve-page.mjs BASE_URL EVENTS.json SCREENSHOT_DIR");
  process.exit(2);
}
const events = JSON.parse(readFileSync(eventsFile, "utf8"));
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("updated"));
  check(await page.locator("#empty").isVisible(), "an empty store shows the empty note");

  // Send events through the API, as an app would.
  const response = await fetch(`${base}/v1/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify([...events.good, ...events.bad]),
  });
  check(response.status === 200, `POST /v1/events: ${response.status}`);
  const answer = await response.json();
  check(answer.accepted === events.good.length && answer.rejected === events.bad.length,
    `verdicts: ${JSON.stringify(answer)}`);

  const total = events.good.length + events.bad.length;
  const rows = page.locator("#events tr");
  await page.waitForFunction((n) => document.querySelectorAll("#events tr").length === n, total);
  for (const e of [...events.good, ...events.bad]) {
    check(await page.locator("#events").getByText(e.event_id, { exact: true }).count() === 1,
      `event ${e.event_id} is listed`);
  }
  check(await page.locator("#total").textContent() === String(total), "the total count");
  check(await page.locator("#bad").textContent() === String(events.bad.length), "the bad count");
  const badRows = page.locator("#events tr.bad");
  check(await badRows.count() === events.bad.length, "bad rows");
  check((await badRows.first().locator(".errors li").count()) > 0, "a bad row shows its errors");
  await page.screenshot({ path: join(shots, "serve-page.png"), fullPage: true });

  // Filter by event name: only that event's rows.
  const name = events.good[0].event_name;
  const expected = [...events.good, ...events.bad].filter((e) => e.event_name === name).length;
  await page.fill("#event-filter", name);
  await page.waitForFunction((n) => document.querySelectorAll("#events tr").length === n, expected);
  for (const cell of await page.locator("#events tr td:nth-child(2) div:first-child").allTextContents()) {
    check(cell === name, `filtered by ${name}, got ${cell}`);
  }
  // Filter by validity: bad only.
  await page.fill("#event-filter", "");
  await page.selectOption("#validity-filter", "bad");
  await page.waitForFunction((n) => document.querySelectorAll("#events tr").length === n, events.bad.length);
  check(await page.locator("#events tr.good").count() === 0, "no good row when showing bad only");
  await page.screenshot({ path: join(shots, "serve-page-bad-only.png"), fullPage: true });
  check(await rows.count() === events.bad.length, "bad only");
  check(problems.length === 0, problems.join("\n"));
  console.log(JSON.stringify({ ok: true, total, filtered: expected }));
} finally {
  await browser.close();
}
