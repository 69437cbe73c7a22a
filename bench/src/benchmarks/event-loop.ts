/**
 * 6. Event-loop impact of a flood.
 *
 * An `srcu` reader holds the grace period while 1M small disposable objects are retired, 10 000 per turn
 * (a flood: every turn adds more). Then the reader leaves and the whole backlog becomes due at once. Measured:
 * the worst event-loop stall over the whole flood window, from the first retire until everything is disposed, in
 * ms: the longest delay `perf_hooks.monitorEventLoopDelay` (resolution 1 ms) saw beyond its own timer interval,
 * i.e. its `max` minus the 1 ms it waits between samples (Node records the whole time between two firings, so
 * an idle loop reads 1 ms; the stall is what comes on top).
 * - ours: a `createPending` engine with the default `maxPerTurn` (10 000) — the same engine and bound that
 *   `domain.retire()` uses — whose `process` disposes the item;
 * - baseline: the identical engine with `maxPerTurn: Infinity`, i.e. processing everything at once when the
 *   grace period ends (what bcachefs `rcu_pending.c` does, and what a single `setImmediate(() => backlog.forEach(dispose))`
 *   does).
 * Goal: ours ≤ 1/10 of the baseline's worst stall.
 *
 * Why it is fair: both sides see exactly the same flood, the same retires, the same disposal work and the same
 * grace period; the only difference is the per-turn bound. The stalls of producing the flood (10 000 enqueues
 * per turn) and any GC pause inside the window are in both. Each side keeps its domain and engine across
 * repetitions, and the 1M objects are allocated once and collected into the old generation before the window.
 * This row is wall-clock by definition: on a shared machine a descheduled process shows up as a stall too.
 * That is why one flood's worst stall is not the figure: a single descheduled turn decides it. Each repetition
 * runs {@link TRIALS} floods per side, alternating ours and the baseline (the side that starts alternates), and
 * a side's figure for the repetition is the **lowest of its floods' worst stalls**; the row's ratio is the median
 * over repetitions of ours ÷ baseline of those figures. Being descheduled only ever adds to a stall, so the
 * lowest worst stall of several floods is the one closest to the stall the code itself causes (which every
 * flood has), as the fastest of several runs is for a duration. The median of the five measured the scheduler
 * on a loaded machine (most floods lose a slice somewhere; bench/README.md). The medians are logged beside the
 * row.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createDomain, createPending } from "@rcu/core";
import type { RcuDomain, RcuPending } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { median } from "../stats.js";
import { nextTurn, sleep } from "../timing.js";

let disposed = 0;
class Resource implements Disposable {
  open = true;
  [Symbol.dispose](): void {
    this.open = false;
    disposed++;
  }
}

const PER_TURN = 10_000;
/** The delay monitor's sampling interval (ms): each sample it records includes this much on top of any stall. */
const RESOLUTION_MS = 1;
/** Floods per side in each repetition; the side's figure is the lowest of their worst stalls. */
const TRIALS = 5;

interface Variant {
  readonly domain: RcuDomain;
  readonly engine: RcuPending<Resource>;
}
const variants = new Map<number, Variant>();
let items: Resource[] = [];

/** One domain and engine per variant, kept across repetitions (their chunk caches stay warm, as in a server). */
function variant(maxPerTurn: number): Variant {
  let v = variants.get(maxPerTurn);
  if (v === undefined) {
    const domain = createDomain({ flavor: "srcu", name: `bench-flood-${maxPerTurn}` });
    v = { domain, engine: createPending<Resource>(domain, { process: (r) => r[Symbol.dispose](), maxPerTurn }) };
    variants.set(maxPerTurn, v);
  }
  return v;
}

/** Top-level and synchronous, so it is optimised as a function, not by on-stack replacement of `flood`. */
function enqueueRange(engine: RcuPending<Resource>, from: number, to: number): void {
  for (let i = from; i < to; i++) engine.enqueue(items[i]!);
}

async function flood(total: number, maxPerTurn: number, gc: () => void): Promise<number> {
  const { domain, engine } = variant(maxPerTurn);
  if (items.length !== total) items = Array.from({ length: total }, () => new Resource());
  for (const r of items) r.open = true;
  disposed = 0;
  gc(); // the items are old and no garbage is left: GC pauses inside the window are the flood's own
  await sleep(10);
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const reader = domain.readLock();
  histogram.enable();
  for (let done = 0; done < total; done += PER_TURN) {
    const end = Math.min(total, done + PER_TURN);
    enqueueRange(engine, done, end);
    await nextTurn();
  }
  reader.unlock();
  await engine.flush();
  await sleep(2); // let the histogram's timer observe the last turn
  histogram.disable();
  if (disposed !== total) throw new Error(`disposed ${disposed} of ${total}`);
  return Math.max(0, histogram.max / 1e6 - RESOLUTION_MS);
}

export const eventLoop: Benchmark = {
  name: "event-loop",
  title: "worst event-loop stall of a 1M-retire flood: maxPerTurn vs everything at once",
  repetitions: { full: 9, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "stall",
      name: "6. worst stall of a 1M-retire flood (best of 5 floods' worst stalls)",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "maxPerTurn: Infinity",
      goal: { text: "≤ 1/10", value: 0.1, direction: "max" },
    },
  ],
  async run(ctx) {
    const total = ctx.scale(1_000_000, 1_000_000);
    const trials = ctx.quick ? 1 : TRIALS;
    const ours: number[] = [];
    const all: number[] = [];
    for (let t = 0; t < trials; t++) {
      // ours, baseline, baseline, ours, …: each side goes first in every other pair
      if ((t + ctx.repetition) % 2 === 0) {
        ours.push(await flood(total, 10_000, ctx.gc));
        all.push(await flood(total, Infinity, ctx.gc));
      } else {
        all.push(await flood(total, Infinity, ctx.gc));
        ours.push(await flood(total, 10_000, ctx.gc));
      }
    }
    const o = Math.min(...ours);
    const a = Math.min(...all);
    if (!ctx.warmup) {
      const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(" / ");
      ctx.log(
        `worst stalls (ms): maxPerTurn 10 000 ${list(ours)}; Infinity ${list(all)}; lowest ${o.toFixed(1)} / ${a.toFixed(1)}, medians ${median(ours).toFixed(1)} / ${median(all).toFixed(1)}`,
      );
    }
    return { stall: { ours: o, baseline: a } };
  },
};
