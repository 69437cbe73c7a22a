/**
 * 4. Steady state: no allocation per item.
 *
 * After a warm-up repetition, 10M items (1M under --quick) go through `createPending` on a `loop` domain in
 * rounds of 10 000 (= the default `maxPerTurn`): enqueue a round, `await flush()`, repeat. The same 10 000
 * preallocated objects are reused every round, so the engine is the only thing that could allocate per item.
 * Measured:
 * - chunks the engine allocated during the run (`stats().chunksAllocated` delta). Goal: 0 — chunks are recycled.
 * - growth of the used heap across the run, each end after a forced full `gc()`. Goal: none (the threshold,
 *   64 KiB, only absorbs V8's own bookkeeping noise: feedback vectors, code, promise jobs' remnants).
 * - GC time inside the run (`perf_hooks` 'gc' entries) against the same 10M items deferred as one closure per
 *   item. Goal: ours ≤ 1/5 of it.
 *
 * Baseline and why it is fair: "one closure per item" is how deferred work is usually written —
 * `later.push(() => process(item))`, then after the turn boundary run the batch and drop it. It gets the same
 * rounds, the same turn boundary and the same `process`; the only difference is the per-item closure (and its
 * array slot) against the engine's recycled chunks. Item objects are preallocated for both.
 */
import { createDomain, createPending } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { gcTimeOf } from "../gc-time.js";
import { nextTurn } from "../timing.js";

interface Item {
  readonly v: number;
}

const ROUND = 10_000;
let acc = 0;
let calls = 0;
function processItem(item: Item): void {
  acc += item.v;
  calls++;
}

const domain = createDomain({ flavor: "loop", name: "bench-steady" });
const engine = createPending<Item>(domain, { process: processItem });
const items: Item[] = Array.from({ length: ROUND }, (_, i) => ({ v: i & 7 }));

// The per-round loops are top-level synchronous functions: inline in an async function that awaits between
// rounds, V8 reaches them only by on-stack replacement, which is slow again after every forced gc().
function enqueueRound(): void {
  for (let i = 0; i < ROUND; i++) engine.enqueue(items[i]!);
}

async function ours(total: number): Promise<void> {
  for (let done = 0; done < total; done += ROUND) {
    enqueueRound();
    await engine.flush();
  }
}

function closureRound(later: Array<() => void>): void {
  for (let i = 0; i < ROUND; i++) {
    const item = items[i]!;
    later.push(() => processItem(item));
  }
}

function runAll(batch: ReadonlyArray<() => void>): void {
  for (const f of batch) f();
}

async function closures(total: number): Promise<void> {
  let later: Array<() => void> = [];
  for (let done = 0; done < total; done += ROUND) {
    closureRound(later);
    await nextTurn();
    const batch = later;
    later = [];
    runAll(batch);
  }
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

export const steadyState: Benchmark = {
  name: "steady-state",
  title: "10M enqueue+process: chunks, heap growth and GC time vs one closure per item",
  repetitions: { full: 3, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "chunks",
      name: "4. steady state: new chunks during 10M items",
      unit: "chunks",
      ratio: "ours",
      goal: { text: "0", value: 0, direction: "max" },
    },
    {
      id: "heap",
      name: "4. steady state: used-heap growth after gc()",
      unit: "KiB",
      ratio: "ours",
      goal: { text: "none (≤ 64 KiB noise)", value: 64, direction: "max" },
    },
    {
      id: "gc",
      name: "4. steady state: GC time vs one closure per item",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "closure per item",
      goal: { text: "≤ 1/5", value: 0.2, direction: "max" },
    },
  ],
  async run(ctx) {
    const total = ctx.scale(10_000_000, 1_000_000);
    const chunks0 = engine.stats().chunksAllocated;
    ctx.gc();
    const heap0 = heapUsed();
    calls = 0;
    const o = await gcTimeOf(() => ours(total));
    ctx.gc();
    const heap1 = heapUsed();
    const chunks = engine.stats().chunksAllocated - chunks0;
    if (calls !== total) throw new Error(`createPending processed ${calls} of ${total}`);
    calls = 0;
    const b = await gcTimeOf(() => closures(total));
    if (calls !== total) throw new Error(`closures processed ${calls} of ${total}`);
    ctx.gc();
    if (!ctx.warmup) {
      ctx.log(
        `ours ${o.wallMs.toFixed(0)} ms wall, ${o.collections} GCs; closures ${b.wallMs.toFixed(0)} ms wall, ${b.collections} GCs`,
      );
    }
    if (acc < 0) ctx.log("unreachable");
    return {
      chunks: { ours: chunks },
      heap: { ours: ctx.canGc ? (heap1 - heap0) / 1024 : NaN },
      gc: { ours: o.gcMs, baseline: b.gcMs },
    };
  },
};
