/**
 * Effect: `@rcu/effect` against the Effect primitives a user would reach for instead.
 *
 * Measures (main-thread CPU ns per operation, `threadCpuNs` in timing.ts; the one-fiber workloads in interleaved
 * slices, see `slicedOneFiber`):
 * - Reads of a swappable resource in one loop (a writer swaps it once per 1,000 reads; every 16th read holds the
 *   value across a fiber yield before using it), run two ways with everything else equal: by one fiber (the
 *   request-handler pattern: one fiber reading over and over) and by 64 fibers at once. `Rcu.read` +
 *   `RcuRef.deref` (the RCU read path: no reference count, no finalizer) and `RcuRef.get` in a scope, against
 *   Effect's `RcRef.get` in a scope, `SynchronizedRef.get` and `ScopedRef.get`. Goals: deref ≥ 10× faster than
 *   `RcRef.get` for the lone reader; ≤ 0.5× `RcRef.get` and `RcuRef.get` ≤ 1.2× it with 64 fibers.
 * - The same reads spread over 16 keys: `Rcu.read` + `RcuMap.deref` against `RcMap.get` in a scope (a swap is
 *   `RcuMap.set` / `RcMap.invalidate` of one key). Goal ≥ 10× faster for the lone reader; 64 fibers shown.
 * - The floor: the same loop whose read is a constant effect. Every row above pays it on top of its read, so
 *   no ratio against a peer can exceed (peer) / (floor), whatever the read costs.
 * - Safety, as counts: how many reads saw a value already released. `RcuRef` must show 0. The peers show what
 *   the grace period prevents: `SynchronizedRef` (release the old value after `set`, the obvious pattern),
 *   `ScopedRef.set` (releases the old value at once) and `RcRef.invalidate` (closes the value's scope even while
 *   it is borrowed).
 * - `Rcu.acquireRelease` against `Effect.acquireRelease`: one scope at a time and 1,000 scopes opened and closed
 *   at once, on an `srcu` domain with no read section open (the release then has no reader to wait for and runs
 *   at once; with readers it waits for a grace period, which the concurrent closes share). Goal ≤ 1.5× both ways.
 *
 * Baselines and why they are fair: every reader runs the same loop (same fiber count, same yields, same swap
 * rate); only the read and swap calls differ. `RcRef` is the reference-counted resource Effect ships, the closest
 * peer of `RcuRef.get`; `SynchronizedRef`/`ScopedRef` are what a user would use for a swappable value without
 * reference counting. `Effect.acquireRelease` is the primitive `Rcu.acquireRelease` extends; the difference is
 * the grace period, which is what it adds.
 *
 * All workloads share one process (the harness already gives each benchmark its own child), interleaved by
 * repetition. They are not split further: a real app runs many kinds of effects through one run loop, so its
 * call sites are as polymorphic as here, and running each workload alone in its own process moved the 64-fiber
 * ratios by less than the run-to-run noise (bench/README.md).
 */
import { Rcu, RcuMap, RcuRef } from "@rcu/effect";
import { Effect, Option, RcMap, RcRef, type Scope, ScopedRef, SynchronizedRef } from "effect";
import type { Benchmark, Pair } from "../types.js";
import { permuteAsync, strideOrder, threadCpuNs } from "../timing.js";

interface Value {
  readonly n: number;
  alive: boolean;
}

const FIBERS = 64;
const SWAP_EVERY = 1_000;
const HOLD_EVERY = 16;

/** A resource whose release marks it dead, so a reader can tell whether it was released under it. */
const acquireValue = (counter: { n: number }): Effect.Effect<Value, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Value => ({ n: counter.n++, alive: true })),
    (v) => Effect.sync(() => void (v.alive = false)),
  );

interface Workload {
  /** One read that uses the value at once, and one that holds it across a fiber yield first. */
  readonly read: Effect.Effect<Value, never, Rcu>;
  readonly readHolding: Effect.Effect<Value, never, Rcu>;
  readonly swap: Effect.Effect<void, never, never>;
  /** Keyed workloads: one read (and holding read) per key; reads go round the keys. */
  readonly keyed?: {
    readonly reads: ReadonlyArray<Effect.Effect<Value, never, Rcu>>;
    readonly readsHolding: ReadonlyArray<Effect.Effect<Value, never, Rcu>>;
  };
}

interface Outcome {
  readonly nsPerRead: number;
  readonly released: number;
}

/**
 * `fibers` fibers, each doing `perFiber` reads (every HOLD_EVERY-th one holding the value across a yield); every
 * SWAP_EVERY-th read overall is followed by a swap. Counts reads that saw a released value. The loop is
 * `Effect.forEach` with prebuilt effects, so what differs between workloads is the read itself.
 */
const readers = (fibers: number, perFiber: number, make: Effect.Effect<Workload, never, Scope.Scope | Rcu>) =>
  Effect.gen(function* () {
    const workload = yield* make;
    let reads = 0;
    let released = 0;
    const check = (v: Value): Effect.Effect<void> => {
      if (!v.alive) released++;
      return ++reads % SWAP_EVERY === 0 ? workload.swap : Effect.void;
    };
    const fast = (workload.keyed?.reads ?? [workload.read]).map((read) => Effect.flatMap(read, check));
    const holding = (workload.keyed?.readsHolding ?? [workload.readHolding]).map((read) => Effect.flatMap(read, check));
    const steps = Array.from({ length: perFiber }, (_, i) =>
      i % HOLD_EVERY === 0 ? holding[i % holding.length]! : fast[i % fast.length]!,
    );
    const fiber = Effect.forEach(steps, (step) => step, { discard: true });
    const t0 = cpuNs();
    yield* Effect.forEach(
      Array.from({ length: fibers }, () => fiber),
      (f) => f,
      {
        concurrency: "unbounded",
        discard: true,
      },
    );
    return { nsPerRead: (cpuNs() - t0) / (perFiber * fibers), released };
  });

/**
 * CPU time of the main thread in ns (`threadCpuNs`, timing.ts): only the measured loop, not the layer's setup, and
 * not V8's background threads (concurrent marking of the garbage an earlier workload left, background compiles),
 * whose billing to whichever workload ran next varied the one-fiber rows by half between repetitions.
 */
const cpuNs = threadCpuNs;

const holdAcross = <R>(read: Effect.Effect<Value, never, R>) =>
  Effect.flatMap(read, (v) => Effect.as(Effect.yieldNow, v));

const derefWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(counter) }));
  yield* RcuRef.set(ref, acquireValue(counter));
  return {
    read: Rcu.read(RcuRef.deref(ref)),
    readHolding: Rcu.read(holdAcross(RcuRef.deref(ref))),
    swap: RcuRef.set(ref, acquireValue(counter)),
  } satisfies Workload;
});

const rcuGetWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(counter) }));
  yield* RcuRef.set(ref, acquireValue(counter));
  return {
    read: Effect.scoped(RcuRef.get(ref)),
    readHolding: Effect.scoped(holdAcross(RcuRef.get(ref))),
    swap: RcuRef.set(ref, acquireValue(counter)),
  } satisfies Workload;
});

const rcRefWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  // With an idle time to live the value stays between reads, as a published RcuRef value does.
  const ref = yield* RcRef.make({ acquire: acquireValue(counter), idleTimeToLive: "1 hour" });
  return {
    read: Effect.scoped(RcRef.get(ref)),
    readHolding: Effect.scoped(holdAcross(RcRef.get(ref))),
    swap: RcRef.invalidate(ref),
  } satisfies Workload;
});

const synchronizedWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const fresh = (): Value => ({ n: counter.n++, alive: true });
  const ref = yield* SynchronizedRef.make(fresh());
  return {
    read: SynchronizedRef.get(ref),
    readHolding: holdAcross(SynchronizedRef.get(ref)),
    // Swap, then release the old value: without reference counts or a grace period nothing says when is safe.
    swap: SynchronizedRef.getAndSet(ref, fresh()).pipe(Effect.map((old) => void (old.alive = false))),
  } satisfies Workload;
});

const scopedRefWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const ref = yield* ScopedRef.fromAcquire(acquireValue(counter));
  return {
    read: ScopedRef.get(ref),
    readHolding: holdAcross(ScopedRef.get(ref)),
    swap: ScopedRef.set(ref, acquireValue(counter)),
  } satisfies Workload;
});

/** The loop's own cost: a read that is a constant effect (nothing to protect, nothing to release). */
const floorWorkload = Effect.sync((): Workload => {
  const value: Value = { n: 0, alive: true };
  const read = Effect.succeed(value);
  return { read, readHolding: holdAcross(read), swap: Effect.void };
});

const KEYS = Array.from({ length: 16 }, (_, i) => `key-${i}`);

const derefMapWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const map = yield* Effect.orDie(RcuMap.make({ lookup: (_key: string) => acquireValue(counter) }));
  for (const key of KEYS) yield* Effect.orDie(RcuMap.set(map, key, acquireValue(counter)));
  const present = (o: Option.Option<Value>) => Option.getOrThrow(o);
  let swaps = 0;
  return {
    read: Effect.die("keyed"),
    readHolding: Effect.die("keyed"),
    keyed: {
      reads: KEYS.map((key) => Rcu.read(Effect.map(RcuMap.deref(map, key), present))),
      readsHolding: KEYS.map((key) => Rcu.read(holdAcross(Effect.map(RcuMap.deref(map, key), present)))),
    },
    swap: Effect.suspend(() => RcuMap.set(map, KEYS[swaps++ % KEYS.length]!, acquireValue(counter))).pipe(Effect.orDie),
  } satisfies Workload;
});

const rcMapWorkload = Effect.gen(function* () {
  const counter = { n: 0 };
  const map = yield* RcMap.make({ lookup: (_key: string) => acquireValue(counter), idleTimeToLive: "1 hour" });
  let swaps = 0;
  return {
    read: Effect.die("keyed"),
    readHolding: Effect.die("keyed"),
    keyed: {
      reads: KEYS.map((key) => Effect.scoped(RcMap.get(map, key))),
      readsHolding: KEYS.map((key) => Effect.scoped(holdAcross(RcMap.get(map, key)))),
    },
    swap: Effect.suspend(() => RcMap.invalidate(map, KEYS[swaps++ % KEYS.length]!)),
  } satisfies Workload;
});

/** Runs `program` with a fresh `Rcu.layer()` and a scope, closing both. */
const runWithRcu = <A>(program: Effect.Effect<A, never, Scope.Scope | Rcu>): Promise<A> =>
  Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "bench-effect" })), Effect.orDie));

const measureReads = (
  fibers: number,
  perFiber: number,
  make: Effect.Effect<Workload, never, Scope.Scope | Rcu>,
): Promise<Outcome> => runWithRcu(readers(fibers, perFiber, make));

/** `n` acquire/release cycles, `batch` scopes at a time. CPU ns per cycle. */
const measureAcquireRelease = async (ours: boolean, n: number, batch: number): Promise<number> => {
  let released = 0;
  const release = () => Effect.sync(() => void released++);
  const one = ours
    ? Effect.scoped(Rcu.acquireRelease(Effect.succeed(1), release))
    : Effect.scoped(Effect.acquireRelease(Effect.succeed(1), release));
  const batchOf = Array.from({ length: batch }, () => one);
  const program = Effect.gen(function* () {
    const t0 = cpuNs();
    for (let done = 0; done < n; done += batch) {
      if (batch === 1) yield* one;
      else yield* Effect.forEach(batchOf, (e) => e, { concurrency: "unbounded", discard: true });
    }
    return (cpuNs() - t0) / n;
  });
  const ns = await runWithRcu(program);
  if (released !== n) throw new Error(`acquireRelease: ${released} releases for ${n} acquires`);
  return ns;
};

/** How many slices the one-fiber reads of each workload are cut into (see `slicedOneFiber`). */
const ONE_FIBER_SLICES = 4;

/**
 * The one-fiber workloads, each doing `reads` reads in ONE_FIBER_SLICES slices, the slices of all workloads
 * interleaved (a different order each slice, `strideOrder`). A lone fiber's loop is short and cheap, so what ran
 * just before it (its garbage, the JIT's state) moved a single run by half; interleaved slices give every workload
 * a mix of predecessors within each repetition. Returns each workload's total, in the order given.
 */
const slicedOneFiber = async (
  repetition: number,
  reads: number,
  workloads: ReadonlyArray<Effect.Effect<Workload, never, Scope.Scope | Rcu>>,
): Promise<Array<Outcome>> => {
  const perSlice = Math.ceil(reads / ONE_FIBER_SLICES);
  const totals = workloads.map(() => ({ nsPerRead: 0, released: 0 }));
  for (let slice = 0; slice < ONE_FIBER_SLICES; slice++) {
    for (const i of strideOrder(workloads.length, repetition * ONE_FIBER_SLICES + slice)) {
      const outcome = await measureReads(1, perSlice, workloads[i]!);
      totals[i]!.nsPerRead += outcome.nsPerRead / ONE_FIBER_SLICES;
      totals[i]!.released += outcome.released;
    }
  }
  return totals;
};

const pair = (ours: number, baseline: number): Pair => ({ ours, baseline });

export const effectPeers: Benchmark = {
  name: "effect-peers",
  title:
    "Effect: Rcu.read + RcuRef.deref, RcuRef.get, Rcu.acquireRelease vs RcRef, SynchronizedRef, ScopedRef, acquireRelease",
  repetitions: { full: 7, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "derefOne",
      name: "E1. 1 fiber, reads in a loop: Rcu.read + RcuRef.deref vs RcRef.get",
      unit: "ns/read",
      ratio: "baseline/ours",
      baselineLabel: "RcRef.get",
      goal: { text: "≥ 10× faster", value: 10, direction: "min" },
    },
    {
      id: "deref",
      name: "E1. 64 fibers: Rcu.read + RcuRef.deref vs RcRef.get",
      unit: "ns/read",
      ratio: "ours/baseline",
      baselineLabel: "RcRef.get",
      goal: { text: "≤ 0.5×", value: 0.5, direction: "max" },
    },
    {
      id: "get",
      name: "E2. 64 fibers: RcuRef.get in a scope vs RcRef.get",
      unit: "ns/read",
      ratio: "ours/baseline",
      baselineLabel: "RcRef.get",
      goal: { text: "≤ 1.2×", value: 1.2, direction: "max" },
    },
    {
      id: "derefSync",
      name: "E3. 64 fibers: Rcu.read + RcuRef.deref vs SynchronizedRef.get",
      unit: "ns/read",
      ratio: "ours/baseline",
      baselineLabel: "SynchronizedRef.get (unsafe)",
      goal: { text: "≤ 2×", value: 2, direction: "max" },
    },
    {
      id: "derefScoped",
      name: "E4. 64 fibers: Rcu.read + RcuRef.deref vs ScopedRef.get",
      unit: "ns/read",
      ratio: "ours/baseline",
      baselineLabel: "ScopedRef.get (unsafe)",
      goal: { text: "≤ 2×", value: 2, direction: "max" },
    },
    {
      id: "mapDerefOne",
      name: "E7. 1 fiber, 16 keys, reads in a loop: Rcu.read + RcuMap.deref vs RcMap.get",
      unit: "ns/read",
      ratio: "baseline/ours",
      baselineLabel: "RcMap.get",
      goal: { text: "≥ 10× faster", value: 10, direction: "min" },
    },
    {
      id: "mapDeref",
      name: "E7. 64 fibers, 16 keys: Rcu.read + RcuMap.deref vs RcMap.get",
      unit: "ns/read",
      ratio: "baseline/ours",
      baselineLabel: "RcMap.get",
      goal: { text: "(shown)", value: 0, direction: "min" },
    },
    {
      id: "floorOne",
      name: "E0. the loop alone (a constant read), 1 fiber: the floor under the 1-fiber rows",
      unit: "ns/read",
      ratio: "ours",
      goal: { text: "(shown)", value: Number.POSITIVE_INFINITY, direction: "max" },
    },
    {
      id: "floor",
      name: "E0. the loop alone (a constant read), 64 fibers: the floor under the 64-fiber rows",
      unit: "ns/read",
      ratio: "ours",
      goal: { text: "(shown)", value: Number.POSITIVE_INFINITY, direction: "max" },
    },
    {
      id: "safeOurs",
      name: "E5. safety: reads that saw a released value, RcuRef (deref and get) and RcuMap.deref",
      unit: "reads",
      ratio: "ours",
      goal: { text: "= 0", value: 0, direction: "max" },
    },
    {
      id: "safeRcRef",
      name: "E5. safety: RcRef.get + RcRef.invalidate (peer, informational)",
      unit: "reads",
      ratio: "ours",
      goal: { text: "(shown)", value: Number.POSITIVE_INFINITY, direction: "max" },
    },
    {
      id: "safeSync",
      name: "E5. safety: SynchronizedRef set + release (peer, informational)",
      unit: "reads",
      ratio: "ours",
      goal: { text: "(shown)", value: Number.POSITIVE_INFINITY, direction: "max" },
    },
    {
      id: "safeScoped",
      name: "E5. safety: ScopedRef.set (peer, informational)",
      unit: "reads",
      ratio: "ours",
      goal: { text: "(shown)", value: Number.POSITIVE_INFINITY, direction: "max" },
    },
    {
      id: "arOne",
      name: "E6. Rcu.acquireRelease vs Effect.acquireRelease, one at a time",
      unit: "ns/op",
      ratio: "ours/baseline",
      baselineLabel: "Effect.acquireRelease",
      goal: { text: "≤ 1.5×", value: 1.5, direction: "max" },
    },
    {
      id: "arBatch",
      name: "E6. Rcu.acquireRelease vs Effect.acquireRelease, 1,000 at once",
      unit: "ns/op",
      ratio: "ours/baseline",
      baselineLabel: "Effect.acquireRelease",
      goal: { text: "≤ 1.5×", value: 1.5, direction: "max" },
    },
  ],
  async run(ctx) {
    // 64 fibers × perFiber reads, and one fiber doing about as many reads as one of the 64-fiber runs does in all.
    const perFiber = ctx.scale(4_000, 800);
    const alone = ctx.scale(40_000, 8_000);
    const [deref, rcuGet, rcRef, sync, scoped, mapDeref, rcMap, floor] = await permuteAsync(ctx.repetition, [
      () => measureReads(FIBERS, perFiber, derefWorkload),
      () => measureReads(FIBERS, perFiber, rcuGetWorkload),
      () => measureReads(FIBERS, perFiber, rcRefWorkload),
      () => measureReads(FIBERS, perFiber, synchronizedWorkload),
      () => measureReads(FIBERS, perFiber, scopedRefWorkload),
      () => measureReads(FIBERS, perFiber, derefMapWorkload),
      () => measureReads(FIBERS, perFiber, rcMapWorkload),
      () => measureReads(FIBERS, perFiber, floorWorkload),
    ]);
    const [derefOne, rcRefOne, mapDerefOne, rcMapOne, floorOne] = await slicedOneFiber(ctx.repetition, alone, [
      derefWorkload,
      rcRefWorkload,
      derefMapWorkload,
      rcMapWorkload,
      floorWorkload,
    ]);
    const n = ctx.scale(20_000, 4_000);
    const [arOurs, arBase, batchOurs, batchBase] = await permuteAsync(ctx.repetition, [
      () => measureAcquireRelease(true, n, 1),
      () => measureAcquireRelease(false, n, 1),
      () => measureAcquireRelease(true, n * 5, 1_000),
      () => measureAcquireRelease(false, n * 5, 1_000),
    ]);
    return {
      derefOne: pair(derefOne!.nsPerRead, rcRefOne!.nsPerRead),
      deref: pair(deref!.nsPerRead, rcRef!.nsPerRead),
      get: pair(rcuGet!.nsPerRead, rcRef!.nsPerRead),
      derefSync: pair(deref!.nsPerRead, sync!.nsPerRead),
      derefScoped: pair(deref!.nsPerRead, scoped!.nsPerRead),
      mapDerefOne: pair(mapDerefOne!.nsPerRead, rcMapOne!.nsPerRead),
      mapDeref: pair(mapDeref!.nsPerRead, rcMap!.nsPerRead),
      floorOne: { ours: floorOne!.nsPerRead },
      floor: { ours: floor!.nsPerRead },
      safeOurs: {
        ours: deref!.released + rcuGet!.released + mapDeref!.released + derefOne!.released + mapDerefOne!.released,
      },
      safeRcRef: { ours: rcRef!.released + rcRefOne!.released },
      safeSync: { ours: sync!.released },
      safeScoped: { ours: scoped!.released },
      arOne: pair(arOurs!, arBase!),
      arBatch: pair(batchOurs!, batchBase!),
    };
  },
};
