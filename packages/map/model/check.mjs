#!/usr/bin/env node
// Model-checks packages/map/model/shared-map.pml with spin, exhaustively (SAFETY: assertions and invalid end
// states). Each configuration must verify with 0 errors; each mutant must be caught (errors > 0) — proof that the
// model can fail. Installs Debian's `spin` when it is missing. Writes { passed, failed } to $RCU_RESULT_FILE
// (scripts/test.mjs adds it to the final line).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const model = new URL("./shared-map.pml", import.meta.url).pathname;
const configs = [
  { name: "reader (2 sections) + writer (replace, insert, replace, delete) + resizer", defs: [], expect: "verified" },
  { name: "reader (3 sections) + writer + resizer", defs: ["-DSECTIONS=3"], expect: "verified" },
  { name: "mutant NO_GRACE (unlinked records freed at once) is caught", defs: ["-DNO_GRACE"], expect: "caught" },
  {
    name: "mutant CUT_FIRST (cut from the old chain before linking into the new) is caught",
    defs: ["-DCUT_FIRST"],
    expect: "caught",
  },
  {
    name: "mutant NO_RECHECK (a miss trusts the first STATE load) is caught",
    defs: ["-DNO_RECHECK"],
    expect: "caught",
  },
];

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

if (!have("spin")) {
  console.log("[map-model] installing Debian's spin ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  spawnSync("timeout", ["180", ...sudo, "apt-get", "update", "-qq"], { stdio: "inherit" });
  spawnSync("timeout", ["180", ...sudo, "apt-get", "install", "-y", "-qq", "spin"], { stdio: "inherit" });
}

let passed = 0;
let failed = 0;
const dir = mkdtempSync(join(tmpdir(), "rcu-map-spin-"));
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
    console.log(`[map-model] ${ok ? "ok  " : "FAIL"} ${c.name}: ${verdict} (${states} states)`);
  } catch (err) {
    failed++;
    console.log(`[map-model] FAIL ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
if (process.env.RCU_RESULT_FILE) writeFileSync(process.env.RCU_RESULT_FILE, JSON.stringify({ passed, failed }));
process.exit(failed === 0 ? 0 : 1);
