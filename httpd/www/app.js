// The TRNG web page: three tabs calling trng-httpd's API (the manual's
// "User interface"). Plain JavaScript, no framework, no inline code (CSP).
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

function showStatus(id, text, kind) {
  const bar = document.getElementById(id);
  bar.textContent = text;
  bar.className = "statusbar " + kind;
  bar.hidden = false;
}

function selectTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const selected = tab.getAttribute("aria-controls") === name;
    tab.setAttribute("aria-selected", String(selected));
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
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

async function refreshDevice() {
  const result = await call("status");
  if (result.ok && result.body.role) showRole(result.body.role);
  const device = document.getElementById("device");
  const entropy = document.getElementById("entropy");
  if (!result.ok || !result.body.egdd_reachable) {
    device.textContent = "Device: egdd not reachable";
    device.className = "device bad";
    entropy.textContent = "Entropy: unknown";
    return;
  }
  entropy.textContent = entropyText(result.body.egdd);
  entropy.className = "device " + (result.body.egdd.entropy_per_bit > 0 ? "good" : "bad");
  const egdd = result.body.egdd;
  device.textContent = "Device: " + egdd.state + " · pool " + egdd.pool_bytes + " bytes" +
    (egdd.source_is_trng ? "" : " · source is not a TRNG (" + egdd.source_kind + ")");
  device.className = "device " + (egdd.state === "running" ? "good" : egdd.state === "standby" ? "" : "bad");
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
  showStatus("system-status", message(result), result.ok ? "ok" : "error");
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
  setInterval(refreshDevice, 5000);
});
