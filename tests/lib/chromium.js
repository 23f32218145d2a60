// SPDX-License-Identifier: Apache-2.0
// What the browser tests (051, 122, 126) share: Debian's chromium launched headless
// the way this machine allows (no sandbox as root, no background networking: the
// network is closed), a status bar's text once it says what is expected, the System
// tab of a public listener, a whole-page screenshot, and the run wrapper that prints
// the JSON summary and fails the process on any error. playwright-core comes from NODE_PATH
// (tests/051-httpd-browser/node_modules; browsertest.py sets it).
"use strict";
const { chromium } = require("playwright-core");

const TIMEOUT = 30000;

function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-default-apps", "--disable-extensions",
           "--disable-sync", "--no-first-run", "--metrics-recording-only", "--mute-audio"],
  });
}

// The text of status bar #id once it contains `expected`.
async function statusText(page, id, expected, timeout = TIMEOUT) {
  const bar = page.locator("#" + id);
  await bar.filter({ hasText: expected }).waitFor({ timeout });
  return bar.textContent();
}

// Opens `url` on its System tab as a public listener serves it (a note stands in
// for control) and takes a screenshot to `screenshot`; returns the note's text and
// whether each button is disabled.
async function publicSystemTab(page, url, screenshot) {
  await page.goto(url, { timeout: TIMEOUT });
  await page.click("#tab-system");
  await page.locator("#system-note").waitFor({ state: "visible", timeout: TIMEOUT });
  const note = (await page.textContent("#system-note")).replace(/\s+/g, " ").trim();
  const buttonsDisabled = await page.$$eval("#system button", (bs) => bs.map((b) => b.disabled));
  await page.screenshot({ path: screenshot, fullPage: true });
  return { note, buttonsDisabled };
}

// A screenshot of the whole page at CSS pixels (a 1000 px wide viewport gives a
// 1000 px wide PNG), to `file`.
function screenshot(page, file) {
  return page.screenshot({ path: file, fullPage: true, scale: "css" });
}

// Runs body(browser, summary), then prints the summary as one JSON line; any
// error ends the process with status 1 after its stack.
function run(body) {
  (async () => {
    const browser = await launch();
    const summary = {};
    try {
      await body(browser, summary);
    } finally {
      await browser.close();
      process.stdout.write(JSON.stringify(summary) + "\n");
    }
  })().catch((e) => {
    process.stderr.write((e && e.stack) || String(e));
    process.exit(1);
  });
}

module.exports = { TIMEOUT, launch, statusText, publicSystemTab, screenshot, run };
