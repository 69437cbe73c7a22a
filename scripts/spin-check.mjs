// Runs a Promela model through spin exhaustively (SAFETY: assertions and invalid end states, i.e. a process
// blocked forever), once per configuration: each must end with the verdict it expects — "verified" (0 errors)
// or, for a mutant, "caught" (errors > 0: proof that the model can fail). Installs Debian's `spin` when it is
// missing. Prints one line per configuration and a final `N passed, N failed`, writes { passed, failed } to
// $RCU_RESULT_FILE (scripts/test.mjs adds it to the final line) and exits non-zero on any failure.
// Used by packages/core/model/check.mjs and packages/map/model/check.mjs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/**
 * @param {{ label: string, model: string, configs: { name: string, defs: string[], expect: "verified" | "caught" }[] }} run
 *   `label` prefixes every line, `model` is the .pml file's path.
 */
export function checkModel({ label, model, configs }) {
  if (!have("spin")) {
    console.log(`[${label}] installing Debian's spin ...`);
    const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
    spawnSync("timeout", ["180", ...sudo, "apt-get", "update", "-qq"], { stdio: "inherit" });
    spawnSync("timeout", ["180", ...sudo, "apt-get", "install", "-y", "-qq", "spin"], { stdio: "inherit" });
  }
  let passed = 0;
  let failed = 0;
  const dir = mkdtempSync(join(tmpdir(), `rcu-${label}-`));
  for (const c of configs) {
    try {
      execFileSync("spin", ["-a", ...c.defs, model], { cwd: dir, stdio: "pipe" });
      execFileSync("gcc", ["-O2", "-w", "-DSAFETY", "-DCOLLAPSE", "-o", "pan", "pan.c"], { cwd: dir, stdio: "pipe" });
      const run = spawnSync("./pan", ["-m400000"], { cwd: dir, encoding: "utf8", timeout: 240_000 });
      const out = run.stdout ?? "";
      const errors = /errors: (\d+)/.exec(out);
      let verdict;
      if (errors === null) verdict = "no verdict (timeout?)";
      else if (/max search depth too small/.test(out)) verdict = "truncated search";
      else verdict = Number(errors[1]) === 0 ? "verified" : "caught";
      const states = /(\S+) states, stored/.exec(out)?.[1] ?? "?";
      const ok = verdict === c.expect;
      ok ? passed++ : failed++;
      console.log(`[${label}] ${ok ? "ok  " : "FAIL"} ${c.name}: ${verdict} (${states} states)`);
    } catch (err) {
      failed++;
      console.log(`[${label}] FAIL ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (process.env.RCU_RESULT_FILE) writeFileSync(process.env.RCU_RESULT_FILE, JSON.stringify({ passed, failed }));
  process.exit(failed === 0 ? 0 : 1);
}
