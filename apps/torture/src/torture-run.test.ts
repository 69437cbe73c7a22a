/**
 * The torture harness itself, in short runs: a correct domain passes every check even with faults cranked up,
 * and the same workload with grace periods ended early (the test-only switches) fails the checks — so they can
 * fail. Plus the `shared` flavour with frequent kills and crashes.
 */
import { existsSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { emptyStats, totalViolations } from "./flavor-stats.js";
import type { FlavorStats } from "./flavor-stats.js";
import { runLocal } from "./run-local.js";
import { runShared } from "./run-shared.js";
import { endGracePeriodsEarly } from "./test-switches.js";
import { checksOf } from "./torture-report.js";

const RUN_MS = 400;
const HEAVY = { throws: 0.1, rejects: 0.05, hangs: 0.01, slow: 0.1 };

/**
 * After `ms`, once `enough()` holds (on a loaded machine a short run may not reach every fault, and worker threads
 * start slowly), or after 30 s whatever: the assertions then say what was missing.
 */
function deadlineAnd(ms: number, enough: () => boolean): () => boolean {
  const end = Date.now() + ms;
  const cap = Date.now() + 30_000;
  return () => (Date.now() >= end && enough()) || Date.now() >= cap;
}

const failing = (flavor: "loop" | "srcu" | "shared", stats: FlavorStats, selfTest = false): string[] =>
  checksOf(flavor, stats, selfTest)
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`);

afterEach(() => endGracePeriodsEarly(false));

describe.each(["loop", "srcu"] as const)("%s torture", (flavor) => {
  it("passes every check with 10% of callbacks throwing and many rejections and hangs", async () => {
    const stats = emptyStats();
    const sawEveryFault = (): boolean =>
      stats.faultKinds.throws > 0 &&
      stats.faultKinds.rejects > 0 &&
      stats.engine.dequeued > 0 &&
      stats.aborts.issued > 0;
    await runLocal({
      flavor,
      stats,
      shouldStop: deadlineAnd(RUN_MS, sawEveryFault),
      rates: HEAVY,
      readers: 8,
      settleTimeoutMs: 20,
    });
    expect(failing(flavor, stats)).toEqual([]);
    expect(stats.faultKinds.throws).toBeGreaterThan(0);
    expect(stats.faultKinds.rejects).toBeGreaterThan(0);
    expect(stats.reportedCodes.SETTLE_TIMEOUT ?? 0).toBe(stats.faultKinds.hangs);
    expect(stats.engine.dequeued).toBeGreaterThan(0);
    expect(stats.aborts.issued).toBeGreaterThan(0);
  }, 30_000);

  it("reports violations when grace periods end early (self-test), and its self-test check passes", async () => {
    endGracePeriodsEarly(true);
    const stats = emptyStats();
    await runLocal({
      flavor,
      stats,
      shouldStop: deadlineAnd(RUN_MS * 2, () => totalViolations(stats) > 0),
      readers: 8,
    });
    expect(totalViolations(stats)).toBeGreaterThan(0);
    expect(failing(flavor, stats).length).toBeGreaterThan(0); // the normal checks fail
    expect(failing(flavor, stats, true)).toEqual([]); // which is what the self-test expects
  }, 30_000);
});

describe("shared torture", () => {
  beforeAll(() => {
    const reader = new URL("../dist/shared-liveness-worker.js", import.meta.url);
    if (!existsSync(reader))
      throw new Error(`${reader.pathname} is missing: run \`pnpm --filter @rcu/torture build\` first.`);
  });

  it("passes every check while workers are killed and crash inside sections", async () => {
    const stats = emptyStats();
    const enough = (): boolean => stats.reads > 0 && stats.liveness.lockKills > 0 && stats.liveness.waits > 0;
    await runShared({ stats, shouldStop: deadlineAnd(1500, enough), workers: 4, killEveryMs: 120, rates: HEAVY });
    expect(failing("shared", stats)).toEqual([]);
    expect(stats.workers.killed + stats.workers.crashed).toBeGreaterThan(0);
    expect(stats.reads).toBeGreaterThan(0);
    expect(stats.pool.leases).toBeGreaterThan(1); // struct-pool records published and released
    expect(stats.liveness.lockKills).toBeGreaterThan(0); // lock holders killed while the main thread used their pool
    expect(stats.liveness.waits).toBeGreaterThan(0);
  }, 60_000);

  it("reports violations when grace periods end early (self-test)", async () => {
    endGracePeriodsEarly(true);
    const stats = emptyStats();
    const enough = (): boolean => stats.violations.reclaimed + stats.violations.pipe + stats.violations.reused > 0;
    await runShared({ stats, shouldStop: deadlineAnd(1500, enough), workers: 4, killEveryMs: 0, liveness: false });
    expect(stats.violations.reclaimed + stats.violations.pipe + stats.violations.reused).toBeGreaterThan(0);
    expect(failing("shared", stats, true)).toEqual([]);
  }, 60_000);
});
