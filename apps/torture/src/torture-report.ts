/**
 * `checksOf` turns one flavour's final counters into pass/fail checks (one per invariant), and
 * `formatReport` renders the final report that ends with the plain line `N passed, N failed`.
 *
 * Normal run, per flavour: no reader saw a reclaimed (or, without type-stable reuse, reused) object; the pipe
 * count never exceeded 1; nothing was lost or handled twice; every injected fault was reported and nothing else
 * was; every aborted wait rejected; the run made progress and stopped; (`shared`) every killed or crashed
 * worker was replaced. Self-test, per flavour: violations were reported (grace periods were ended early on
 * purpose, so finding none would mean the checks cannot fail).
 */
import { totalLost, totalViolations } from "./flavor-stats.js";
import type { FlavorStats } from "./flavor-stats.js";
import type { TortureFlavor } from "./parse-torture-args.js";

/** One pass/fail line of the report. */
export interface Check {
  readonly flavor: TortureFlavor;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * The checks of one flavour.
 *
 * @example
 * checksOf('srcu', stats, false).every((c) => c.ok)
 */
export function checksOf(flavor: TortureFlavor, s: FlavorStats, selfTest: boolean): Check[] {
  const c = (name: string, ok: boolean, detail: string): Check => ({ flavor, name, ok, detail });
  if (selfTest) {
    const v = totalViolations(s);
    return [
      c(
        "self-test: violations reported with grace periods ended early",
        v > 0,
        `${v} violations (reclaimed ${s.violations.reclaimed}, pipe>1 ${s.violations.pipe}, reused ${s.violations.reused}), max pipe ${s.maxPipe}`,
      ),
    ];
  }
  const checks = [
    c(
      "no reader saw its object reclaimed",
      s.violations.reclaimed + s.violations.reused === 0,
      `reclaimed ${s.violations.reclaimed}, reused ${s.violations.reused}`,
    ),
    c(
      "pipe count never above 1",
      s.maxPipe <= 1 && s.violations.pipe === 0,
      `max pipe ${s.maxPipe}, histogram ${s.pipe.join("/")}`,
    ),
    c(
      "nothing lost or handled twice",
      totalLost(s) === 0 && s.violations.doubleHandled === 0,
      `lost ${JSON.stringify(s.lost)}, double-handled ${s.violations.doubleHandled}`,
    ),
    c(
      "every injected fault reported, nothing else",
      s.errorsReported === s.faultsInjected && s.unexpectedErrorSamples.length === 0,
      `injected ${s.faultsInjected} ${JSON.stringify(s.faultKinds)}, reported ${s.errorsReported} ${JSON.stringify(s.reportedCodes)}${s.unexpectedErrorSamples.length > 0 ? `; unexpected: ${s.unexpectedErrorSamples.join(" | ")}` : ""}`,
    ),
    c("aborted waits rejected", s.aborts.issued === s.aborts.honoured, `${s.aborts.honoured}/${s.aborts.issued}`),
    c(
      "made progress and stopped",
      s.reads > 0 && s.updates > 0 && s.gracePeriods > 0 && s.stalled === 0,
      `reads ${s.reads}, updates ${s.updates}, grace periods ${s.gracePeriods}, stalled ${s.stalled}`,
    ),
  ];
  if (flavor === "shared") {
    const deaths = s.workers.killed + s.workers.crashed;
    checks.push(
      c(
        "killed and crashed workers replaced (watch freed their slots)",
        s.workers.lanes >= 4 && s.workers.started >= s.workers.lanes + deaths,
        `${s.workers.lanes} at once, started ${s.workers.started}, killed ${s.workers.killed}, crashed ${s.workers.crashed}`,
      ),
      c(
        "lock holders killed never wedged a thread; waitFor workers never stranded",
        s.liveness.lockKills > 0 &&
          s.liveness.waits > 0 &&
          s.liveness.stranded === 0 &&
          s.liveness.doubleLent === 0 &&
          s.liveness.leaked <= s.liveness.lockKills,
        `${s.liveness.lockKills} lock-holder kills, ${s.liveness.recoveredLocks} locks taken over, ${s.liveness.doubleLent} lent twice, ` +
          `${s.liveness.leaked} records leaked (≤ kills), ${s.liveness.waits} waits resolved, ${s.liveness.stranded} waiters stranded`,
      ),
    );
  }
  return checks;
}

const n = (x: number): string => x.toLocaleString("en-US");

/**
 * The final report text (ends with `N passed, N failed` and a newline).
 *
 * @example
 * process.stdout.write(formatReport(results, checks, false))
 */
export function formatReport(
  results: ReadonlyMap<TortureFlavor, FlavorStats>,
  checks: readonly Check[],
  selfTest: boolean,
  seconds: number,
): string {
  const lines: string[] = [];
  lines.push(`torture report (${seconds} s${selfTest ? ", SELF-TEST: grace periods ended early on purpose" : ""})`);
  for (const [flavor, s] of results) {
    lines.push(
      `  ${flavor.padEnd(6)} reads ${n(s.reads)}  updates ${n(s.updates)}  grace periods ${n(s.gracePeriods)}  callbacks run ${n(s.callbacksRun)}  ` +
        `errors reported ${n(s.errorsReported)} (injected ${n(s.faultsInjected)})`,
    );
    lines.push(
      `         max pipe count ${s.maxPipe} (pipe histogram 0/1/2/3+: ${s.pipe.map(n).join("/")})  violations ${n(totalViolations(s))}  ` +
        `lost items ${n(totalLost(s))}  engine ${n(s.engine.enqueued)} = ${n(s.engine.processed)} processed + ${n(s.engine.dequeued)} dequeued  ` +
        `pool leases ${n(s.pool.leases)}  aborts ${n(s.aborts.honoured)}/${n(s.aborts.issued)}  revalidation retries ${n(s.revalidationRetries)}` +
        (flavor === "shared"
          ? `  workers started ${s.workers.started}, killed ${s.workers.killed}, crashed ${s.workers.crashed}`
          : ""),
    );
  }
  for (const check of checks)
    lines.push(`  ${check.ok ? "ok  " : "FAIL"} ${check.flavor}: ${check.name} (${check.detail})`);
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  if (selfTest) {
    lines.push(
      failed === 0
        ? "self-test: violations were REPORTED as expected (grace periods were ended early on purpose), so the checks can fail; exiting 0 because that is the expected outcome"
        : "self-test: FAILED: some flavour reported no violation although grace periods were ended early; its checks could not catch a broken grace period",
    );
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return `${lines.join("\n")}\n`;
}
