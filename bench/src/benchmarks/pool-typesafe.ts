/**
 * 11. Objects created with an srcu reader always inside: `typesafe: true` vs `typesafe: false`.
 *
 * An `srcu` domain with a reader that is never outside: every turn it enters a fresh read section before it
 * leaves the one it entered the turn before (`readLock()` new, then `unlock()` old), so some section is always
 * open and every grace period has to wait for a reader to leave (about two turns here). Meanwhile a writer does
 * 200 turns of 1,000 short loans each: acquire, write a field, keep it while the next three are acquired
 * (a working set of 4, like a handler holding a few buffers), release. Measured: objects the pool created
 * (`stats().created`) over the run, for a fresh pool of each kind. Goal: `typesafe: true` creates ≥ 5× fewer
 * (ours ÷ baseline ≤ 1/5).
 *
 * Baseline and why it is fair: the same pool with `typesafe: false` (the default), the same domain, reader and
 * loan pattern. It may lend an object again only after the grace period that followed its release, so while the
 * reader keeps grace periods long it must create objects for every loan made in the meantime; `typesafe: true`
 * takes back the objects still waiting for their grace period (readers re-validate with generations). The
 * difference is exactly the option under test. Both pools are unbounded (`max: Infinity`), so neither blocks.
 */
import { createDomain } from "@rcu/core";
import type { ReadGuard } from "@rcu/core";
import { createPool } from "@rcu/pool";
import type { Lease } from "@rcu/pool";
import type { Benchmark } from "../types.js";
import { interleaveAsync, nextTurn } from "../timing.js";

interface Buf {
  n: number;
}

const LOANS_PER_TURN = 1_000;
const HELD = 4;
const domain = createDomain({ flavor: "srcu", name: "bench-pool-typesafe" });

/** Runs `turns` writer turns with the reader always inside; returns the objects the pool created. */
async function createdWith(typesafe: boolean, turns: number): Promise<number> {
  const pool = createPool<Buf>({
    domain,
    create: () => ({ n: 0 }),
    typesafe,
    name: `bench-typesafe-${String(typesafe)}`,
  });
  const held = new Array<Lease<Buf> | undefined>(HELD).fill(undefined);
  let guard: ReadGuard = domain.readLock();
  let completedAtStart = 0;
  for (let t = 0; t < turns; t++) {
    const next = domain.readLock(); // enter the fresh section first: the reader is never outside
    guard.unlock();
    guard = next;
    if (t === 0) completedAtStart = domain.stats().gracePeriodsCompleted;
    for (let i = 0; i < LOANS_PER_TURN; i++) {
      const k = i % HELD;
      held[k]?.release();
      const lease = pool.acquire();
      lease.value.n++;
      held[k] = lease;
    }
    await nextTurn();
  }
  for (let k = 0; k < HELD; k++) held[k]?.release();
  const graceperiods = domain.stats().gracePeriodsCompleted - completedAtStart;
  guard.unlock();
  const created = pool.stats().created;
  await pool.drain();
  if (graceperiods < turns / 4) {
    throw new Error(`only ${graceperiods} grace periods completed in ${turns} turns: the reader blocked them`);
  }
  return created;
}

export const poolTypesafe: Benchmark = {
  name: "pool-typesafe",
  title: "objects created with an srcu reader always inside: typesafe: true vs false",
  repetitions: { full: 5, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "created",
      name: "11. objects created, srcu reader always inside: typesafe vs not",
      unit: "objects",
      ratio: "ours/baseline",
      baselineLabel: "typesafe: false",
      goal: { text: "≥ 5× fewer (≤ 1/5)", value: 0.2, direction: "max" },
    },
  ],
  async run(ctx) {
    const turns = ctx.scale(200, 50);
    const [ours, base] = await interleaveAsync(
      ctx.repetition,
      () => createdWith(true, turns),
      () => createdWith(false, turns),
    );
    if (!ctx.warmup)
      ctx.log(`created: typesafe ${ours}, not typesafe ${base} (${turns} turns × ${LOANS_PER_TURN} loans)`);
    return { created: { ours, baseline: base } };
  },
};
