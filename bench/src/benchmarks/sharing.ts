/**
 * 5. Sharing grace periods.
 *
 * An `srcu` reader enters and stays inside while 1,000 `synchronize()` calls are made, 100 per event-loop turn
 * over 10 turns (so they do not all come from one synchronous turn, which would share trivially). Then the
 * reader leaves. Measured: grace periods completed (`stats().gracePeriodsCompleted`) from just before the
 * first call until every one of the 1,000 promises has resolved. Goal: ≤ 2 — the one already waiting for the
 * reader, and at most one more for the calls made while it was in progress (`rcu_seq_snap`).
 *
 * No baseline: the goal is absolute. (Without sharing it would be one grace period per call: 1,000.)
 */
import { createDomain } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { nextTurn } from "../timing.js";

export const sharing: Benchmark = {
  name: "sharing",
  title: "1,000 synchronize() calls around one srcu reader",
  repetitions: { full: 7, quick: 3 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "gps",
      name: "5. 1,000 synchronize() around an srcu reader",
      unit: "GP",
      ratio: "ours",
      goal: { text: "≤ 2 grace periods", value: 2, direction: "max" },
    },
  ],
  async run() {
    const domain = createDomain({ flavor: "srcu", name: "bench-sharing" });
    const guard = domain.readLock();
    const before = domain.stats().gracePeriodsCompleted;
    const calls: Array<Promise<void>> = [];
    let resolved = 0;
    for (let turn = 0; turn < 10; turn++) {
      for (let i = 0; i < 100; i++) calls.push(domain.synchronize().then(() => void resolved++));
      await nextTurn();
    }
    if (resolved !== 0) throw new Error(`${resolved} synchronize() calls resolved while the reader was inside`);
    guard.unlock();
    await Promise.all(calls);
    const gps = domain.stats().gracePeriodsCompleted - before;
    await domain.close();
    return { gps: { ours: gps } };
  },
};
