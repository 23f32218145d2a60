// SPDX-License-Identifier: Apache-2.0
// The web page over run-stack's HTTPS services in Debian's chromium (playwright-core):
//   - public HTTPS (:8443, server-only TLS): the page works, its System tab says
//     control needs the operator service, its buttons are disabled;
//   - operator HTTPS (:8444) with no client certificate: the TLS handshake fails;
//   - operator HTTPS with the operator's certificate (Playwright presents it for the
//     origin): System -> Shutdown System, then Initialize, as an operator would.
// Usage: node operator.js PUBLIC_URL OPERATOR_URL CERT KEY OUT_DIR
// Prints a JSON summary on stdout; exits non-zero when a step fails.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const [publicUrl, operatorUrl, certPath, keyPath, outDir] = process.argv.slice(2);
const TIMEOUT = 30000;

async function statusText(page, id, expected) {
  const bar = page.locator("#" + id);
  await bar.filter({ hasText: expected }).waitFor({ timeout: TIMEOUT });
  return (await bar.textContent()).trim();
}

async function publicPage(browser, summary) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(publicUrl + "/", { timeout: TIMEOUT });
  await page.click("#tab-system");
  await page.locator("#system-note").waitFor({ state: "visible", timeout: TIMEOUT });
  summary.public_note = (await page.textContent("#system-note")).replace(/\s+/g, " ").trim();
  summary.public_buttons_disabled = await page.$$eval("#system button", (bs) => bs.map((b) => b.disabled));
  await page.screenshot({ path: path.join(outDir, "1-public-system.png"), fullPage: true });
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
  summary.shutdown = await statusText(page, "system-status", "System successfully shutdown");
  await page.locator("#device").filter({ hasText: "standby" }).waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: path.join(outDir, "2-operator-shutdown.png"), fullPage: true });
  await page.click("#init");
  summary.init = await statusText(page, "system-status", "System initialised successfully");
  await page.locator("#device").filter({ hasText: "running" }).waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: path.join(outDir, "3-operator-init.png"), fullPage: true });
  await context.close();
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-default-apps", "--disable-extensions",
           "--disable-sync", "--no-first-run", "--metrics-recording-only", "--mute-audio"],
  });
  const summary = {};
  try {
    await publicPage(browser, summary);
    await noCertificate(browser, summary);
    await operatorPage(browser, summary);
  } finally {
    await browser.close();
    process.stdout.write(JSON.stringify(summary) + "\n");
  }
}

main().catch((e) => {
  process.stderr.write((e && e.stack) || String(e));
  process.exit(1);
});
