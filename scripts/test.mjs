#!/usr/bin/env node
// `pnpm test`: builds what the tests import, runs every test runner the repo uses, and ends with one plain
// line `N passed, N failed, N skipped` that adds them all up (CI reads that line, not vitest's summary).
//
// Runners: the whole-repo vitest run, then every suite in scripts/suites.mjs (browser test, model checker,
// torture smoke, ...). Each suite writes `.ci-results/<name>.json` = { passed, failed, skipped? }; a suite
// that exits non-zero without writing it counts as one failure. Exit code: non-zero on any failure or when
// no test ran at all.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { suites } from "./suites.mjs";

const root = new URL("..", import.meta.url).pathname;
const results = join(root, ".ci-results");
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;

if (run("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]) !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (name, r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped ?? 0;
  console.log(`[test] ${name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ""}`);
};

const vitestOut = join(results, "vitest.json");
const vitestStatus = run("pnpm", [
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${vitestOut}`,
]);
if (existsSync(vitestOut)) {
  const r = JSON.parse(readFileSync(vitestOut, "utf8"));
  // Suites that fail to load (syntax errors, import failures) have no tests but do fail the run.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === "failed" && f.assertionResults.length === 0,
  ).length;
  add("vitest", {
    passed: r.numPassedTests,
    failed: r.numFailedTests + brokenFiles,
    skipped: r.numPendingTests + r.numTodoTests,
  });
  if (vitestStatus !== 0 && r.numFailedTests + brokenFiles === 0) add("vitest (exit status)", { passed: 0, failed: 1 });
} else {
  add("vitest", { passed: 0, failed: 1 });
}

for (const suite of suites) {
  if (suite.skip?.()) {
    console.log(`[test] ${suite.name}: skipped (${suite.skipReason ?? "not available"})`);
    continue;
  }
  const out = join(results, `${suite.name}.json`);
  const status = run(suite.cmd, suite.args, { RCU_RESULT_FILE: out, ...(suite.env ?? {}) });
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, "utf8"));
    add(suite.name, r);
    if (status !== 0 && r.failed === 0) add(`${suite.name} (exit status ${status})`, { passed: 0, failed: 1 });
  } else {
    add(suite.name, { passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 });
  }
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
