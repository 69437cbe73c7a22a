#!/usr/bin/env node
// Model-checks packages/core/model/shared-grace.pml with spin, exhaustively (SAFETY: assertions and invalid end
// states, i.e. a process blocked forever): the grace-period protocol, the polled API across threads (WAITFOR) and
// the robust spinlock (LOCK_MODEL). Each configuration must verify with 0 errors; each mutant must be
// caught (errors > 0) — proof that the model can fail. Installs Debian's `spin` when it is missing.
// Writes { passed, failed } to $RCU_RESULT_FILE (scripts/test.mjs adds it to the final line).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const model = new URL("./shared-grace.pml", import.meta.url).pathname;
const configs = [
  { name: "2 readers (one nesting) + 1 writer, 2 sections, 2 synchronize calls", defs: [], expect: "verified" },
  {
    name: "2 readers + 2 racing writers, 1 section, 1 synchronize call each",
    defs: ["-DNW=2", "-DCALLS=1", "-DSECTIONS=1"],
    expect: "verified",
  },
  { name: "mutant ONE_PHASE (no first wait) is caught", defs: ["-DONE_PHASE"], expect: "caught" },
  { name: "mutant NO_WAKE (readers never wake the writer) is caught", defs: ["-DNO_WAKE"], expect: "caught" },
  { name: "mutant ONE_PHASE with 2 writers is caught", defs: ["-DNW=2", "-DCALLS=1", "-DONE_PHASE"], expect: "caught" },
  {
    name: "waitFor(getState()) in a second thread while the writer synchronizes back to back: every waiter resolves",
    defs: ["-DWAITFOR", "-DNR=1"],
    expect: "verified",
  },
  {
    name: "mutant LOST_WAKE (request() finds the cookie done and skips the driver) is caught",
    defs: ["-DWAITFOR", "-DNR=1", "-DLOST_WAKE"],
    expect: "caught",
  },
  {
    name: "robust lock: 3 threads, one dies anywhere inside; exclusive, consistent, nobody wedged",
    defs: ["-DLOCK_MODEL"],
    expect: "verified",
  },
  {
    name: "robust lock: 4 threads, 3 operations each",
    defs: ["-DLOCK_MODEL", "-DNT=4", "-DOPS=3"],
    expect: "verified",
  },
  {
    name: "mutant NO_RECOVER (waiters ignore the holder's death) is caught",
    defs: ["-DLOCK_MODEL", "-DNO_RECOVER"],
    expect: "caught",
  },
  {
    name: "mutant STEAL_LIVE (take the lock over without a liveness check) is caught",
    defs: ["-DLOCK_MODEL", "-DSTEAL_LIVE"],
    expect: "caught",
  },
];

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

if (!have("spin")) {
  console.log("[model] installing Debian's spin ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  spawnSync("timeout", ["180", ...sudo, "apt-get", "update", "-qq"], { stdio: "inherit" });
  spawnSync("timeout", ["180", ...sudo, "apt-get", "install", "-y", "-qq", "spin"], { stdio: "inherit" });
}

let passed = 0;
let failed = 0;
const dir = mkdtempSync(join(tmpdir(), "rcu-spin-"));
for (const c of configs) {
  let verdict;
  try {
    execFileSync("spin", ["-a", ...c.defs, model], { cwd: dir, stdio: "pipe" });
    execFileSync("gcc", ["-O2", "-w", "-DSAFETY", "-DCOLLAPSE", "-o", "pan", "pan.c"], { cwd: dir, stdio: "pipe" });
    const run = spawnSync("./pan", ["-m400000"], { cwd: dir, encoding: "utf8", timeout: 240_000 });
    const out = run.stdout ?? "";
    const errors = /errors: (\d+)/.exec(out);
    if (errors === null) verdict = "no verdict (timeout?)";
    else if (/max search depth too small/.test(out)) verdict = "truncated search";
    else verdict = Number(errors[1]) === 0 ? "verified" : "caught";
    const states = /(\S+) states, stored/.exec(out)?.[1] ?? "?";
    const ok = verdict === c.expect;
    ok ? passed++ : failed++;
    console.log(`[model] ${ok ? "ok  " : "FAIL"} ${c.name}: ${verdict} (${states} states)`);
  } catch (err) {
    failed++;
    console.log(`[model] FAIL ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
if (process.env.RCU_RESULT_FILE) writeFileSync(process.env.RCU_RESULT_FILE, JSON.stringify({ passed, failed }));
process.exit(failed === 0 ? 0 : 1);
