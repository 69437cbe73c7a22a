/**
 * 3. Deferral throughput.
 *
 * Measures the main thread's CPU time (`threadCpuNs` in timing.ts) to defer N = 1M small objects (200k under --quick) and have every one processed
 * after a grace period: `createPending` on a `loop` domain, `enqueue` all of them in one synchronous loop,
 * then `await flush()` (the grace period ends at the next turn; processing runs in `maxPerTurn` slices, the
 * default 10 000, so it does not block the event loop). Every variant calls the same `process` (adds a field to
 * an accumulator) once per item, and the run checks that it did.
 *
 * Baselines and why they are fair:
 * - one `setImmediate(process, item)` per item — the usual "later" in Node; the argument form avoids a closure,
 *   which is the fastest way to write it (goal: ours ≥ 25× faster; ratio = baseline ÷ ours);
 * - one `setTimeout(process, 0, item)` per item, likewise (goal ≥ 25×);
 * - the limit: write the items into a preallocated array by index, then loop over it calling `process` and
 *   clearing the slot (what any deferral must at least do: store, load, call, release). No grace period and no
 *   turn boundary at all, so it favours the baseline (goal: ours ≤ 2× its time).
 * The items are allocated once, before any timing, so no variant pays for creating them. Each variant runs once
 * untimed right before its timed runs (after a `gc()`): a forced full GC makes the next run of any variant up to
 * 2x slower while V8 re-optimises, and the untimed run also absorbs the garbage of the variant before it. The two
 * short variants (ours and the limit) share one slot: after one gc() and an untimed run of each, they run five
 * times each, alternating, and count with their medians, so that one descheduled slice or one background GC in
 * a 7 ms run does not decide the repetition's ratio and both are timed in the same heap and JIT state.
 * Main-thread CPU rather than the whole process's: the recompiles that follow each forced GC run on V8's
 * background threads and were billed to a run unevenly (the same 1M-item run took 21–211 ms of process CPU),
 * which made the ratio to the 10 ms limit swing 3.5–6.4× between runs. Leaving background threads out favours
 * the allocating baselines (setImmediate/setTimeout create an object per item, and their GC helpers are not
 * counted); the whole-process ratios are logged next to the rows.
 */
import { createDomain, createPending } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { median } from "../stats.js";
import { nextTurn, permuteAsync, threadCpuNs } from "../timing.js";

interface Item {
  readonly v: number;
}

let acc = 0;
let calls = 0;
function processItem(item: Item): void {
  acc += item.v;
  calls++;
}

const domain = createDomain({ flavor: "loop", name: "bench-deferral" });
const engine = createPending<Item>(domain, { process: processItem });

let items: Item[] = [];
let buf: Array<Item | undefined> = [];

function prepare(n: number): void {
  if (items.length === n) return;
  items = Array.from({ length: n }, (_, i) => ({ v: i & 7 }));
  buf = new Array<Item | undefined>(n).fill(undefined);
}

// Each variant's loop is a top-level synchronous function: written inline in the async variant, V8 reaches it
// only by on-stack replacement of the async function, which a forced gc() throws away again.
function enqueueAll(n: number): void {
  for (let i = 0; i < n; i++) engine.enqueue(items[i]!);
}

async function ours(n: number): Promise<void> {
  enqueueAll(n);
  await engine.flush();
}

function immediateAll(n: number): void {
  for (let i = 0; i < n; i++) setImmediate(processItem, items[i]!);
}

async function viaImmediate(n: number): Promise<void> {
  immediateAll(n);
  await nextTurn(); // queued after all of them: runs once they have
}

function timeoutAll(n: number): void {
  for (let i = 0; i < n; i++) setTimeout(processItem, 0, items[i]!);
}

async function viaTimeout(n: number): Promise<void> {
  timeoutAll(n);
  await new Promise((resolve) => setTimeout(resolve, 0)); // same timer list, queued last
}

function limit(n: number): Promise<void> {
  const b = buf;
  for (let i = 0; i < n; i++) b[i] = items[i]!;
  for (let i = 0; i < n; i++) {
    processItem(b[i]!);
    b[i] = undefined;
  }
  return Promise.resolve();
}

function processCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Main-thread and whole-process CPU milliseconds of one timed run. */
interface Cost {
  readonly thread: number;
  readonly process: number;
}

interface Variant {
  readonly what: string;
  readonly fn: (n: number) => Promise<void>;
}

async function timedRun(n: number, v: Variant): Promise<Cost> {
  calls = 0;
  const t0 = threadCpuNs();
  const p0 = processCpuNs();
  await v.fn(n);
  const cost = { thread: (threadCpuNs() - t0) / 1e6, process: (processCpuNs() - p0) / 1e6 };
  if (calls !== n) throw new Error(`${v.what}: process ran ${calls} times for ${n} items`);
  return cost;
}

/**
 * The figures of one slot of a repetition: a `gc()`, an untimed run of each variant with `warmItems` items (the
 * first run after a forced gc() is up to 2x slower while V8 re-optimises, for every variant), then `timed`
 * rounds in which each variant runs once with `n` items, alternating which goes first; per variant the median
 * of each clock over its timed runs.
 */
async function counted(
  n: number,
  variants: readonly Variant[],
  gc: () => void,
  timed: number,
  warmItems: number,
): Promise<Cost[]> {
  gc(); // no variant pays for the garbage of the one before
  for (const v of variants) {
    calls = 0;
    await v.fn(warmItems); // untimed
    if (calls !== warmItems) throw new Error(`${v.what}: process ran ${calls} times for ${warmItems} items`);
  }
  const runs: Cost[][] = variants.map(() => []);
  for (let k = 0; k < timed; k++) {
    for (let j = 0; j < variants.length; j++) {
      const i = k % 2 === 0 ? j : variants.length - 1 - j;
      runs[i]!.push(await timedRun(n, variants[i]!));
    }
  }
  return runs.map((list) => ({
    thread: median(list.map((c) => c.thread)),
    process: median(list.map((c) => c.process)),
  }));
}

/** Timed runs of each short variant (ours and the limit) per repetition; the median counts. */
const SHORT_RUNS = 5;

/** Whole-process ratios of the measured repetitions, logged at the end next to the rows' main-thread ones. */
const processRatios: Array<{ immediate: number; timeout: number; limit: number }> = [];

export const deferral: Benchmark = {
  name: "deferral",
  title: "defer 1M small objects: createPending vs setImmediate/setTimeout per item and the array limit",
  repetitions: { full: 11, quick: 2 },
  warmup: { full: 2, quick: 1 },
  steadyWarmup: 2,
  rows: [
    {
      id: "vsImmediate",
      name: "3. deferral of 1M objects vs setImmediate per item",
      unit: "ms",
      ratio: "baseline/ours",
      baselineLabel: "setImmediate",
      goal: { text: "≥ 25× faster", value: 25, direction: "min" },
    },
    {
      id: "vsTimeout",
      name: "3. deferral of 1M objects vs setTimeout(0) per item",
      unit: "ms",
      ratio: "baseline/ours",
      baselineLabel: "setTimeout(0)",
      goal: { text: "≥ 25× faster", value: 25, direction: "min" },
    },
    {
      id: "vsLimit",
      name: "3. deferral of 1M objects vs the limit",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "array + loop",
      goal: { text: "≤ 2×", value: 2, direction: "max" },
    },
  ],
  async run(ctx) {
    const n = ctx.scale(1_000_000, 200_000);
    prepare(n);
    // The short runs (ours ≈ 10–30 ms, the limit ≈ 5–10 ms) share one slot: after its gc() and untimed runs,
    // ours and the limit run SHORT_RUNS times each, alternating, and each gives its median — one run descheduled
    // or caught by a background GC is a large part of a 7 ms figure, and alternating puts ours and the limit
    // in the same heap and JIT state. The per-item timer baselines take ≈ 1 s a run, long enough once; their
    // untimed run uses half the items (≥ 300k operations, enough to re-optimise), which keeps the time in budget.
    const short = ctx.quick ? 1 : SHORT_RUNS;
    const [pairSlot, imSlot, toSlot] = await permuteAsync(ctx.repetition, [
      () =>
        counted(
          n,
          [
            { what: "createPending", fn: ours },
            { what: "limit", fn: limit },
          ],
          ctx.gc,
          short,
          n,
        ),
      () => counted(n, [{ what: "setImmediate", fn: viaImmediate }], ctx.gc, 1, n >> 1),
      () => counted(n, [{ what: "setTimeout", fn: viaTimeout }], ctx.gc, 1, n >> 1),
    ]);
    const [o, li] = pairSlot!;
    const [im] = imSlot!;
    const [to] = toSlot!;
    if (acc < 0) ctx.log("unreachable");
    if (!ctx.warmup) {
      processRatios.push({
        immediate: im!.process / o!.process,
        timeout: to!.process / o!.process,
        limit: o!.process / li!.process,
      });
      if (ctx.last) {
        ctx.log(
          `whole-process CPU instead of main-thread CPU (medians): ${median(processRatios.map((r) => r.immediate)).toFixed(1)}× setImmediate, ` +
            `${median(processRatios.map((r) => r.timeout)).toFixed(1)}× setTimeout, ${median(processRatios.map((r) => r.limit)).toFixed(2)}× the limit`,
        );
      }
    }
    return {
      vsImmediate: { ours: o!.thread, baseline: im!.thread },
      vsTimeout: { ours: o!.thread, baseline: to!.thread },
      vsLimit: { ours: o!.thread, baseline: li!.thread },
    };
  },
};
