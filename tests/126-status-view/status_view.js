// SPDX-License-Identifier: Apache-2.0
// The live status view in Debian's chromium (playwright-core), against trng-sim,
// egdd and trng-httpd (test.py starts them):
//   1. the Status tab shows "running", the rate chart gets points (read from
//      Chart.js's own chart data) and the sample's histogram;
//   2. System -> Restart: "System successfully restarted";
//   3. `fan-stop` in the simulator: the view shows "failed" with the alarm's
//      reason, timed in the browser from the command to the DOM change, and a
//      re-init countdown that ticks down; the System tab's restart message is
//      gone (it no longer describes the device);
//   4. `fan-start`: egdd re-initialises by itself; the view shows "running" again;
//   5. a trng-httpd whose javascript_dir has no Chart.js: the numbers and the
//      note "charts unavailable (libjs-chart.js not installed)".
// Screenshots of each state go to OUT_DIR.
// Usage: node status_view.js URL NOLIB_URL SIM_CONTROL OUT_DIR
// Prints a JSON summary on stdout; exits non-zero when a step fails.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { TIMEOUT, statusText, run, screenshot } = require("../lib/chromium");

const [url, nolibUrl, simControl, outDir] = process.argv.slice(2);

// One command to trng-sim's control socket; resolves to its answer line.
function sim(command) {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(simControl, () => c.write(command + "\n"));
    let answer = "";
    c.on("data", (d) => {
      answer += d;
      if (answer.includes("\n")) {
        c.end();
        resolve(answer.trim());
      }
    });
    c.on("error", reject);
  });
}

const state = (page) => page.textContent("#sv-state");
const chartPoints = (page, id) => page.evaluate((i) => {
  const chart = typeof Chart !== "undefined" && Chart.getChart(i);
  return chart ? chart.data.datasets[0].data.length : -1;
}, id);

async function running(page, summary) {
  await page.goto(url + "/", { timeout: TIMEOUT });
  await page.click("#tab-status");
  await page.locator("#sv-state").filter({ hasText: /^running$/ }).waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => StatusView.library !== "loading" && StatusView.library !== "not loaded",
    null, { timeout: TIMEOUT });
  summary.library = await page.evaluate(() => StatusView.library);
  if (summary.library === "loaded") {  // else test.py says why the chart checks are skipped
    await page.waitForFunction(() => Chart.getChart("chart-rate-hour").data.datasets[0].data.length >= 2,
      null, { timeout: TIMEOUT });
    await page.waitForFunction(() => Chart.getChart("chart-histogram").data.datasets[0].data.length === 256,
      null, { timeout: TIMEOUT });
  }
  await page.locator("#sv-sample").filter({ hasText: "never served" }).waitFor({ timeout: TIMEOUT });
  summary.rate_points = await chartPoints(page, "chart-rate-hour");
  summary.histogram_bins = await chartPoints(page, "chart-histogram");
  summary.sample_text = await page.textContent("#sv-sample");
  summary.pool_text = await page.textContent("#sv-pool");
  summary.line_text = await page.textContent("#sv-line");
  summary.live = await page.textContent("#live");
  await screenshot(page, path.join(outDir, "1-running.png"));
}

async function restart(page, summary) {
  await page.click("#tab-system");
  await page.click("#restart");
  summary.restart = (await statusText(page, "system-status", "System successfully restarted")).trim();
  await page.locator("#device").filter({ hasText: "running" }).waitFor({ timeout: TIMEOUT });
  await page.click("#tab-status");
  await page.locator("#sv-state").filter({ hasText: /^running$/ }).waitFor({ timeout: TIMEOUT });
}

// fan-stop: the time from the command to "failed" in the DOM, measured with the
// browser's clock (the same machine's as this process's).
async function failed(page, summary) {
  await page.evaluate(() => {
    window.failedAt = null;
    const target = document.getElementById("sv-state");
    new MutationObserver(() => {
      if (window.failedAt === null && target.textContent === "failed") window.failedAt = Date.now();
    }).observe(target, { childList: true, characterData: true, subtree: true });
  });
  const sent = Date.now();
  summary.fan_stop = await sim("fan-stop");
  await page.waitForFunction(() => window.failedAt !== null, null, { timeout: TIMEOUT });
  summary.failed_after_ms = (await page.evaluate(() => window.failedAt)) - sent;
  summary.reason = await page.textContent("#sv-reason");
  summary.alarm_test = await page.textContent("#sv-alarm-test");
  summary.header = await page.textContent("#device");
  await page.locator("#sv-countdown").waitFor({ state: "visible", timeout: TIMEOUT });
  summary.countdown = [await page.textContent("#sv-countdown")];
  await page.waitForTimeout(1200);
  summary.countdown.push(await page.textContent("#sv-countdown"));
  summary.alarm_row = await page.locator("#sv-tests tr.bad td").first().textContent();
  await screenshot(page, path.join(outDir, "2-failed-countdown.png"));
  // The System tab's bar (its tab is not shown: ask the element itself).
  summary.system_status_hidden = await page.$eval("#system-status", (e) => e.hidden);
  summary.system_status_text = await page.textContent("#system-status");
}

async function runningAgain(page, summary) {
  summary.fan_start = await sim("fan-start");
  const seen = new Set();
  const deadline = Date.now() + 30000;
  for (;;) {
    const s = await state(page);
    seen.add(s);
    if (s === "running") break;
    if (Date.now() > deadline) throw new Error("never running again; states seen: " + [...seen]);
    await page.waitForTimeout(100);
  }
  summary.states_after_fan_start = [...seen];
  summary.countdown_hidden = await page.isHidden("#sv-countdown");
  summary.alarms = await page.textContent("#sv-alarms");
  await screenshot(page, path.join(outDir, "3-running-again.png"));
}

// javascript_dir without Chart.js: numbers and a note, no charts.
async function noLibrary(browser, summary) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.goto(nolibUrl + "/", { timeout: TIMEOUT });
  await page.click("#tab-status");
  await page.locator("#chart-note").waitFor({ state: "visible", timeout: TIMEOUT });
  await page.locator("#sv-state").filter({ hasText: /^running$/ }).waitFor({ timeout: TIMEOUT });
  await page.locator("#sv-rate").filter({ hasText: "bit/s" }).waitFor({ timeout: TIMEOUT });
  summary.nolib = {
    note: (await page.textContent("#chart-note")).trim(),
    library: await page.evaluate(() => StatusView.library),
    chart_defined: await page.evaluate(() => typeof Chart !== "undefined"),
    charts_hidden: await page.isHidden("#status .charts"),
    state: await state(page),
    pool: await page.textContent("#sv-pool"),
    rate: await page.textContent("#sv-rate"),
    tests: await page.locator("#sv-tests tbody tr").count(),
  };
  await screenshot(page, path.join(outDir, "4-no-library.png"));
  await context.close();
}

run(async (browser, summary) => {
  fs.mkdirSync(outDir, { recursive: true });
  summary.console_errors = [];
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") summary.console_errors.push(m.text()); });
  page.on("pageerror", (e) => summary.console_errors.push(String(e)));
  await running(page, summary);
  await restart(page, summary);
  await failed(page, summary);
  await runningAgain(page, summary);
  await context.close();
  await noLibrary(browser, summary);
});
