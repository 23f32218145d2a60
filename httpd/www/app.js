// The TRNG web page: three tabs calling trng-httpd's API (the manual's
// "User interface") and a live Status tab (StatusView, below). The header and the
// status view follow the event stream /trng/randomNum/events (server-sent
// events; docs/api.md); without it they poll /trng/randomNum/status.
// Plain JavaScript, no framework, no inline code (CSP).
"use strict";

const API = "trng/randomNum/";

// Calls an endpoint; resolves to {ok, status, body} (body parsed as JSON when it is JSON).
async function call(endpoint, params) {
  const query = params ? "?" + new URLSearchParams(params) : "";
  try {
    const response = await fetch(API + endpoint + query, { cache: "no-store" });
    const text = await response.text();
    let body = text;
    try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
    return { ok: response.ok, status: response.status, body };
  } catch (e) {
    return { ok: false, status: 0, body: { message: "trng-httpd is not reachable: " + e.message } };
  }
}

function message(result) {
  const text = (result.body && result.body.message) || String(result.body);
  return result.ok ? text : "Error " + result.status + ": " + text;
}

// A 400 names the parameter it refused (docs/api.md): the API's message is shown
// as it came, and the form's input of that name (index.html names each input after
// its parameter) is marked invalid and focused. The page's min/max carry the
// default limits; the server's answer is the authority (an operator may change
// [limits], and numBits × quantity has a limit no attribute can express).
function showApiError(id, formId, result) {
  showStatus(id, message(result), "error");
  const name = result.status === 400 && result.body && result.body.parameter;
  const input = name && document.getElementById(formId).elements.namedItem(name);
  if (!input || !input.setAttribute) return;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

function clearInvalid(formId) {
  for (const input of document.getElementById(formId).elements) input.removeAttribute("aria-invalid");
}

// The device state as the page last heard it (the stream, or a status call).
let deviceState = null;

// A status bar belongs to the action that produced it, and to the device state
// it reported (`state`; else the state known now): when the device moves to
// another state, the message is stale and goes (clearStaleBars).
function showStatus(id, text, kind, state) {
  const bar = document.getElementById(id);
  bar.textContent = text;
  bar.className = "statusbar " + kind;
  bar.dataset.state = state || deviceState || "";
  bar.hidden = false;
}

// The device went from one state to `state`: every finished action's message
// that reported another state is removed (a busy one is replaced by its
// action's answer anyway).
function clearStaleBars(state) {
  for (const bar of document.querySelectorAll(".statusbar")) {
    if (bar.hidden || bar.classList.contains("busy") || bar.dataset.state === state) continue;
    bar.hidden = true;
    bar.textContent = "";
  }
}

function noteState(state) {
  if (deviceState !== null && state !== deviceState) clearStaleBars(state);
  deviceState = state;
}

function selectTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const selected = tab.getAttribute("aria-controls") === name;
    tab.setAttribute("aria-selected", String(selected));
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  document.querySelector("main").classList.toggle("wide", name === "status");
  if (name === "status") StatusView.shown();
}

// The listener's role (status.role): "public" listeners refuse control (403),
// so the System tab says so instead of offering buttons that cannot work.
let role = "unknown";

function showRole(newRole) {
  if (newRole === role) return;
  role = newRole;
  const controlOff = role === "public";
  document.getElementById("system-note").hidden = !controlOff;
  document.getElementById("system").classList.toggle("control-off", controlOff);
  for (const b of document.querySelectorAll("#system button")) b.disabled = controlOff;
}

// What egdd credits, and the SP 800-90B assessment of the device it rests on.
function entropyText(egdd) {
  const a = egdd.assessment;
  if (!a) return "Entropy: unknown";
  const credited = "Entropy: " + Number(egdd.entropy_per_bit).toFixed(3) + " bits credited per raw bit";
  if (a.state === "running" && a.running && !a.result) {
    const r = a.running;
    const percent = Math.floor(100 * r.samples_collected / r.samples_needed);
    return "Entropy: assessing the device (SP 800-90B), " + (r.phase === "collecting"
      ? percent + " % of " + r.samples_needed.toLocaleString("en") + " samples collected"
      : "estimating") + "; nothing is served until it is done";
  }
  if (a.state === "certified") return credited + " (certified by the operator)";
  if (!a.result) return "Entropy: not assessed; nothing is credited";
  const res = a.result;
  const when = new Date(res.unix_time * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  return credited + " · assessed " + Number(res.min_entropy).toFixed(3) + " bits per " +
    res.bits_per_sample + "-bit sample by " + (res.decided_by || "the cap") + " from " +
    res.samples.toLocaleString("en") + " samples, " + when +
    (a.state === "running" ? " · re-assessing" : "");
}

// The header's device and entropy lines, and the status view, from a status
// (the /status answer or a stream's status event: the same fields).
function showDevice(body) {
  const device = document.getElementById("device");
  const entropy = document.getElementById("entropy");
  StatusView.status(body);
  if (!body.egdd_reachable) {
    noteState("unreachable");
    device.textContent = "Device: egdd not reachable";
    device.className = "device bad";
    entropy.textContent = "Entropy: unknown";
    return;
  }
  const egdd = body.egdd;
  noteState(egdd.state);
  entropy.textContent = entropyText(egdd);
  entropy.className = "device " + (egdd.entropy_per_bit > 0 ? "good" : "bad");
  device.textContent = "Device: " + egdd.state + " · pool " + egdd.pool_bytes + " bytes" +
    (egdd.source_is_trng ? "" : " · source is not a TRNG (" + egdd.source_kind + ")");
  device.className = "device " + (egdd.state === "running" ? "good" : egdd.state === "standby" ? "" : "bad");
}

async function refreshDevice() {
  const result = await call("status");
  if (result.ok && result.body.role) showRole(result.body.role);
  if (result.ok) return showDevice(result.body);
  showDevice({ egdd_reachable: false, error: message(result) });
}

// The live stream (EventSource reconnects by itself after a network error).
// Refused (503: too many streams) or unsupported: the page polls status every
// 10 s instead and tries the stream again after 30 s.
const live = { source: null, poll: null };

function showLive(text, kind) {
  const line = document.getElementById("live");
  line.textContent = text;
  line.className = "device live " + kind;
}

function startLive() {
  if (typeof EventSource === "undefined") return fallBack("this browser has no EventSource");
  const source = new EventSource(API + "events");
  live.source = source;
  source.addEventListener("open", () => {
    showLive("Live updates: on", "good");
    if (live.poll) clearInterval(live.poll);
    live.poll = null;
  });
  source.addEventListener("hello", (e) => {
    const hello = JSON.parse(e.data);
    showRole(hello.role);
    StatusView.hello(hello);
  });
  source.addEventListener("status", (e) => showDevice(JSON.parse(e.data)));
  source.addEventListener("rate", (e) => StatusView.rate(JSON.parse(e.data)));
  source.addEventListener("sample", (e) => StatusView.sample(JSON.parse(e.data)));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CONNECTING) {
      return showLive("Live updates: connection lost, reconnecting", "bad");
    }
    source.close();
    fallBack("the server refused the live stream (too many viewers?)");
  });
}

function fallBack(why) {
  showLive("Live updates unavailable: " + why + "; refreshing every 10 s", "bad");
  refreshDevice();
  if (!live.poll) live.poll = setInterval(refreshDevice, 10000);
  if (typeof EventSource !== "undefined") setTimeout(startLive, 30000);
}

async function control(endpoint, busyText) {
  if (role === "public") {
    return showStatus("system-status", "Not done: control needs the operator service " +
      "(mutual TLS with an operator certificate).", "error");
  }
  showStatus("system-status", busyText, "busy");
  for (const b of document.querySelectorAll("#system button")) b.disabled = true;
  const result = await call(endpoint);
  for (const b of document.querySelectorAll("#system button")) b.disabled = role === "public";
  const state = result.body && typeof result.body === "object" ? result.body.state : undefined;
  showStatus("system-status", message(result), result.ok ? "ok" : "error", state);
  refreshDevice();
}

async function generateNumbers(event) {
  event.preventDefault();
  const list = document.getElementById("numbers-list");
  list.replaceChildren();
  clearInvalid("generate-form");
  showStatus("generate-status", "Generating random numbers...", "busy");
  const result = await call("getRandom", {
    numBits: document.getElementById("bits").value,
    quantity: document.getElementById("numbers").value,
  });
  if (!result.ok) return showApiError("generate-status", "generate-form", result);
  showStatus("generate-status", "Random numbers generated successfully", "ok");
  for (const number of result.body) {
    const item = document.createElement("li");
    item.textContent = number.toUpperCase();
    list.appendChild(item);
  }
}

async function generateFile(event) {
  event.preventDefault();
  const link = document.getElementById("download-link");
  link.hidden = true;
  clearInvalid("download-form");
  showStatus("download-status", "Generating file...", "busy");
  const result = await call("generateTestdata", {
    numBits: document.getElementById("file-bits").value,
    filetype: document.getElementById("filetype").value,
  });
  if (!result.ok) return showApiError("download-status", "download-form", result);
  showStatus("download-status", "File successfully generated", "ok");
  link.href = API + "downloadFile?token=" + encodeURIComponent(result.body.token);
  link.setAttribute("download", "testdata_" + result.body.numBits + "bits." + result.body.filetype);
  link.hidden = false;
}

// --- The Status tab -------------------------------------------------------------
// The device's state, alarms and re-init countdown, the health tests, the source's
// rate, pool, clients, serial line, entropy assessment and a sample's bit balance and
// byte histogram, all from the live stream (startLive feeds StatusView). Numbers are
// always text; the charts use Chart.js from Debian's libjs-chart.js, which
// trng-httpd serves at /javascript/chart.js/, loaded when the tab is first shown.
// Without it the tab says so and shows its numbers alone.
const StatusView = (() => {
  const TESTS = ["total_failure", "repetition_count", "adaptive_proportion", "startup"];
  const LIBRARY = "javascript/chart.js/chart.min.js";
  const view = {
    status: null, received: 0, rate: null, sample: null, hello: null,
    library: "not loaded", charts: {}, timer: null,
  };

  const $ = (id) => document.getElementById(id);
  const fmt = (n, digits) => Number(n).toLocaleString("en", { maximumFractionDigits: digits || 0 });
  const clock = (unix) => new Date(unix * 1000).toLocaleTimeString("en-GB");
  const when = (unix) => {
    const d = new Date(unix * 1000);
    return d.toLocaleDateString("en-CA") + " " + d.toLocaleTimeString("en-GB");
  };

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min" + (seconds % 60 ? " " + seconds % 60 + " s" : "");
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor(seconds % 3600 / 60) + " min";
    return Math.floor(seconds / 86400) + " d " + Math.floor(seconds % 86400 / 3600) + " h";
  }

  function setText(id, text) {
    const e = $(id);
    if (e.textContent !== text) e.textContent = text;
  }

  // A definition list's rows, [label, value] pairs.
  function setRows(id, rows) {
    const list = $(id);
    list.replaceChildren();
    for (const [label, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
  }

  // --- the state, its reason, since when, and the re-init countdown -----------
  // The countdown ticks here from reinit_in_s, re-synchronised at every update;
  // the time in the state likewise from state_for_s (no clock of the server's
  // is compared with the browser's).
  function tick() {
    const s = view.status;
    if (!s || !s.egdd) return;
    const elapsed = (performance.now() - view.received) / 1000;
    const e = s.egdd;
    if (typeof e.state_since === "number") {
      const stateFor = typeof e.state_for_s === "number" ? e.state_for_s + elapsed : null;
      setText("sv-since", "since " + when(e.state_since) +
        (stateFor === null ? "" : " (" + duration(stateFor) + ")"));
    } else {
      setText("sv-since", "up " + duration((e.uptime_s || 0) + elapsed) + " (egdd does not report since when)");
    }
    const countdown = $("sv-countdown");
    if (typeof e.reinit_in_s === "number") {
      const left = Math.max(0, Math.ceil(e.reinit_in_s - elapsed));
      setText("sv-countdown", left > 0 ? "re-init in " + left + " s" : "re-initialising now");
      countdown.hidden = false;
    } else if (!countdown.hidden) {
      countdown.hidden = true;
      countdown.textContent = "";
    }
  }

  function showState(body) {
    const box = $("sv-state-box");
    if (!body.egdd_reachable) {
      setText("sv-state", "unreachable");
      setText("sv-reason", "egdd is not reachable: " + (body.error || "unknown error"));
      box.className = "state-box bad";
      return;
    }
    const e = body.egdd;
    setText("sv-state", e.state);
    setText("sv-reason", e.state_reason ? "— " + e.state_reason : "");
    box.className = "state-box " + (e.state === "running" ? "good" : e.state === "standby" ? "" :
      e.state === "initializing" || e.state === "degraded" ? "busy" : "bad");
    // Several sources: each one's own state (egdctl init NAME acts on one).
    const sources = Array.isArray(e.sources) && e.sources.length > 1 ? e.sources : [];
    setText("sv-sources", sources.map((s) => s.name + ": " + s.state +
      (s.state === "running" ? "" : " (" + (s.state_reason || "") + ")")).join(" · "));
    $("sv-sources").hidden = sources.length === 0;
  }

  // --- alarms and health tests --------------------------------------------------
  function lastAlarmTest(e) {
    if (typeof e.last_alarm_test === "string" && e.last_alarm_test) return e.last_alarm_test;
    const m = /^([a-z_]+):/.exec(e.last_alarm || "");
    return m ? m[1] : "";
  }

  function showAlarms(e) {
    const test = lastAlarmTest(e);
    setText("sv-alarms", fmt(e.alarms || 0));
    setText("sv-alarm-test", test || "none");
    const t = test && e.health_tests && e.health_tests[test];
    setText("sv-alarm-stat", t ? fmt(t.last_statistic, 3) + (t.cutoff !== undefined ? " (cutoff " + fmt(t.cutoff) + ")" : "") : "–");
    setText("sv-alarm-time", typeof e.last_alarm_at === "number" ? when(e.last_alarm_at) : "–");
    setText("sv-alarm-detail", e.last_alarm || "–");
  }

  function showTests(e) {
    const body = $("sv-tests").tBodies[0];
    const failing = e.state === "failed" ? lastAlarmTest(e) : "";
    const rows = [];
    for (const name of TESTS) {
      const t = (e.health_tests || {})[name];
      if (!t) continue;
      const state = name === failing ? "alarm" : t.passed || t.failed ? "ok" : "not run yet";
      const tr = document.createElement("tr");
      tr.className = state === "alarm" ? "bad" : "";
      for (const cell of [name.replace(/_/g, " "), state, fmt(t.passed), fmt(t.failed),
        fmt(t.last_statistic, 3), t.cutoff === undefined ? "–" : fmt(t.cutoff)]) {
        const td = document.createElement("td");
        td.textContent = cell;
        tr.appendChild(td);
      }
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  }

  // --- pool, clients, serial line, entropy ---------------------------------------
  function showPool(body, e) {
    const fill = e.pool_capacity ? e.pool_bytes / e.pool_capacity : 0;
    $("sv-pool-meter").value = fill;
    setText("sv-pool", fmt(100 * fill, fill < 0.01 ? 2 : 1) + " % (" + fmt(e.pool_bytes) + " of " + fmt(e.pool_capacity) + " bytes)");
    setText("sv-clients", fmt(e.clients || 0));
    setText("sv-internal", e.internal_clients === undefined ? "–" : fmt(e.internal_clients) + " (counted apart)");
    setText("sv-waiting", fmt(e.waiting_readers || 0));
    const h = body.httpd;
    setText("sv-viewers", h ? fmt(h.event_streams) + " of at most " + fmt(h.max_event_streams) : "–");
  }

  function showLine(e) {
    const st = e.source_stats || {};
    const rows = [["source", e.source_kind + (e.source ? " (" + e.source + ")" : "")]];
    if (e.source_kind === "serial") {
      for (const key of ["frames", "lost_frames", "crc_errors", "seq_gaps", "bad_lines", "skipped_bytes"]) {
        if (st[key] !== undefined) rows.push([key.replace(/_/g, " "), fmt(st[key])]);
      }
    } else {
      rows.push(["line quality", "not a serial source"]);
    }
    setRows("sv-line", rows);
  }

  // --- the rate ---------------------------------------------------------------
  function bits(points) {
    return points.map(([t, bytesPerS]) => ({ x: t, y: bytesPerS * 8 }));
  }

  function mean(points) {
    if (!points.length) return null;
    return 8 * points.reduce((sum, p) => sum + p[1], 0) / points.length;
  }

  const points = (n) => n + (n === 1 ? " point" : " points");

  function span(ring) {
    const s = ring.interval_s * ring.capacity;
    return s === 3600 ? "hour" : s === 86400 ? "day" : duration(s);
  }

  function showRate() {
    const r = view.rate;
    if (!r) return;
    const hour = r.hour.points, day = r.day.points;
    const now = hour.length ? fmt(8 * hour[hour.length - 1][1]) + " bit/s" : "no reading yet";
    const h = mean(hour), d = mean(day);
    setText("sv-rate", "source (raw bytes received): " + now +
      " · mean over the last " + span(r.hour) + ": " + (h === null ? "–" : fmt(h) + " bit/s") +
      " (" + points(hour.length) + " every " + r.hour.interval_s + " s)" +
      " · over the last " + span(r.day) + ": " + (d === null ? "–" : fmt(d) + " bit/s") +
      " (" + points(day.length) + ")");
    updateChart("chart-rate-hour", bits(hour), "last " + span(r.hour));
    updateChart("chart-rate-day", bits(day), "last " + span(r.day));
  }

  // --- the sample ---------------------------------------------------------------
  function showSample() {
    const s = view.sample;
    if (!s) return;
    const c = s.sample;
    const a = s.last_attempt;
    let text = c
      ? "ones: " + fmt(100 * c.ones_fraction, 2) + " % of " + fmt(8 * c.bytes) + " bits · chi-square " +
        fmt(c.chi_square, 1) + " (255 degrees of freedom; about 255 ± 23 for random bytes) · " +
        fmt(c.bytes) + " bytes taken from the pool at " + clock(c.time) + ", counted and discarded, never served"
      : "no sample yet";
    if (a && (!c || a.time !== c.time)) {
      text += " · last attempt " + clock(a.time) + ": " + (a.error || fmt(a.bytes) + " bytes to spare");
    }
    setText("sv-sample", text + " · at most one sample every " + s.interval_s + " s");
    if (!c) return;
    updateChart("chart-bits", [c.bytes * 8 - c.ones, c.ones]);
    updateChart("chart-histogram", c.histogram);
  }

  // --- charts (Chart.js, when the library is there) ------------------------------
  function timeAxis() {
    return { type: "linear", ticks: { maxTicksLimit: 6, callback: (v) => clock(v) } };
  }

  function makeCharts() {
    const common = { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: false } } };
    const line = (title) => ({
      type: "line",
      data: { datasets: [{ data: [], borderColor: "#1f6feb", pointRadius: 1.5, borderWidth: 1.5 }] },
      options: { ...common, plugins: { ...common.plugins, title: { display: true, text: title } },
        scales: { x: timeAxis(), y: { beginAtZero: true, title: { display: true, text: "bit/s" } } } },
    });
    view.charts["chart-rate-hour"] = new Chart($("chart-rate-hour"), line("last hour"));
    view.charts["chart-rate-day"] = new Chart($("chart-rate-day"), line("last day"));
    view.charts["chart-bits"] = new Chart($("chart-bits"), {
      type: "bar",
      data: { labels: ["0 bits", "1 bits"], datasets: [{ data: [0, 0], backgroundColor: ["#8aa9d6", "#1f6feb"] }] },
      options: { ...common, plugins: { ...common.plugins, title: { display: true, text: "bit balance" } },
        scales: { y: { beginAtZero: true } } },
    });
    view.charts["chart-histogram"] = new Chart($("chart-histogram"), {
      type: "bar",
      data: { labels: Array.from({ length: 256 }, (_, i) => i), datasets: [{ data: [], backgroundColor: "#1f6feb",
        barPercentage: 1, categoryPercentage: 1 }] },
      options: { ...common, plugins: { ...common.plugins, title: { display: true, text: "byte histogram" } },
        scales: { x: { ticks: { maxTicksLimit: 9, maxRotation: 0 } }, y: { beginAtZero: true } } },
    });
  }

  function updateChart(id, data, title) {
    const chart = view.charts[id];
    if (!chart) return;
    chart.data.datasets[0].data = data;
    if (title) chart.options.plugins.title.text = title;
    chart.update("none");
  }

  // Loads Chart.js once; a failure leaves the numbers and a note.
  function loadLibrary() {
    if (view.library !== "not loaded") return;
    view.library = "loading";
    const script = document.createElement("script");
    script.src = LIBRARY;
    script.addEventListener("load", () => {
      if (typeof Chart === "undefined") return noCharts();
      view.library = "loaded";
      makeCharts();
      showRate();
      showSample();
    });
    script.addEventListener("error", noCharts);
    document.head.appendChild(script);
  }

  function noCharts() {
    view.library = "missing";
    $("chart-note").hidden = false;
    for (const c of document.querySelectorAll("#status .charts")) c.hidden = true;
  }

  return {
    // The tab is shown: charts load, the countdown ticks.
    shown() {
      loadLibrary();
      if (!view.timer) view.timer = setInterval(tick, 250);
      tick();
    },
    hello(h) { view.hello = h; },
    status(body) {
      view.status = body;
      view.received = performance.now();
      showState(body);
      if (body.egdd_reachable) {
        const e = body.egdd;
        showAlarms(e);
        showTests(e);
        showPool(body, e);
        showLine(e);
        setText("sv-entropy", entropyText(e));
      }
      tick();
    },
    rate(r) { view.rate = r; showRate(); },
    sample(s) { view.sample = s; showSample(); },
    // For tests and the curious: what the view holds.
    get library() { return view.library; },
  };
})();

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.addEventListener("click", () => selectTab(tab.getAttribute("aria-controls")));
  }
  document.getElementById("init").addEventListener("click",
    () => control("init", "Initializing system, please wait..."));
  document.getElementById("restart").addEventListener("click",
    () => control("restart", "Restarting system, please wait..."));
  document.getElementById("shutdown").addEventListener("click",
    () => control("shutdown", "Shutting down system..."));
  document.getElementById("generate-form").addEventListener("submit", generateNumbers);
  document.getElementById("download-form").addEventListener("submit", generateFile);
  refreshDevice();
  startLive();
});
