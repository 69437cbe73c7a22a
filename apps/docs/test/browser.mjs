#!/usr/bin/env node
// Browser test of the built docs site (run `pnpm --filter @rcu/docs docs:build` first; this script builds nothing).
//
// It serves docs/.vitepress/dist with `vitepress preview` on 127.0.0.1 (a free port), drives Debian's chromium
// through playwright-core, and checks: every built page loads with zero console errors and zero page errors;
// every internal link found on those pages answers HTTP 200; the local search finds "dequeue"; and, when the
// interactive timeline is on the site, pressing Play advances it. Screenshots of the home page and the timeline
// go to test-artifacts/. Results { passed, failed, skipped } are written to $RCU_RESULT_FILE when set.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const distDir = join(appDir, "docs/.vitepress/dist");
const artifacts = join(appDir, "test-artifacts");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const results = { passed: 0, failed: 0, skipped: 0 };
const t0 = Date.now();
const failures = [];

function record(name, ok, detail = "") {
  if (ok) results.passed++;
  else {
    results.failed++;
    failures.push(`${name}${detail ? `: ${detail}` : ""}`);
  }
  // one line per page only with RCU_VERBOSE=1; failures and the other checks always
  if (!ok || process.env.RCU_VERBOSE || !name.startsWith("page ")) {
    console.log(
      `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s ${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? ` — ${detail}` : ""}`,
    );
  }
}

function finish() {
  const file = process.env.RCU_RESULT_FILE;
  if (file) writeFileSync(file, JSON.stringify(results));
  console.log(`\nbrowser: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
  if (failures.length > 0) console.log("failures:\n  " + failures.join("\n  "));
  process.exitCode = results.failed === 0 && results.passed > 0 ? 0 : 1;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Every built page as a URL path: index.html → "/", a/b.html → "/a/b.html". */
function builtPages(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== "assets") walk(full);
      } else if (name.endsWith(".html") && name !== "404.html") {
        const rel = relative(dir, full).replace(/\\/g, "/");
        out.push("/" + rel.replace(/(^|\/)index\.html$/, "$1"));
      }
    }
  };
  walk(dir);
  return out.sort();
}

async function waitForServer(base, child, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vitepress preview exited with ${child.exitCode}`);
    try {
      const res = await fetch(base + "/");
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vitepress preview did not answer on ${base} within ${ms} ms`);
}

async function main() {
  if (!existsSync(join(distDir, "index.html"))) {
    record(
      "site is built",
      false,
      `no ${relative(appDir, distDir)}/index.html — run \`pnpm --filter @rcu/docs docs:build\` first`,
    );
    return;
  }
  if (!existsSync(chromiumPath)) {
    record("chromium is installed", false, `${chromiumPath} not found — run apps/docs/test/ensure-chromium.sh`);
    return;
  }
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const vitepressBin = join(appDir, "node_modules/.bin/vitepress");
  const server = spawn(vitepressBin, ["preview", "docs", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: appDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  const userDataDir = mkdtempSync(join(tmpdir(), "rcu-docs-chromium-"));
  let context;
  try {
    await waitForServer(base, server, 30_000);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,800",
      ],
    });
    // Console errors, page errors and failed requests, per tab.
    const errorsOf = new Map();
    const track = (tab) => {
      errorsOf.set(tab, []);
      tab.on("console", (msg) => {
        if (msg.type() === "error") errorsOf.get(tab).push(`console: ${msg.text()}`);
      });
      tab.on("pageerror", (err) => errorsOf.get(tab).push(`pageerror: ${err.message}`));
      tab.on("requestfailed", (req) => {
        // ERR_ABORTED: a prefetch cancelled by the next navigation, not a failure
        if (req.url().startsWith(base) && req.failure()?.errorText !== "net::ERR_ABORTED") {
          errorsOf.get(tab).push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ""}`);
        }
      });
      return tab;
    };
    const page = track(context.pages()[0] ?? (await context.newPage()));
    const errs = () => errorsOf.get(page);
    const resetErrors = () => errorsOf.set(page, []);

    // 1. Every page loads with zero console errors; collect internal links on the way. Pages are visited by
    //    RCU_BROWSER_TABS tabs at once (default 2).
    const pages = builtPages(distDir);
    const links = new Map(); // path -> first page that links to it
    const anchors = new Map(); // path#hash -> first page that links to it
    const tabs = [page];
    for (let i = 1; i < Math.max(1, Number(process.env.RCU_BROWSER_TABS ?? 2)); i++)
      tabs.push(track(await context.newPage()));
    const queue = [...pages];
    const visit = async (tab, path) => {
      errorsOf.set(tab, []);
      const res = await tab.goto(base + path, { waitUntil: "load" });
      // hydrated: Vue marks the mounted container; hydration mismatches are reported as console errors by then
      await tab
        .waitForFunction(() => document.querySelector("#app")?.__vue_app__ !== undefined, null, { timeout: 10_000 })
        .catch(() => {
          errorsOf.get(tab).push("the page did not hydrate within 10 s");
        });
      await tab.waitForTimeout(50);
      const status = res?.status() ?? 0;
      const hrefs = await tab.$$eval("a[href]", (as) => as.map((a) => a.href));
      for (const href of hrefs) {
        const u = new URL(href);
        if (u.origin !== base) continue;
        const p = u.pathname;
        if (!links.has(p)) links.set(p, path);
        if (u.hash.length > 1 && !anchors.has(p + u.hash)) anchors.set(p + u.hash, path);
      }
      const errors = errorsOf.get(tab);
      record(
        `page ${path}`,
        status === 200 && errors.length === 0,
        status !== 200 ? `HTTP ${status}` : errors.join(" | "),
      );
    };
    await Promise.all(
      tabs.map(async (tab) => {
        for (let path = queue.shift(); path !== undefined; path = queue.shift()) await visit(tab, path);
      }),
    );
    for (const tab of tabs.slice(1)) await tab.close();
    console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s visited ${pages.length} pages`);
    const sidebarCount = await page
      .goto(base + "/guide/getting-started.html")
      .then(() => page.$$eval(".VPSidebar a[href]", (as) => as.length));
    record("the sidebar lists pages", sidebarCount >= 15, `${sidebarCount} sidebar links`);

    // 2. Every internal link resolves (HTTP 200).
    const broken = [];
    for (const [p, from] of links) {
      const res = await fetch(base + p, { redirect: "follow" });
      if (res.status !== 200) broken.push(`${p} (HTTP ${res.status}, linked from ${from})`);
    }
    record(
      `internal links resolve (${links.size} checked)`,
      broken.length === 0 && links.size > 20,
      broken.slice(0, 10).join("; "),
    );

    // 2b. ...and so do their #anchors (an element with that id on the target page).
    const htmlOf = new Map();
    const missing = [];
    for (const [target, from] of anchors) {
      const [p, hash] = [
        target.slice(0, target.indexOf("#")),
        decodeURIComponent(target.slice(target.indexOf("#") + 1)),
      ];
      if (!htmlOf.has(p)) htmlOf.set(p, await (await fetch(base + p)).text());
      const ids = htmlOf.get(p);
      if (!ids.includes(`id="${hash}"`)) missing.push(`${target} (linked from ${from})`);
    }
    record(`link anchors exist (${anchors.size} checked)`, missing.length === 0, missing.slice(0, 10).join("; "));

    // 3. The benchmarks page shows the chart when bench/results.json was there at build time, else the note.
    resetErrors();
    await page.goto(base + "/benchmarks.html", { waitUntil: "load" });
    const hasResults = existsSync(join(appDir, "../../bench/results.json"));
    const chart = await page.locator("[data-chart=benchmarks]").count();
    const absent = await page.locator("[data-bench=absent]").count();
    record(
      `benchmarks page: ${hasResults ? "chart from bench/results.json" : "note that results are absent"}`,
      hasResults ? chart === 1 && absent === 0 : chart === 0 && absent === 1,
      `chart=${chart} absent-note=${absent}`,
    );

    // 4. Home page screenshot and local search for "dequeue".
    resetErrors();
    await page.goto(base + "/", { waitUntil: "networkidle" });
    await page.screenshot({ path: join(artifacts, "home.png"), fullPage: true });
    await page.click("button.DocSearch-Button");
    await page.fill("#localsearch-input", "dequeue");
    let hits = [];
    try {
      await page.waitForSelector("ul.results a.result", { timeout: 10_000 });
      hits = await page.$$eval("ul.results a.result", (as) => as.map((a) => a.textContent ?? ""));
    } catch {
      // no results appeared
    }
    record(
      `local search finds "dequeue" (${hits.length} results)`,
      hits.length > 0 && hits.some((t) => /dequeue/i.test(t)) && errs().length === 0,
      hits.length === 0 ? "no results" : errs().join(" | "),
    );
    await page.screenshot({ path: join(artifacts, "search.png") });
    await page.keyboard.press("Escape");

    // 5. The interactive timeline advances when played (when the site has it).
    const timelinePath = "/concepts/timeline.html";
    if (!pages.includes(timelinePath)) {
      results.skipped++;
      console.log("skip timeline: no /concepts/timeline.html");
    } else {
      resetErrors();
      await page.goto(base + timelinePath, { waitUntil: "networkidle" });
      const timeline = page.locator("[data-timeline]");
      if ((await timeline.count()) === 0) {
        results.skipped++;
        console.log("skip timeline: the page has no [data-timeline] component");
      } else {
        await timeline.waitFor({ state: "visible", timeout: 10_000 });
        const stepOf = async () => Number(await timeline.getAttribute("data-step"));
        const eventsOf = () => timeline.locator("[data-event]").count();
        const step0 = await stepOf();
        const events0 = await eventsOf();
        await timeline.locator("button[data-action=step]").click();
        const step1 = await stepOf();
        await timeline.locator("button[data-action=play]").click();
        await page
          .waitForFunction(
            ([s]) => Number(document.querySelector("[data-timeline]")?.getAttribute("data-step")) >= s + 3,
            [step1],
            { timeout: 15_000 },
          )
          .catch(() => {});
        const step2 = await stepOf();
        const events2 = await eventsOf();
        // let it play to the end: the real run's callbacks must have disposed v1 and v2, in that order
        await page.waitForSelector("[data-timeline][data-done=true]", { timeout: 20_000 }).catch(() => {});
        const svgText = (await timeline.locator("svg").textContent()) ?? "";
        await page.addStyleTag({ content: ".VPNav, .VPLocalNav { display: none !important; }" }); // not over the shot
        await timeline.screenshot({ path: join(artifacts, "timeline.png") });
        const v1 = svgText.indexOf("dispose v1");
        const v2 = svgText.indexOf("dispose v2");
        record(
          "timeline: played to the end, the run disposed v1 then v2",
          v1 >= 0 && v2 > v1,
          `svg text: ${svgText.slice(0, 200)}`,
        );
        record(
          `timeline: step advances (${step0} → ${step1}) and play advances it (→ ${step2})`,
          step1 === step0 + 1 && step2 >= step1 + 3 && errs().length === 0,
          errs().join(" | "),
        );
        record(
          `timeline: the SVG draws the run's events (${events0} → ${events2})`,
          events2 > events0,
          "no new events drawn",
        );
      }
    }
  } catch (err) {
    record("browser run", false, err instanceof Error ? (err.stack ?? err.message) : String(err));
    if (serverLog) console.log("--- vitepress preview output ---\n" + serverLog);
  } finally {
    await context?.close().catch(() => {});
    server.kill("SIGTERM");
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

await main().finally(finish);
