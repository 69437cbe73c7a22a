/**
 * 1. `loop` read sections.
 *
 * Measures (CPU ns per section, see timing.ts; a tight loop of N sections):
 * - `read(fn)` where `fn` is one `Map` lookup, against calling the same `fn()` directly. Goal ≤ 1.05×.
 * - `readLock()` + `unlock()` with nothing inside, against incrementing and decrementing a reader counter
 *   that is kept observable. Goal ≤ 2×.
 *
 * Baselines and why they are fair: a `loop` section protects synchronous code, so the alternative is no
 * section at all — calling `fn()` — and the difference is exactly what `read` adds. For the guard, the
 * cheapest hand-rolled reader tracking is a counter; it is "kept observable" by living on an object that
 * escapes (module state read at the end) and by checking for zero on exit, as any writer-notifying counter
 * must (`if (--readers === 0 && writerWaiting) wake()`), so the JIT can neither drop nor merge it. Both sides
 * of each pair run the same number of iterations in their own monomorphic loop function, back to back, in
 * alternating order.
 */
import { createDomain } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { blackhole, interleave, timeNs } from "../timing.js";

const domain = createDomain({ flavor: "loop", name: "bench-read" });
const map = new Map<string, number>();
const keys: string[] = [];
for (let i = 0; i < 1024; i++) {
  keys.push(`key-${i}`);
  map.set(`key-${i}`, i);
}
let k = 0;
const lookup = (): number => map.get(keys[k++ & 1023]!)!;

function readLoop(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += domain.read(lookup);
  return s;
}

function callLoop(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += lookup();
  return s;
}

function guardLoop(n: number): number {
  for (let i = 0; i < n; i++) {
    const g = domain.readLock();
    g.unlock();
  }
  return n;
}

/** The hand-rolled reader counter (escapes via the export below, so it stays observable). */
export const tracker = { readers: 0, writerWaiting: false, woken: 0 };
function counterLoop(n: number): number {
  const t = tracker;
  for (let i = 0; i < n; i++) {
    t.readers++;
    if (--t.readers === 0 && t.writerWaiting) t.woken++;
  }
  return t.readers;
}

export const readSection: Benchmark = {
  name: "read-section",
  title: "loop read(fn) and readLock/unlock vs a plain call and a counter",
  repetitions: { full: 21, quick: 5 },
  warmup: { full: 3, quick: 2 },
  steadyWarmup: 6,
  rows: [
    {
      id: "read",
      name: "1. loop read(fn), fn = one Map lookup",
      unit: "ns/op",
      ratio: "ours/baseline",
      baselineLabel: "fn()",
      goal: { text: "≤ 1.05×", value: 1.05, direction: "max" },
    },
    {
      id: "guard",
      name: "1. loop readLock+unlock",
      unit: "ns/op",
      ratio: "ours/baseline",
      baselineLabel: "counter ++/--",
      goal: { text: "≤ 2×", value: 2, direction: "max" },
    },
  ],
  run(ctx) {
    const n = ctx.scale(5_000_000, 1_000_000);
    const [read, call] = interleave(
      ctx.repetition,
      () => timeNs(() => readLoop(n)) / n,
      () => timeNs(() => callLoop(n)) / n,
    );
    const [guard, counter] = interleave(
      ctx.repetition,
      () => timeNs(() => guardLoop(n)) / n,
      () => timeNs(() => counterLoop(n)) / n,
    );
    blackhole(tracker.woken);
    return { read: { ours: read, baseline: call }, guard: { ours: guard, baseline: counter } };
  },
};
