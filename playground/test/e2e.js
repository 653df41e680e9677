// e2e.js URL SCREENSHOT [STEPS]: drives Debian's chromium, headless,
// through the playground at URL, as playground_test.go asks: runs the
// moons example with "Max steps" STEPS (RunOptions.MaxSteps, as noxc run
// -steps), misspells a layer, saves a screenshot and prints one JSON
// object of what it saw for the Go test to check.
"use strict";
const { chromium } = require("playwright-core");

const [url, shot, stepsArg] = process.argv.slice(2);
const steps = +(stepsArg || 300);
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function main() {
  // launch gives chromium a fresh user-data-dir of its own, removed after.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: flags });
  const out = { console: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.text()); });
    page.on("pageerror", (e) => out.console.push("pageerror: " + e.message));
    await page.goto(url);
    await page.waitForFunction(() => window.noxPlayground && window.noxPlayground.stats.firstCheckMs !== null, null, { timeout: 60000 });
    out.stats = await page.evaluate(() => ({ ...window.noxPlayground.stats, manifest: window.noxPlayground.manifest }));
    out.file = await page.evaluate(() => window.noxPlayground.file);

    // Run moons with the steps capped.
    await page.fill("#maxSteps", String(steps));
    const t0 = Date.now();
    await page.click("#run");
    // The page stays responsive while the worker trains: time a round trip.
    await page.waitForFunction(() => document.body.dataset.state === "running");
    const r0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    out.frameMsDuringRun = Date.now() - r0;
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 120000 });
    out.runMs = Date.now() - t0;
    Object.assign(out, await page.evaluate(() => ({
      events: window.noxPlayground.events, runError: window.noxPlayground.runError,
      log: document.getElementById("log").textContent,
      pictures: [...document.querySelectorAll("#pictures img")].map((i) => ({ alt: i.alt, width: i.naturalWidth, height: i.naturalHeight })),
      downloads: [...document.querySelectorAll("#files a")].map((a) => a.download),
    })));

    const text = await page.inputValue("#editor");
    // Misspell the first MAF, typing as a person would.
    const at = text.indexOf("MAF(") + 3;
    await page.focus("#editor");
    await page.evaluate((i) => document.getElementById("editor").setSelectionRange(i, i), at);
    const c0 = Date.now();
    await page.keyboard.type("F");
    await page.waitForSelector("#diagnostics li.error", { timeout: 30000 });
    out.checkMsAfterTyping = Date.now() - c0;
    out.diagnostics = await page.evaluate(() => window.noxPlayground.diagnostics);
    out.gutterErrors = await page.$$eval("#gutter div.error", (ds) => ds.map((d) => +d.dataset.line));
    out.marks = await page.$$eval("#marks mark", (ms) => ms.map((m) => m.textContent));
    // Clicking the problem selects its range.
    await page.evaluate(() => { const e = document.getElementById("editor"); e.setSelectionRange(0, 0); });
    await page.click("#diagnostics li.error");
    out.selection = await page.evaluate(() => { const e = document.getElementById("editor"); return e.value.slice(e.selectionStart, e.selectionEnd); });
    // The caret moves away, so the picture shows the range's underline.
    await page.evaluate(() => { const e = document.getElementById("editor"); e.setSelectionRange(e.value.length, e.value.length); e.blur(); });
    await page.screenshot({ path: shot, fullPage: true });

    // Then, on the text as it was:
    await page.fill("#editor", text);
    // Stop: a run of all 2000 steps, stopped at its first progress, keeps
    // its parameters so far and goes on (sample, plot).
    await page.fill("#maxSteps", "0");
    await page.click("#run");
    await page.waitForFunction(() => /step \d+\/2000/.test(document.getElementById("progressText").textContent), null, { timeout: 60000 });
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 120000 });
    out.stopped = await page.evaluate(() => window.noxPlayground.events[0]);

    // Format: the page's text becomes lang.Format's.
    out.formatInput = "data = csv( \"data/moons.csv\" )\nflow = MAF(8)|>Gaussian\ntrain flow on data {steps=10}\n";
    await page.fill("#editor", out.formatInput);
    await page.click("#format");
    await page.waitForFunction((t) => document.getElementById("editor").value !== t, out.formatInput, { timeout: 30000 });
    out.formatted = await page.inputValue("#editor");

    // Upload: a CSV over the limit is refused; a small one is read by csv().
    await page.setInputFiles("#upload", { name: "big.csv", mimeType: "text/csv", buffer: Buffer.alloc(3 << 20, 49) });
    await page.waitForFunction(() => /refused/.test(document.getElementById("status").textContent), null, { timeout: 10000 });
    out.uploadBig = await page.textContent("#status");
    await page.setInputFiles("#upload", { name: "tiny.csv", mimeType: "text/csv", buffer: Buffer.from("x,y\n" + Array.from({ length: 50 }, (_, i) => `${i / 10},${(i * 7) % 11 / 3}`).join("\n") + "\n") });
    await page.waitForFunction(() => /uploaded/.test(document.getElementById("status").textContent), null, { timeout: 10000 });
    out.uploadSmall = await page.textContent("#status");
    await page.fill("#editor", 'data = csv("data/tiny.csv")\nflow = MAF(8) |> Gaussian\ntrain flow on data { steps = 5 }\n');
    await page.waitForFunction(() => window.noxPlayground.checkedText === document.getElementById("editor").value, null, { timeout: 10000 });
    out.uploadDiagnostics = await page.evaluate(() => window.noxPlayground.diagnostics);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
