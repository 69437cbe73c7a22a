/**
 * 2. `srcu` read sections.
 *
 * Measures (main-thread CPU ns per section, `threadCpuNs` in timing.ts): `readLock()` + `unlock()` on an `srcu`
 * domain, against
 * - the same on a `loop` domain (goal ≤ 3×: sleepable sections should cost about what the loop guard does);
 * - acquiring and releasing the read side of a minimal promise-based reader-writer lock (goal: ours ≥ 10×
 *   faster; the ratio column is baseline ÷ ours).
 *
 * Baselines and why they are fair: the `loop` guard is the cheapest section this library has, so it is the
 * reference for what sleepable readers add. The reader-writer lock below is what people hand-roll to keep a
 * resource alive across `await`: readers share, a writer waits for them and excludes new ones, and the API is
 * promise-based because acquisition may have to wait. It is minimal — an uncontended acquire returns an
 * already-resolved promise, and no writer is active during the measurement — so the baseline pays only the one
 * `await` that any promise-based acquisition costs. Each side runs in its own loop function.
 *
 * Main-thread CPU leaves out V8's background threads (GC work on the lock loop's promise garbage, the work that
 * follows the repetition's forced `gc()`, background compiles), which process CPU billed to whichever short
 * guard loop ran next.
 */
import { createDomain } from "@rcu/core";
import type { Benchmark } from "../types.js";
import { blackhole, interleave, threadCpuNs, threadMsAsync } from "../timing.js";

/** A minimal promise-based reader-writer lock (the baseline). Writers queue in order and are not starved. */
export class PromiseRwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ readonly write: boolean; readonly resolve: () => void }> = [];

  acquireRead(): Promise<void> {
    if (!this.writer && this.queue.length === 0) {
      this.readers++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ write: false, resolve }));
  }

  releaseRead(): void {
    if (--this.readers === 0) this.pump();
  }

  acquireWrite(): Promise<void> {
    if (!this.writer && this.readers === 0 && this.queue.length === 0) {
      this.writer = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ write: true, resolve }));
  }

  releaseWrite(): void {
    this.writer = false;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!;
      if (next.write) {
        if (this.readers !== 0) return;
        this.queue.shift();
        this.writer = true;
        next.resolve();
        return;
      }
      this.queue.shift();
      this.readers++;
      next.resolve();
    }
  }
}

const srcu = createDomain({ flavor: "srcu", name: "bench-srcu" });
const loop = createDomain({ flavor: "loop", name: "bench-loop" });
const lock = new PromiseRwLock();

function srcuLoop(n: number): number {
  for (let i = 0; i < n; i++) {
    const g = srcu.readLock();
    g.unlock();
  }
  return n;
}

function loopLoop(n: number): number {
  for (let i = 0; i < n; i++) {
    const g = loop.readLock();
    g.unlock();
  }
  return n;
}

async function rwLoop(n: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    await lock.acquireRead();
    lock.releaseRead();
  }
  return n;
}

/** Main-thread CPU ns spent in `fn()`. */
function threadNs(fn: () => unknown): number {
  const t0 = threadCpuNs();
  blackhole(fn());
  return threadCpuNs() - t0;
}

export const srcuGuard: Benchmark = {
  name: "srcu-guard",
  title: "srcu readLock/unlock vs the loop guard and a promise-based reader-writer lock",
  repetitions: { full: 21, quick: 5 },
  warmup: { full: 3, quick: 2 },
  steadyWarmup: 6,
  rows: [
    {
      id: "vsLoop",
      name: "2. srcu readLock+unlock vs loop guard",
      unit: "ns/op",
      ratio: "ours/baseline",
      baselineLabel: "loop guard",
      goal: { text: "≤ 3×", value: 3, direction: "max" },
    },
    {
      id: "vsRwLock",
      name: "2. srcu readLock+unlock vs promise RW lock",
      unit: "ns/op",
      ratio: "baseline/ours",
      baselineLabel: "promise RW lock",
      goal: { text: "≥ 10× faster", value: 10, direction: "min" },
    },
  ],
  async run(ctx) {
    const n = ctx.scale(5_000_000, 1_000_000);
    const m = n / 10;
    const [s, l] = interleave(
      ctx.repetition,
      () => threadNs(() => srcuLoop(n)) / n,
      () => threadNs(() => loopLoop(n)) / n,
    );
    const rw = ((await threadMsAsync(() => rwLoop(m))) * 1e6) / m;
    return { vsLoop: { ours: s, baseline: l }, vsRwLock: { ours: s, baseline: rw } };
  },
};
