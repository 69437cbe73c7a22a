/**
 * 10. Churn of long-lived 16-field objects: pool vs `new` + GC.
 *
 * A sliding window of W = 300,000 live objects of 16 number fields (~150 bytes each on 64-bit Node): every turn
 * 10,000 new ones are obtained and all 16 fields written, the 10,000 oldest are given up, then `await` the next
 * turn. Each object lives 30 turns — several scavenges — so it is promoted to the old generation, where dead
 * objects cost mark-compact time: the case pools exist for. The window is filled untimed first (a steady state),
 * then N = 3M objects (600k under --quick) churn through it, timed:
 * - GC time inside the timed churn (`perf_hooks` 'gc' entries). Goal: ours ≥ 3× lower (ours ÷ baseline ≤ 1/3).
 * - CPU time of the timed churn (process CPU, GC threads included). Goal: throughput ≥ 1.5× higher
 *   (baseline ÷ ours ≥ 1.5).
 * Ours: `createPool` (default `typesafe: false`) on a `loop` domain; the window holds leases, giving one up is
 * `lease.release()`, and the released objects come back to the free list after the grace period that ends at
 * the next turn boundary. `stats().created` is checked to stay at W + one turn's worth during the timed churn.
 *
 * Baseline and why it is fair: `new Obj16()` (a class, so V8 gives it a fixed shape, the fastest allocation)
 * with the same 16 field writes, held in the same ring and dropped by overwriting its slot — what code without
 * a pool does. Same window, same turns, same N. Each variant builds its own window and drops everything before
 * the other runs (the pool is drained), so neither's live data inflates the other's GC work; a `gc()` precedes
 * each timed part. The pool's own bookkeeping (a slot per object, one lease per acquire, the engine's chunks) is
 * part of ours.
 */
import { createDomain } from "@rcu/core";
import { createPool } from "@rcu/pool";
import type { Lease } from "@rcu/pool";
import type { Benchmark } from "../types.js";
import { gcTimeOf } from "../gc-time.js";
import { interleaveAsync, nextTurn } from "../timing.js";

class Obj16 {
  f0 = 0;
  f1 = 0;
  f2 = 0;
  f3 = 0;
  f4 = 0;
  f5 = 0;
  f6 = 0;
  f7 = 0;
  f8 = 0;
  f9 = 0;
  f10 = 0;
  f11 = 0;
  f12 = 0;
  f13 = 0;
  f14 = 0;
  f15 = 0;
}

function fill(o: Obj16, v: number): void {
  o.f0 = v;
  o.f1 = v + 1;
  o.f2 = v + 2;
  o.f3 = v + 3;
  o.f4 = v + 4;
  o.f5 = v + 5;
  o.f6 = v + 6;
  o.f7 = v + 7;
  o.f8 = v + 8;
  o.f9 = v + 9;
  o.f10 = v + 10;
  o.f11 = v + 11;
  o.f12 = v + 12;
  o.f13 = v + 13;
  o.f14 = v + 14;
  o.f15 = v + 15;
}

const PER_TURN = 10_000;
const domain = createDomain({ flavor: "loop", name: "bench-pool-churn" });
let sum = 0;

interface Measured {
  readonly cpuMs: number;
  readonly gcMs: number;
  readonly collections: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Untimed fill of the window, gc(), then the timed churn of `total` objects (CPU and GC time). */
async function measure(window: number, total: number, gc: () => void, turn: (base: number) => void): Promise<Measured> {
  let base = 0;
  for (let done = 0; done < window + 2 * PER_TURN; done += PER_TURN) {
    turn(base);
    base += PER_TURN;
    await nextTurn();
  }
  gc();
  const c0 = cpuMs();
  const { gcMs, collections } = await gcTimeOf(async () => {
    for (let done = 0; done < total; done += PER_TURN) {
      turn(base);
      base += PER_TURN;
      await nextTurn();
    }
  });
  return { cpuMs: cpuMs() - c0, gcMs, collections };
}

async function ours(window: number, total: number, gc: () => void): Promise<Measured> {
  const pool = createPool({ domain, create: () => new Obj16(), name: "bench-churn" });
  const ring = new Array<Lease<Obj16> | undefined>(window).fill(undefined);
  let createdBefore = 0;
  const turn = (base: number): void => {
    for (let i = base; i < base + PER_TURN; i++) {
      const k = i % window;
      ring[k]?.release();
      const lease = pool.acquire();
      fill(lease.value, i);
      ring[k] = lease;
    }
  };
  const m = await measure(window, total, gc, (base) => {
    if (base === window + 2 * PER_TURN) createdBefore = pool.stats().created; // first timed turn
    turn(base);
  });
  const created = pool.stats().created;
  if (created > window + 2 * PER_TURN || created - createdBefore > PER_TURN) {
    throw new Error(
      `pool created ${created} objects (${created - createdBefore} while timed); expected ≤ window + one turn`,
    );
  }
  for (let k = 0; k < window; k++) sum += ring[k]?.value.f15 ?? 0;
  ring.fill(undefined);
  await pool.drain();
  return m;
}

async function baseline(window: number, total: number, gc: () => void): Promise<Measured> {
  const ring = new Array<Obj16 | undefined>(window).fill(undefined);
  const m = await measure(window, total, gc, (base) => {
    for (let i = base; i < base + PER_TURN; i++) {
      const o = new Obj16();
      fill(o, i);
      ring[i % window] = o;
    }
  });
  for (let k = 0; k < window; k++) sum += ring[k]?.f15 ?? 0;
  ring.fill(undefined);
  return m;
}

export const poolChurn: Benchmark = {
  name: "pool-churn",
  title: "churn of promoted 16-field objects: createPool vs new + GC (GC time, CPU time)",
  repetitions: { full: 5, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "gc",
      name: "10. churn of promoted 16-field objects: GC time vs new",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "new + GC",
      goal: { text: "≥ 3× lower (≤ 1/3)", value: 1 / 3, direction: "max" },
    },
    {
      id: "throughput",
      name: "10. churn of promoted 16-field objects: throughput vs new (CPU time)",
      unit: "ms",
      ratio: "baseline/ours",
      baselineLabel: "new + GC",
      goal: { text: "≥ 1.5× higher", value: 1.5, direction: "min" },
    },
  ],
  async run(ctx) {
    const window = ctx.scale(300_000, 100_000);
    const total = ctx.scale(3_000_000, 600_000);
    const [o, b] = await interleaveAsync(
      ctx.repetition,
      async () => {
        ctx.gc();
        return ours(window, total, ctx.gc);
      },
      async () => {
        ctx.gc();
        return baseline(window, total, ctx.gc);
      },
    );
    ctx.gc();
    if (!ctx.warmup) {
      ctx.log(
        `pool ${o.cpuMs.toFixed(0)} ms CPU, GC ${o.gcMs.toFixed(1)} ms in ${o.collections}; ` +
          `new ${b.cpuMs.toFixed(0)} ms CPU, GC ${b.gcMs.toFixed(1)} ms in ${b.collections}`,
      );
    }
    if (sum < 0) ctx.log("unreachable");
    return {
      gc: { ours: o.gcMs, baseline: b.gcMs },
      throughput: { ours: o.cpuMs, baseline: b.cpuMs },
    };
  },
};
