// The page's script: polls the test API once a second and redraws. Every value from an event
// goes into the page with textContent, never as HTML.
"use strict";

const LIMIT = 200;
const $ = (id) => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function query(extra) {
  const params = new URLSearchParams({ limit: String(LIMIT) });
  const name = $("event-filter").value.trim();
  if (name && extra) params.set("event_name", name);
  return params.toString();
}

function drawCounts(counts) {
  $("total").textContent = counts.total;
  $("good").textContent = counts.good;
  $("bad").textContent = counts.bad;
  $("stored").textContent = counts.stored;
}

function drawPerEvent(good, bad) {
  const rows = new Map();
  const row = (name) => {
    const key = name ?? "(no event name)";
    if (!rows.has(key)) rows.set(key, { good: 0, bad: 0 });
    return rows.get(key);
  };
  good.forEach((e) => row(e.event).good++);
  bad.forEach((e) => row(e.event).bad++);
  const body = $("per-event");
  const names = $("event-names");
  body.replaceChildren();
  names.replaceChildren();
  [...rows.entries()].sort((a, b) => a[0].localeCompare(b[0])).forEach(([name, n]) => {
    const tr = element("tr");
    tr.append(element("td", name), element("td", String(n.good), "n"), element("td", String(n.bad), "n"));
    body.append(tr);
    const option = element("option");
    option.value = name;
    names.append(option);
  });
}

function drawEvents(good, bad) {
  const validity = $("validity-filter").value;
  const events = [
    ...(validity === "bad" ? [] : good.map((e) => ({ ...e, valid: true }))),
    ...(validity === "good" ? [] : bad.map((e) => ({ ...e, valid: false }))),
  ].sort((a, b) => (b.received_at.localeCompare(a.received_at)) || (b.index - a.index));
  const body = $("events");
  body.replaceChildren();
  for (const e of events) {
    const tr = element("tr");
    tr.className = e.valid ? "good" : "bad";
    const when = element("td", e.received_at.replace("T", " ").replace(/\.\d+Z$/, "Z"));
    const name = element("td");
    name.append(element("div", e.event ?? "(no event name)"), element("div", e.version ?? "", "muted"));
    const verdict = element("td");
    verdict.append(element("span", e.valid ? "good" : "bad", `badge ${e.valid ? "good" : "bad"}`));
    const details = element("td");
    details.append(element("code", e.event_id ?? `request ${e.request_id} #${e.index}`));
    if (!e.valid) {
      const list = element("ul", undefined, "errors");
      for (const error of e.errors) {
        const item = element("li");
        item.append(element("code", error.pointer || "(payload)"), ` [${error.rule}] expected ${error.expected}; got ${error.actual}`);
        list.append(item);
      }
      details.append(list);
    }
    tr.append(when, name, verdict, details);
    body.append(tr);
  }
  $("empty").hidden = events.length > 0;
}

async function refresh() {
  try {
    const [counts, good, bad, allGood, allBad] = await Promise.all([
      getJson("/micro/all"),
      getJson(`/micro/good?${query(true)}`),
      getJson(`/micro/bad?${query(true)}`),
      getJson(`/micro/good?${query(false)}`),
      getJson(`/micro/bad?${query(false)}`),
    ]);
    drawCounts(counts);
    drawPerEvent(allGood, allBad);
    drawEvents(good, bad);
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $("status").textContent = `cannot reach the server (${error.message})`;
  }
}

$("filters").addEventListener("submit", (event) => event.preventDefault());
$("event-filter").addEventListener("input", refresh);
$("validity-filter").addEventListener("change", refresh);
refresh();
setInterval(refresh, 1000);
