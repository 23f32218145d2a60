// Drives Debian's chromium through trng-httpd's web page, as the manual's
// "Step by step instructions" do: System -> Initialize, Generate 3 numbers of
// 24 bits, Download a 400-bit .bin file (on the operator listener, BASE_URL).
// Then the same page on a public listener (PUBLIC_URL): the System tab says
// control needs the operator service and a control call is refused. Then a
// foreign page (EVIL_URL, another site) makes the browser call the API.
// Usage: node browser.js BASE_URL PUBLIC_URL EVIL_URL OUT_DIR
// Prints a JSON summary on stdout; exits non-zero on any failed check.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { statusText, publicSystemTab, run } = require("../lib/chromium");

const [base, publicBase, evilUrl, outDir] = process.argv.slice(2);
const TIMEOUT = 20000;

async function systemTab(page, summary) {
  await page.click("#tab-system");
  assert.ok(await page.isVisible("#system"));
  assert.ok(await page.isHidden("#generate"));
  await page.click("#init");
  summary.init = await statusText(page, "system-status", "System initialised successfully");
  await page.locator("#device").filter({ hasText: "running" }).waitFor({ timeout: TIMEOUT });
  summary.device = await page.textContent("#device");
  await page.screenshot({ path: path.join(outDir, "1-system.png"), fullPage: true });
  await page.click("#init");  // a second init: the manual's 409
  summary.init_again = await statusText(page, "system-status", "Error 409");
}

async function generateTab(page, summary) {
  await page.click("#tab-generate");
  // Beyond an input's max (the API's limit): the browser itself refuses to submit.
  await page.fill("#bits", "65537");
  await page.click("#generate-button");
  summary.bits_overflow = await page.$eval("#bits", (e) => e.validity.rangeOverflow);
  // Within each input's max but beyond 1 Mbit a request: the API's 400 is shown
  // as it came, and the input it names is marked invalid and focused.
  await page.fill("#bits", "128");
  await page.fill("#numbers", "9000");
  await page.click("#generate-button");
  summary.too_many = await statusText(page, "generate-status", "Error 400");
  summary.too_many_invalid = await page.getAttribute("#numbers", "aria-invalid");
  summary.too_many_focus = await page.evaluate(() => document.activeElement.id);
  await page.screenshot({ path: path.join(outDir, "2-generate-400.png"), fullPage: true });
  await page.fill("#bits", "24");
  await page.fill("#numbers", "3");
  await page.click("#generate-button");
  summary.generate = await statusText(page, "generate-status", "Random numbers generated successfully");
  summary.numbers = await page.locator("#numbers-list li").allTextContents();
  summary.invalid_after = await page.getAttribute("#numbers", "aria-invalid");
  await page.screenshot({ path: path.join(outDir, "2-generate.png"), fullPage: true });
}

async function downloadTab(page, summary) {
  await page.click("#tab-download");
  assert.equal(await page.inputValue("#file-bits"), "5000");
  assert.equal(await page.inputValue("#filetype"), "bin");
  assert.ok(await page.isHidden("#download-link"));
  await page.fill("#file-bits", "400");
  await page.selectOption("#filetype", "bin");
  await page.click("#file-button");
  summary.file = await statusText(page, "download-status", "File successfully generated");
  await page.locator("#download-link").waitFor({ state: "visible", timeout: TIMEOUT });
  await page.screenshot({ path: path.join(outDir, "3-download.png"), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-link")]);
  summary.filename = download.suggestedFilename();
  summary.file_path = path.join(outDir, summary.filename);
  await download.saveAs(summary.file_path);
  summary.file_size = fs.statSync(summary.file_path).size;
}

// The System tab of a public listener: a note instead of working buttons, and a
// control call made anyway (same-origin, as the page would) is refused.
async function publicListener(context, summary) {
  const page = await context.newPage();
  page.on("pageerror", (e) => summary.console_errors.push(String(e)));
  const tab = await publicSystemTab(page, publicBase + "/", path.join(outDir, "4-public-system.png"));
  summary.public_note = tab.note;
  summary.public_buttons_disabled = tab.buttonsDisabled;
  summary.public_shutdown = await page.evaluate(async () => {
    const r = await fetch("trng/randomNum/shutdown", { cache: "no-store" });
    return { status: r.status, body: await r.json() };
  });
  await page.close();
}

// A page of another site that makes the browser call the API (CSRF): it sets
// its title to "done" once its requests have settled.
async function foreignPage(context, summary) {
  const page = await context.newPage();
  await page.goto(evilUrl, { timeout: TIMEOUT });
  await page.waitForFunction(() => document.title === "done", null, { timeout: TIMEOUT });
  summary.foreign = await page.evaluate(() => window.results);
  await page.close();
}

run(async (browser, summary) => {
  fs.mkdirSync(outDir, { recursive: true });
  summary.console_errors = [];
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 800, height: 700 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") summary.console_errors.push(m.text()); });
  page.on("pageerror", (e) => summary.console_errors.push(String(e)));
  await page.goto(base + "/", { timeout: TIMEOUT });
  summary.title = await page.title();
  summary.start_tab_visible = await page.isVisible("#generate");  // the manual's default page
  summary.defaults = { bits: await page.inputValue("#bits"), numbers: await page.inputValue("#numbers") };
  await systemTab(page, summary);
  await generateTab(page, summary);
  await downloadTab(page, summary);
  await publicListener(context, summary);
  await foreignPage(context, summary);
});
