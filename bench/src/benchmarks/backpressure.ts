/**
 * 7. Backpressure.
 *
 * An `srcu` reader holds its section for 1 s (200 ms under --quick) while 4 writers retire 1 KiB items into a
 * `createPending` engine (`sizeOf`, `highWaterMark: { bytes: 1 MiB }`) as fast as they can, each awaiting
 * `ready()` before every enqueue. Nothing can be reclaimed while the reader holds, so only `ready()` bounds
 * the queue. Measured:
 * - the peak `pendingBytes` seen while the reader holds, against the high-water mark (ratio = peak ÷ mark).
 *   Goal ≤ 2×.
 * - grace periods completed after the reader leaves until everything is reclaimed (the writers stop when it
 *   leaves). Goal ≤ 2.
 *
 * The "baseline" of the first row is the configured high-water mark itself (the goal is relative to it); the
 * second row is absolute.
 */
import { createDomain, createPending } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { sleep } from "../timing.js";

const ITEM_BYTES = 1024;
const MARK = 1 << 20;
const WRITERS = 4;

interface Item {
  readonly bytes: number;
  freed: boolean;
}

export const backpressure: Benchmark = {
  name: "backpressure",
  title: "writers awaiting ready() while an srcu reader holds",
  repetitions: { full: 5, quick: 2 },
  warmup: { full: 0, quick: 0 },
  rows: [
    {
      id: "peak",
      name: "7. backpressure: peak pending bytes while a reader holds",
      unit: "KiB",
      ratio: "ours/baseline",
      baselineLabel: "highWaterMark",
      goal: { text: "≤ 2× highWaterMark", value: 2, direction: "max" },
    },
    {
      id: "reclaim",
      name: "7. backpressure: grace periods to reclaim after it leaves",
      unit: "GP",
      ratio: "ours",
      goal: { text: "≤ 2 grace periods", value: 2, direction: "max" },
    },
  ],
  async run(ctx) {
    const holdMs = ctx.scale(1000, 200);
    const domain = createDomain({ flavor: "srcu", name: "bench-backpressure" });
    const engine = createPending<Item>(domain, {
      process: (item) => {
        item.freed = true;
      },
      sizeOf: (item) => item.bytes,
      highWaterMark: { bytes: MARK },
    });
    let holding = true;
    let peak = 0;
    let enqueued = 0;
    const writer = async (): Promise<void> => {
      for (;;) {
        await engine.ready();
        if (!holding) return;
        engine.enqueue({ bytes: ITEM_BYTES, freed: false });
        enqueued++;
        if (engine.pendingBytes > peak) peak = engine.pendingBytes;
      }
    };
    const reader = domain.readLock();
    const writers = Array.from({ length: WRITERS }, writer);
    await sleep(holdMs);
    holding = false;
    const before = domain.stats().gracePeriodsCompleted;
    reader.unlock();
    await Promise.all(writers);
    while (engine.size > 0) await engine.flush();
    const gps = domain.stats().gracePeriodsCompleted - before;
    if (engine.stats().processed !== enqueued) throw new Error(`processed ${engine.stats().processed} of ${enqueued}`);
    await domain.close();
    return { peak: { ours: peak / 1024, baseline: MARK / 1024 }, reclaim: { ours: gps } };
  },
};
