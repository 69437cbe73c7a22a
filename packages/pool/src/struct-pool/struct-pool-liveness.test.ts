/**
 * Liveness of the struct pool across real worker threads: a worker awaiting `acquireAsync()` with every record
 * lent stays alive until a release in another thread arrives (and exits once it has its record); a worker
 * terminated while it holds the free list's or the pending ring's lock never wedges the main thread, which uses
 * the pool synchronously right after `terminate()` (before the worker's `exit` event can run).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { attachSharedPending, createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createStructPool } from "./create-struct-pool.js";

const WORKER = new URL("../../test/fixtures/struct-pool-liveness-worker.mjs", import.meta.url);
const ROUNDS = Number(process.env.RCU_LIVENESS_ROUNDS ?? 50);
const layout = { a: "f64" } as const;

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

describe("struct pool liveness across worker threads", () => {
  const domains: SharedDomain[] = [];
  afterEach(async () => {
    for (const d of domains.splice(0)) await d.close();
  });

  it(`a worker awaiting acquireAsync() with every record lent stays alive until the release arrives (${ROUNDS} rounds)`, async () => {
    const domain = createSharedDomain({ maxThreads: 3 });
    domains.push(domain);
    const pool = createStructPool({ domain, layout, capacity: 1 });
    const pending = attachSharedPending(pool.handle.pending, domain);
    const words = new SharedArrayBuffer(4);
    const go = new Int32Array(words);
    const w = new Worker(WORKER, {
      workerData: { rcu: domain.handle, pool: pool.handle, mode: "acquireAsync", rounds: ROUNDS, words },
    });
    pool.watch(w);
    const got: number[] = [];
    w.on("message", (m: { handle: number }) => got.push(m.handle));
    let exitCode: number | undefined;
    const gone = exited(w).then((c) => (exitCode = c));
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS && exitCode === undefined; round++) {
      let held = pool.tryAcquire();
      while (held === -1 && exitCode === undefined) {
        await pool.reclaimable(); // the worker's release of the previous round, after its grace period
        held = pool.tryAcquire();
      }
      Atomics.store(go, 0, round + 1);
      Atomics.notify(go, 0);
      // every record lent, none pending: release only once the worker waits (and had time to fall out of its
      // event loop, were nothing keeping it alive)
      while (pending.stats().waiters === 0 && exitCode === undefined) await sleep(1);
      await sleep(2);
      if (exitCode !== undefined)
        failures.push(`round ${round}: the worker exited (code ${String(exitCode)}) before the release`);
      pool.release(held);
      while (got.length === round && exitCode === undefined) await sleep(1);
      if (got.length > round && pool.indexOf(got[round]!) !== pool.indexOf(held))
        failures.push(`round ${round}: got ${got[round]}`);
    }
    await gone;
    expect(failures).toEqual([]);
    expect(exitCode).toBe(0);
    expect(got).toHaveLength(ROUNDS);
  }, 60_000);
});

describe("struct pool: a dead lock holder never wedges a live thread", () => {
  it(`workers terminated inside the free list's or the pending ring's lock; the main thread uses the pool at once (${ROUNDS} kills)`, async () => {
    const domain = createSharedDomain({ maxThreads: 3 });
    const failures: string[] = [];
    let recovered = 0;
    /** One round's pool and worker; the next round's is started while this one runs (worker start-up is slow). */
    const prepare = (round: number) => {
      const pool = createStructPool({ domain, layout, capacity: 4 });
      const words = new SharedArrayBuffer(12);
      const park = round % 2 === 0; // half: parked inside for sure; half: killed at a random point nearby
      const at = 1 + Math.floor(Math.random() * 40);
      const spin = Math.floor(Math.random() * 20_000);
      const w = new Worker(WORKER, {
        workerData: { rcu: domain.handle, pool: pool.handle, mode: "churn-in-lock", words, at, park, spin },
      });
      pool.watch(w);
      return { pool, w, inside: new Int32Array(words), gone: exited(w) };
    };
    try {
      let next = prepare(0);
      for (let round = 0; round < ROUNDS; round++) {
        const { pool, w, inside, gone } = next;
        if (round + 1 < ROUNDS) next = prepare(round + 1);
        while (Atomics.load(inside, 0) === 0) {
          const r = Atomics.waitAsync(inside, 0, 0, 1000);
          if (r.async) await r.value;
        }
        void w.terminate(); // not awaited: its exit event cannot run before the synchronous code below
        // Synchronously: every record the pool can lend now, exclusive, then back.
        const lent: number[] = [];
        for (let h = pool.tryAcquire(); h !== -1; h = pool.tryAcquire()) lent.push(h);
        const indices = new Set(lent.map((h) => pool.indexOf(h)));
        if (indices.size !== lent.length) failures.push(`round ${round}: a record lent twice`);
        for (const h of lent) pool.release(h);
        pool.reclaim();
        await gone;
        // After its exit event: every record comes back but at most the one the dead thread was moving.
        const all: number[] = [];
        for (;;) {
          const h = pool.tryAcquire();
          if (h !== -1) {
            all.push(h);
            continue;
          }
          if (pool.stats().pendingFree === 0) break;
          await pool.reclaimable();
        }
        if (new Set(all.map((h) => pool.indexOf(h))).size !== all.length)
          failures.push(`round ${round}: a record lent twice after exit`);
        if (all.length < pool.capacity - 1) failures.push(`round ${round}: ${pool.capacity - all.length} records lost`);
        recovered += pool.stats().recoveredLocks;
        for (const h of all) pool.release(h);
        await pool.drain();
      }
    } finally {
      await domain.close();
    }
    expect(failures).toEqual([]);
    expect(recovered).toBeGreaterThan(0); // the main thread really took locks over from dead holders
  }, 60_000);
});
