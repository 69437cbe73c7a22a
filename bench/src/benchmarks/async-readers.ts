/**
 * 13. Async readers of a hot-swapped value, 64 in flight: `srcu` sections against what users write instead.
 *
 * A value (a small object standing for a connection, a compiled config, a buffer) is published and replaced
 * ("swapped") while 64 concurrent async readers use it: each read takes the current value, awaits once (the
 * cheapest await, one microtask — the case where a section's own cost shows most), then reads the value
 * again. After every `every`-th read (1,000 or 10) the reader that made it swaps in a new value, and the old
 * one must be disposed once no reader still uses it. Each of the 64 readers does 16 reads per event-loop
 * turn, then awaits the next turn (1,024 reads per turn in all), 100,000 reads per timed run; CPU time of the
 * whole run (see timing.ts), including disposing every retired value.
 *
 * Ours: an `srcu` domain and a cell (`createCell` with `retire` disposing the old value after a grace
 * period), read with `domain.read(async fn)` (the section lasts until the promise settles) or with
 * `readLock()` … `unlock()` in `try`/`finally`. Baselines, each measured in the same repetition:
 * - hand-written reference counting (the usual alternative): the reader increments the value's count, and
 *   decrements it when done; the swap marks the old value retired and whoever brings its count to zero
 *   disposes it (goal: ours ≤ 1.0× at 1 swap per 1,000 reads, ≤ 1.2× at 1 per 10);
 * - async-mutex 0.5.0 `Semaphore` with 64 permits: a read holds 1 (`runExclusive(fn, 1)`), a swap takes all
 *   64, swaps and disposes the old value at once (goal ≤ 1.0×);
 * - async-rwlock 1.1.1 `RWLock` (promise-based readers-writer lock; chosen over `rwlock` 5.0.0, which is
 *   callback-based): `readLock()`/`unlock()` around a read, `writeLock()` around the swap (goal ≤ 1.0×).
 * Why it is fair: all variants run the same readers, awaits, turns and swap points, and every variant
 * disposes every retired value exactly once (checked). Reference counting is the fastest correct way to know
 * when the last reader of a value is gone, short of not knowing at all.
 *
 * Safety (same repetitions): `disposedRead` counts reads that found their value already disposed (each
 * variant must show 0; an unprotected variant, logged once, shows the check fires). Pending memory: the
 * peak number of retired values not yet disposed is its own row for the `read(async fn)` variant at each
 * swap rate: it must stay bounded by the swaps of a few turns (grace periods end within a few turns), not
 * grow with the run.
 */
import { Semaphore } from "async-mutex";
import { RWLock } from "async-rwlock";
import { createCell, createDomain } from "@rcu/core";
import type { Benchmark, RowSpec, SafetyCounts } from "../types.js";
import { nextTurn, strideOrder, timeMsAsync } from "../timing.js";

const READERS = 64;
/** What a read awaits: an already-settled promise (one microtask, the cheapest real await). */
const settled: Promise<void> = Promise.resolve();
const PER_TURN = 16;

class Value {
  refs = 0;
  retired = false;
  disposed = false;
  constructor(readonly x: number) {}
}

/** Per-run counters shared by every variant. */
const state = { reads: 0, every: 1000, disposedReads: 0, retired: 0, disposed: 0, peakPending: 0, sum: 0 };

function dispose(v: Value): void {
  if (v.disposed) throw new Error("a value was disposed twice");
  v.disposed = true;
  state.disposed++;
}

function retireCounted(): void {
  state.retired++;
  const pending = state.retired - state.disposed;
  if (pending > state.peakPending) state.peakPending = pending;
}

function use(v: Value): void {
  if (v.disposed) state.disposedReads++;
  state.sum += v.x;
}

let nextX = 0;
const fresh = (): Value => new Value(nextX++ & 1023);

interface Variant {
  read(): Promise<void>;
  /** Publishes a new value; the old one is disposed when no reader uses it (maybe later). */
  swap(): void | Promise<void>;
  /** Resolves once every retired value has been disposed. */
  settle(): Promise<void>;
}

// ---- ours: srcu ------------------------------------------------------------------------------------------
const domain = createDomain({ flavor: "srcu", name: "bench-async-readers" });
const cell = createCell<Value>(domain, fresh(), { retire: dispose });

async function cellBody(): Promise<void> {
  const v = cell.get();
  state.sum += v.x;
  await settled;
  use(v);
}

const rcuSwap = (): void => {
  retireCounted();
  cell.set(fresh());
};
const rcuSettle = async (): Promise<void> => {
  await domain.synchronize();
  await domain.barrier();
};

const srcuRead: Variant = {
  read: () => domain.read(cellBody),
  swap: rcuSwap,
  settle: rcuSettle,
};

const srcuLock: Variant = {
  async read() {
    const guard = domain.readLock();
    try {
      const v = cell.get();
      state.sum += v.x;
      await settled;
      use(v);
    } finally {
      guard.unlock();
    }
  },
  swap: rcuSwap,
  settle: rcuSettle,
};

// ---- reference counting ----------------------------------------------------------------------------------
let rcCurrent = fresh();
const refcount: Variant = {
  async read() {
    const v = rcCurrent;
    v.refs++;
    try {
      state.sum += v.x;
      await settled;
      use(v);
    } finally {
      if (--v.refs === 0 && v.retired) dispose(v);
    }
  },
  swap() {
    const old = rcCurrent;
    rcCurrent = fresh();
    retireCounted();
    old.retired = true;
    if (old.refs === 0) dispose(old);
  },
  settle: () => Promise.resolve(),
};

// ---- async-mutex Semaphore -------------------------------------------------------------------------------
const semaphore = new Semaphore(READERS);
let semCurrent = fresh();
async function semBody(): Promise<void> {
  const v = semCurrent;
  state.sum += v.x;
  await settled;
  use(v);
}
const semSwapBody = (): void => {
  const old = semCurrent;
  semCurrent = fresh();
  retireCounted();
  dispose(old);
};
const viaSemaphore: Variant = {
  read: () => semaphore.runExclusive(semBody, 1),
  swap: () => semaphore.runExclusive(semSwapBody, READERS),
  settle: () => Promise.resolve(),
};

// ---- async-rwlock ----------------------------------------------------------------------------------------
const rwlock = new RWLock();
let rwCurrent = fresh();
const viaRwLock: Variant = {
  async read() {
    await rwlock.readLock();
    try {
      const v = rwCurrent;
      state.sum += v.x;
      await settled;
      use(v);
    } finally {
      rwlock.unlock();
    }
  },
  async swap() {
    await rwlock.writeLock();
    try {
      const old = rwCurrent;
      rwCurrent = fresh();
      retireCounted();
      dispose(old);
    } finally {
      rwlock.unlock();
    }
  },
  settle: () => Promise.resolve(),
};

// ---- unprotected (safety check of the check, logged once) -------------------------------------------------
let rawCurrent = fresh();
const unprotected: Variant = {
  async read() {
    const v = rawCurrent;
    state.sum += v.x;
    await settled;
    use(v);
  },
  swap() {
    const old = rawCurrent;
    rawCurrent = fresh();
    retireCounted();
    dispose(old);
  },
  settle: () => Promise.resolve(),
};

// ---- driver ----------------------------------------------------------------------------------------------
async function reader(v: Variant, reads: number): Promise<void> {
  let i = 0;
  while (i < reads) {
    for (let j = 0; j < PER_TURN && i < reads; j++, i++) {
      await v.read();
      if (++state.reads % state.every === 0) await v.swap();
    }
    await nextTurn();
  }
}

interface Outcome {
  readonly ms: number;
  readonly disposedReads: number;
  readonly peakPending: number;
}

async function runVariant(v: Variant, total: number, every: number): Promise<Outcome> {
  const go = async (): Promise<void> => {
    const per = Math.ceil(total / READERS);
    const all: Array<Promise<void>> = [];
    for (let r = 0; r < READERS; r++) all.push(reader(v, per));
    await Promise.all(all);
    await v.settle();
  };
  Object.assign(state, { reads: 0, every, disposedReads: 0, retired: 0, disposed: 0, peakPending: 0 });
  await go(); // untimed: reaches optimised code after the gc() before it
  Object.assign(state, { reads: 0, every, disposedReads: 0, retired: 0, disposed: 0, peakPending: 0 });
  const ms = await timeMsAsync(go);
  if (state.disposed !== state.retired) {
    throw new Error(`${String(state.retired)} values retired but ${String(state.disposed)} disposed`);
  }
  return { ms, disposedReads: state.disposedReads, peakPending: state.peakPending };
}

// ---- rows ------------------------------------------------------------------------------------------------
const SAFETY = { disposedRead: "read a disposed value" } as const;
const RATES = [
  { id: "1000", every: 1000, label: "1 swap per 1,000 reads", refGoal: 1.0 },
  { id: "10", every: 10, label: "1 swap per 10 reads", refGoal: 1.2 },
] as const;
const PAIRS = [
  { id: "read-refcount", ours: "read", base: "refcount", label: "srcu read(async fn) vs reference counting" },
  { id: "lock-refcount", ours: "lock", base: "refcount", label: "srcu readLock() vs reference counting" },
  {
    id: "read-semaphore",
    ours: "read",
    base: "semaphore",
    label: "srcu read(async fn) vs async-mutex 0.5.0 Semaphore",
  },
  { id: "read-rwlock", ours: "read", base: "rwlock", label: "srcu read(async fn) vs async-rwlock 1.1.1" },
] as const;
const BASE_LABEL = {
  refcount: "reference counting",
  semaphore: "async-mutex Semaphore",
  rwlock: "async-rwlock",
} as const;
/** Peak retired-but-undisposed values allowed: the swaps of 4 turns (1,024 reads per turn), at least 4. */
const pendingBound = (every: number): number => Math.max(4, Math.ceil((4 * READERS * PER_TURN) / every));

const rows: RowSpec[] = [
  ...RATES.flatMap((r) =>
    PAIRS.map((p) => {
      const goal = p.base === "refcount" ? r.refGoal : 1.0;
      return {
        id: `${p.id}-${r.id}`,
        name: `13. 64 async readers, ${r.label}: ${p.label}`,
        unit: "ms",
        ratio: "ours/baseline" as const,
        baselineLabel: BASE_LABEL[p.base],
        goal: { text: `≤ ${goal.toFixed(1)}×`, value: goal, direction: "max" as const },
        safety: SAFETY,
      };
    }),
  ),
  ...RATES.map((r) => ({
    id: `pending-${r.id}`,
    name: `13. 64 async readers, ${r.label}: peak retired values not yet disposed (srcu read)`,
    unit: "values",
    ratio: "ours" as const,
    goal: {
      text: `≤ ${String(pendingBound(r.every))} (4 turns of swaps)`,
      value: pendingBound(r.every),
      direction: "max" as const,
    },
  })),
];

export const asyncReaders: Benchmark = {
  name: "async-readers",
  title: "64 async readers of a hot-swapped value: srcu read/readLock vs reference counting, async-mutex, async-rwlock",
  repetitions: { full: 9, quick: 2 },
  warmup: { full: 1, quick: 1 },
  steadyWarmup: 2,
  rows,
  async run(ctx) {
    const total = ctx.scale(100_000, 40_000);
    const variants: Array<[string, Variant]> = [
      ["read", srcuRead],
      ["lock", srcuLock],
      ["refcount", refcount],
      ["semaphore", viaSemaphore],
      ["rwlock", viaRwLock],
    ];
    const out: Record<
      string,
      { ours: number; baseline?: number; safety?: { ours: SafetyCounts; baseline: SafetyCounts } }
    > = {};
    for (const rate of RATES) {
      const got: Record<string, Outcome> = {};
      for (const j of strideOrder(variants.length, ctx.repetition)) {
        const [id, v] = variants[j]!;
        ctx.gc();
        got[id] = await runVariant(v, total, rate.every);
      }
      const counts = (id: string): SafetyCounts => ({ disposedRead: got[id]!.disposedReads });
      for (const p of PAIRS) {
        out[`${p.id}-${rate.id}`] = {
          ours: got[p.ours]!.ms,
          baseline: got[p.base]!.ms,
          safety: { ours: counts(p.ours), baseline: counts(p.base) },
        };
      }
      out[`pending-${rate.id}`] = { ours: got.read!.peakPending };
      if (!ctx.warmup) {
        ctx.log(
          `${rate.label}: peak pending read ${String(got.read!.peakPending)}, readLock ${String(got.lock!.peakPending)}, ` +
            `refcount ${String(got.refcount!.peakPending)}`,
        );
      }
    }
    if (ctx.repetition === 0) {
      const raw = await runVariant(unprotected, ctx.scale(20_000, 10_000), 10);
      ctx.log(`check of the check: an unprotected variant read a disposed value ${String(raw.disposedReads)} times`);
    }
    return out;
  },
};
