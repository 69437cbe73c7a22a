/**
 * `pnpm torture`: rcutorture for @rcu. Parses the command line, runs the chosen flavours side by side for the
 * given seconds (run-local.ts for `loop`/`srcu`, run-shared.ts for `shared`) with a live progress line, prints
 * the final report ending with `N passed, N failed`, and exits non-zero on any violation or lost item.
 *
 * Outputs: apps/torture/results.json (the report as JSON, read by the docs site; written by normal runs from the
 * command line only) or, when the environment names a file in RCU_RESULT_FILE (scripts/test.mjs does), instead
 * `{ passed, failed }` added to what that file already holds (so the two runs of the CI suite add up).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { emptyStats, totalViolations } from "./flavor-stats.js";
import type { FlavorStats } from "./flavor-stats.js";
import { USAGE, parseTortureArgs } from "./parse-torture-args.js";
import type { TortureFlavor, TortureSettings } from "./parse-torture-args.js";
import { startProgressLine } from "./progress-line.js";
import { runLocal } from "./run-local.js";
import { mapTortureMain } from "./map-torture.js";
import { runShared } from "./run-shared.js";
import { endGracePeriodsEarly } from "./test-switches.js";
import { checksOf, formatReport } from "./torture-report.js";

const compact = (x: number): string =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(1)}G`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(1)}M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)}k`
        : String(x);

async function run(settings: TortureSettings): Promise<number> {
  const { seconds, flavors, selfTest } = settings;
  if (settings.map === true) return mapTortureMain({ seconds, selfTest, readers: settings.workers });
  if (selfTest) endGracePeriodsEarly(true);
  const started = Date.now();
  const end = started + seconds * 1000;
  const shouldStop = (): boolean => Date.now() >= end;
  const results = new Map<TortureFlavor, FlavorStats>(flavors.map((f) => [f, emptyStats()]));

  process.stdout.write(
    `torture: ${flavors.join(", ")} for ${seconds} s${selfTest ? " — SELF-TEST: grace periods end early on purpose; violations are expected" : ""}\n`,
  );
  const line = startProgressLine(process.stdout, process.stdout.isTTY, () => {
    const t = Math.min(seconds, Math.round((Date.now() - started) / 1000));
    const parts = [...results].map(
      ([f, s]) =>
        `${f}: r ${compact(s.reads)} u ${compact(s.updates)} gp ${compact(s.gracePeriods)} cb ${compact(s.callbacksRun)} err ${compact(s.errorsReported)} pipe≤${s.maxPipe} viol ${totalViolations(s)}` +
        (f === "shared" ? ` kills ${s.workers.killed + s.workers.crashed}` : ""),
    );
    return `[${t}/${seconds}s] ${parts.join(" | ")}`;
  });

  await Promise.all(
    flavors.map((flavor) => {
      const stats = results.get(flavor)!;
      return flavor === "shared"
        ? runShared({ stats, shouldStop, workers: settings.workers, liveness: !selfTest })
        : runLocal({ flavor, stats, shouldStop });
    }),
  );
  line.stop();

  const checks = flavors.flatMap((f) => checksOf(f, results.get(f)!, selfTest));
  process.stdout.write(formatReport(results, checks, selfTest, seconds));
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;

  const resultFile = process.env.RCU_RESULT_FILE;
  const suiteMode = resultFile !== undefined && resultFile !== "";
  if (!selfTest && !suiteMode) {
    const report = {
      date: new Date(started).toISOString(),
      seconds,
      flavors: flavors.join(","),
      passed,
      failed,
      ...Object.fromEntries(
        [...results].map(([f, s]) => [
          f,
          { ...s, pipe: s.pipe.join("/"), unexpectedErrorSamples: s.unexpectedErrorSamples.length },
        ]),
      ),
    };
    writeFileSync(new URL("../results.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  }
  if (suiteMode) {
    const prior = existsSync(resultFile)
      ? (JSON.parse(readFileSync(resultFile, "utf8")) as { passed?: number; failed?: number })
      : {};
    writeFileSync(
      resultFile,
      JSON.stringify({ passed: (prior.passed ?? 0) + passed, failed: (prior.failed ?? 0) + failed }),
    );
  }
  return failed === 0 ? 0 : 1;
}

let code: number;
try {
  const parsed = parseTortureArgs(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    code = 0;
  } else {
    code = await run(parsed.settings);
  }
} catch (err) {
  process.stderr.write(`torture: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 2;
}
process.exitCode = code;
// Never-settling disposals are part of the workload; nothing else should keep the process alive, but don't hang.
setTimeout(() => process.exit(code), 2_000).unref();
