/**
 * 12. Pool acquire+release of a 4 KiB buffer: `@rcu/pool` against the pools users pick instead.
 *
 * Main-thread CPU nanoseconds per loan (acquire, write one byte, release; `threadCpuNs`, timing.ts), 1,000 loans
 * one at a time per turn, then the next turn: 200 turns per repetition for a peer, 800 for ours (whose loans are
 * far cheaper, so that its timed run is not a few ms of CPU); the variants run in an order whose start and
 * stride change with the repetition (`strideOrder`), each after its own `gc()` and an untimed eighth of its
 * turns. Main-thread CPU leaves out V8's background threads, which finish the forced GC's work (sweeping,
 * marking) during whatever runs right after the `gc()` and were billed, in process CPU, to that variant: a
 * fixed cost that weighed most on the shortest run, ours. The main thread's own GC work still counts. Ours: `createPool` on a `loop` domain, grace periods (`typesafe: false`: the pool grows to the
 * 1,000 buffers one turn needs, since each released buffer waits for the turn's grace period) and typesafe
 * (`typesafe: true`: the next loan takes back the buffer just released). Peers, each the real package pinned
 * in bench/package.json: generic-pool (`await pool.acquire()`, `await pool.release(buf)`), tarn
 * (`await pool.acquire().promise`, `pool.release(buf)`) and Effect's `Pool` (`Pool.get` in `Effect.scoped`,
 * 1,000 loans in one `Effect.gen` per turn run with `Effect.runPromise`). Goal: ours ≤ 0.1× each peer.
 *
 * Why it is fair: every side lends preallocated buffers (no side creates one after its warm-up), does the
 * same write per loan and the same turn boundaries, and uses its API the way its documentation shows. The
 * peers' APIs are asynchronous (acquisition may wait), ours is synchronous when a buffer is free; that
 * difference is what a user gets. The peers run with their defaults plus `max: 16` (no validation, no
 * eviction timers during the run). Ours' round is a top-level synchronous function; the peers' rounds are
 * async functions because their APIs are.
 *
 * Safety, measured in the same repetitions on a fresh small pool of each kind (see {@link SAFETY}):
 * - `stale`: holder A releases, B acquires, then A calls release again: does the pool accept it?
 * - `relent`: after that, C acquires: does C get the buffer B still holds?
 * - `underReader`: a holder releases inside a read (for ours an `srcu` read section kept across an `await`;
 *   the peers have none) and reads the buffer again after the `await`; meanwhile four loans write to what
 *   they get. Counted when the reader sees another loan's write without being able to tell (the typesafe
 *   pool tells it: `generationOf` changed, which is the re-validation `typesafe` readers must do).
 */
import { Effect, Exit, Pool as EffectPool, Scope } from "effect";
import * as genericPool from "generic-pool";
import { Pool as TarnPool } from "tarn";
import { createDomain } from "@rcu/core";
import { createPool } from "@rcu/pool";
import type { Benchmark, RowSpec, SafetyCounts } from "../types.js";
import { nextTurn, strideOrder, threadMsAsync } from "../timing.js";

const LOANS = 1_000;
/** Our pools run this many times the peers' turns per repetition (their loans are far cheaper). */
const OURS_TURNS = 4;
const SIZE = 4096;
const newBuffer = (): Uint8Array => new Uint8Array(SIZE);

/** The checks of the safety column (key → what a violation is). */
export const SAFETY = {
  stale: "stale second release accepted",
  relent: "buffer re-lent while in use",
  underReader: "buffer re-lent under a reader, undetectably",
} as const;

// ---- ours ------------------------------------------------------------------------------------------------
const domain = createDomain({ flavor: "loop", name: "bench-pool-peers" });
const gracePool = createPool({ domain, create: newBuffer, name: "bench-peers-grace" });
const typesafePool = createPool({ domain, create: newBuffer, name: "bench-peers-typesafe", typesafe: true });

function graceRound(): void {
  for (let i = 0; i < LOANS; i++) {
    const lease = gracePool.acquire();
    lease.value[0]!++;
    lease.release();
  }
}

function typesafeRound(): void {
  for (let i = 0; i < LOANS; i++) {
    const lease = typesafePool.acquire();
    lease.value[0]!++;
    lease.release();
  }
}

// ---- peers -----------------------------------------------------------------------------------------------
const generic = genericPool.createPool<Uint8Array>(
  { create: () => Promise.resolve(newBuffer()), destroy: () => Promise.resolve() },
  { max: 16, min: 1 },
);

async function genericRound(): Promise<void> {
  for (let i = 0; i < LOANS; i++) {
    const buf = await generic.acquire();
    buf[0]!++;
    await generic.release(buf);
  }
}

const tarn = new TarnPool<Uint8Array>({
  create: () => Promise.resolve(newBuffer()),
  destroy: () => undefined,
  min: 1,
  max: 16,
});

async function tarnRound(): Promise<void> {
  for (let i = 0; i < LOANS; i++) {
    const buf = await tarn.acquire().promise;
    buf[0]!++;
    tarn.release(buf);
  }
}

const effectScope = Effect.runSync(Scope.make());
// runPromise, not runSync: the pool fills itself in a forked fiber, which a synchronous run would not let start.
const effectPool = await Effect.runPromise(
  EffectPool.make({ acquire: Effect.sync(newBuffer), size: 16 }).pipe(Scope.provide(effectScope)),
);
const effectLoan = Effect.scoped(
  Effect.flatMap(EffectPool.get(effectPool), (buf) =>
    Effect.sync(() => {
      buf[0]!++;
    }),
  ),
);
const effectLoans = Effect.gen(function* () {
  for (let i = 0; i < LOANS; i++) yield* effectLoan;
});

function effectRound(): Promise<void> {
  return Effect.runPromise(effectLoans);
}

// ---- timing ----------------------------------------------------------------------------------------------
async function turns(count: number, round: () => void | Promise<void>): Promise<void> {
  for (let r = 0; r < count; r++) {
    await round();
    await nextTurn();
  }
}

/**
 * Main-thread CPU ns per loan: an untimed eighth first (a forced gc() makes V8 re-optimise), then the timed
 * rounds.
 */
async function nsPerLoan(count: number, round: () => void | Promise<void>): Promise<number> {
  await turns(Math.max(1, count >> 3), round);
  return ((await threadMsAsync(() => turns(count, round))) * 1e6) / (count * LOANS);
}

// ---- safety ----------------------------------------------------------------------------------------------
const safetyDomain = createDomain({ flavor: "srcu", name: "bench-pool-peers-safety" });

/** Resolves with the value, or with `undefined` if `p` has not settled after a few turns. */
async function within<T>(p: Promise<T>): Promise<T | undefined> {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 3 && !done; i++) await nextTurn();
  return value;
}

async function oursSafety(typesafe: boolean): Promise<SafetyCounts> {
  const pool = createPool({
    domain: safetyDomain,
    create: newBuffer,
    typesafe,
    name: `bench-peers-safety-${String(typesafe)}`,
  });
  const a = pool.acquire();
  a.release();
  const b = pool.acquire();
  const stale = a.release() ? 1 : 0;
  const c = pool.acquire();
  const relent = c.value === b.value ? 1 : 0;
  b.release();
  c.release();
  await pool.drain();

  const pool2 = createPool({
    domain: safetyDomain,
    create: newBuffer,
    typesafe,
    name: `bench-peers-reader-${String(typesafe)}`,
  });
  const guard = safetyDomain.readLock();
  const r = pool2.acquire();
  const buf = r.value;
  const generation = pool2.generationOf(buf);
  buf[0] = 1;
  r.release(); // the reader still reads `buf` below, inside its section
  for (let i = 0; i < 4; i++) {
    const o = pool2.acquire();
    o.value[0] = 99;
    o.release();
  }
  await nextTurn();
  const changed = buf[0] !== 1;
  const detectable = typesafe && pool2.generationOf(buf) !== generation;
  guard.unlock();
  await pool2.drain();
  return { stale, relent, underReader: changed && !detectable ? 1 : 0 };
}

async function genericSafety(): Promise<SafetyCounts> {
  const pool = genericPool.createPool<Uint8Array>(
    { create: () => Promise.resolve(newBuffer()), destroy: () => Promise.resolve() },
    { max: 1 },
  );
  const a = await pool.acquire();
  await pool.release(a);
  const b = await pool.acquire();
  const stale = await pool.release(a).then(
    () => 1,
    () => 0,
  );
  const c = await within(pool.acquire());
  const relent = c !== undefined && c === b ? 1 : 0;
  await pool.release(c ?? b).catch(() => undefined); // whichever loan the pool still counts

  const underReader = await peerUnderReader(
    () => pool.acquire(),
    (x) => void pool.release(x).catch(() => undefined),
  );
  await pool.drain();
  await pool.clear();
  return { stale, relent, underReader };
}

async function tarnSafety(): Promise<SafetyCounts> {
  const pool = new TarnPool<Uint8Array>({
    create: () => Promise.resolve(newBuffer()),
    destroy: () => undefined,
    min: 0,
    max: 1,
  });
  const a = await pool.acquire().promise;
  pool.release(a);
  const b = await pool.acquire().promise;
  const stale = pool.release(a) ? 1 : 0;
  const c = await within(pool.acquire().promise);
  const relent = c !== undefined && c === b ? 1 : 0;
  pool.release(c ?? b);
  const underReader = await peerUnderReader(
    () => pool.acquire().promise,
    (x) => void pool.release(x),
  );
  await pool.destroy();
  return { stale, relent, underReader };
}

/** Effect's `Pool` returns a loan when its scope closes: there is no release to call twice. */
async function effectSafety(): Promise<SafetyCounts> {
  const scope = Effect.runSync(Scope.make());
  const pool = await Effect.runPromise(
    EffectPool.make({ acquire: Effect.sync(newBuffer), size: 1 }).pipe(Scope.provide(scope)),
  );
  const take = async (): Promise<{ buf: Uint8Array; release: () => void }> => {
    const s = Effect.runSync(Scope.make());
    const buf = await Effect.runPromise(EffectPool.get(pool).pipe(Scope.provide(s)));
    return { buf, release: () => void Effect.runPromise(Scope.close(s, Exit.void)) };
  };
  const a = await take();
  a.release();
  await nextTurn();
  const b = await take();
  a.release(); // closing a closed scope again: a no-op, so a stale release cannot be expressed
  const pendingC = take();
  const c = await within(pendingC);
  const relent = c !== undefined && c.buf === b.buf ? 1 : 0;
  b.release();
  (await pendingC).release(); // it waited for b's buffer
  await nextTurn();
  const underReader = await peerUnderReader(
    async () => {
      const t = await take();
      held.set(t.buf, t.release);
      return t.buf;
    },
    (x) => {
      held.get(x)?.();
      held.delete(x);
    },
  );
  await Effect.runPromise(Scope.close(scope, Exit.void));
  return { stale: 0, relent, underReader };
}
const held = new Map<Uint8Array, () => void>();

/** A holder releases and keeps reading across an await while four other loans write: was it re-lent? */
async function peerUnderReader(acquire: () => Promise<Uint8Array>, release: (b: Uint8Array) => void): Promise<number> {
  const buf = await acquire();
  buf[0] = 1;
  release(buf);
  for (let i = 0; i < 4; i++) {
    const o = await within(acquire());
    if (o === undefined) break;
    o[0] = 99;
    release(o);
  }
  await nextTurn();
  return buf[0] !== 1 ? 1 : 0;
}

// ---- rows ------------------------------------------------------------------------------------------------
const PEERS = [
  { id: "generic", label: "generic-pool 3.9.0" },
  { id: "tarn", label: "tarn 3.1.2" },
  { id: "effect", label: "effect 4.1.0 Pool" },
] as const;
const OURS = [
  { id: "grace", label: "grace periods" },
  { id: "typesafe", label: "typesafe" },
] as const;

const rows: RowSpec[] = OURS.flatMap((o) =>
  PEERS.map((p) => ({
    id: `${o.id}-${p.id}`,
    name: `12. pool loan of a 4 KiB buffer, ${o.label} vs ${p.label}`,
    unit: "ns/op",
    ratio: "ours/baseline" as const,
    baselineLabel: p.label,
    goal: { text: "≤ 0.1×", value: 0.1, direction: "max" as const },
    safety: SAFETY,
  })),
);

export const poolPeers: Benchmark = {
  name: "pool-peers",
  title: "pool loan of a 4 KiB buffer: @rcu/pool vs generic-pool, tarn and Effect Pool (with safety checks)",
  repetitions: { full: 9, quick: 2 },
  warmup: { full: 2, quick: 1 },
  steadyWarmup: 3,
  rows,
  async run(ctx) {
    const count = ctx.scale(200, 40);
    // Ours runs OURS_TURNS× the peers' turns: its loans are an order of magnitude cheaper, so 200 turns would be a
    // short run, where one GC or one descheduled slice moves the figure.
    const variants: Array<[string, () => void | Promise<void>, number]> = [
      ["grace", graceRound, count * OURS_TURNS],
      ["typesafe", typesafeRound, count * OURS_TURNS],
      ["generic", genericRound, count],
      ["tarn", tarnRound, count],
      ["effect", effectRound, count],
    ];
    const ns: Record<string, number> = {};
    for (const j of strideOrder(variants.length, ctx.repetition)) {
      const [id, round, turnsOf] = variants[j]!;
      ctx.gc();
      ns[id] = await nsPerLoan(turnsOf, round);
    }
    const safety: Record<string, SafetyCounts> = {
      grace: await oursSafety(false),
      typesafe: await oursSafety(true),
      generic: await genericSafety(),
      tarn: await tarnSafety(),
      effect: await effectSafety(),
    };
    const out: Record<
      string,
      { ours: number; baseline: number; safety: { ours: SafetyCounts; baseline: SafetyCounts } }
    > = {};
    for (const o of OURS) {
      for (const p of PEERS) {
        out[`${o.id}-${p.id}`] = {
          ours: ns[o.id]!,
          baseline: ns[p.id]!,
          safety: { ours: safety[o.id]!, baseline: safety[p.id]! },
        };
      }
    }
    return out;
  },
};
