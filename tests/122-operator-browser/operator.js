// SPDX-License-Identifier: Apache-2.0
// The web page over run-stack's HTTPS services in Debian's chromium (playwright-core):
//   - public HTTPS (:8443, server-only TLS): the page works, its System tab says
//     control needs the operator service, its buttons are disabled; its entropy line
//     names the assessment egdd credits;
//   - operator HTTPS (:8444) with no client certificate: the TLS handshake fails;
//   - operator HTTPS with the operator's certificate (Playwright presents it for the
//     origin): System -> Shutdown System, then Initialize, as an operator would.
// Usage: node operator.js PUBLIC_URL OPERATOR_URL CERT KEY OUT_DIR
// Prints a JSON summary on stdout; exits non-zero when a step fails.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { TIMEOUT, statusText, publicSystemTab, run } = require("../lib/chromium");

const [publicUrl, operatorUrl, certPath, keyPath, outDir] = process.argv.slice(2);

async function publicPage(browser, summary) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const tab = await publicSystemTab(page, publicUrl + "/", path.join(outDir, "1-public-system.png"));
  summary.public_note = tab.note;
  summary.public_buttons_disabled = tab.buttonsDisabled;
  // The stack's egdd assessed the simulated device before it served: the page says so.
  await page.locator("#entropy").filter({ hasText: "assessed" }).waitFor({ timeout: TIMEOUT });
  summary.entropy = (await page.textContent("#entropy")).trim();
  await context.close();
}

async function noCertificate(browser, summary) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  try {
    await page.goto(operatorUrl + "/", { timeout: TIMEOUT });
    summary.no_certificate = "loaded";
  } catch (e) {
    summary.no_certificate = String(e.message).split("\n")[0];
  }
  await context.close();
}

async function operatorPage(browser, summary) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: operatorUrl, certPath, keyPath }],
  });
  const page = await context.newPage();
  await page.goto(operatorUrl + "/", { timeout: TIMEOUT });
  await page.click("#tab-system");
  summary.operator_note_hidden = await page.isHidden("#system-note");
  await page.click("#shutdown");
  summary.shutdown = (await statusText(page, "system-status", "System successfully shutdown")).trim();
  await page.locator("#device").filter({ hasText: "standby" }).waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: path.join(outDir, "2-operator-shutdown.png"), fullPage: true });
  await page.click("#init");
  summary.init = (await statusText(page, "system-status", "System initialised successfully")).trim();
  await page.locator("#device").filter({ hasText: "running" }).waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: path.join(outDir, "3-operator-init.png"), fullPage: true });
  await context.close();
}

run(async (browser, summary) => {
  fs.mkdirSync(outDir, { recursive: true });
  await publicPage(browser, summary);
  await noCertificate(browser, summary);
  await operatorPage(browser, summary);
});
