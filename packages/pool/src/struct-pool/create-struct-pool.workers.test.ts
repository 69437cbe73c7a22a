/**
 * `createStructPool` across real worker threads: concurrent acquire/release never lends one record to two
 * owners (holder counts and owner stamps, both free-list variants, typesafe or not); readers detect every
 * reuse through the generation (typesafe) or never see one inside a section (default); a worker killed while
 * holding records — even inside a read section — gets its reader slot freed by `watch`, and its records are
 * reclaimed after a grace period.
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { describe, expect, it } from "vitest";
import { createStructPool } from "./create-struct-pool.js";
import type { StructPool } from "./create-struct-pool.js";
import { closedAfterEach } from "../../../core/src/test-support/closed-after-each.js";

const WORKER = new URL("../../test/fixtures/struct-pool-worker.mjs", import.meta.url);
const MS = Number(process.env.RCU_STRUCT_POOL_STRESS_MS ?? 800);
const layout = { owner: "i32", serial: "u32", tag: "u32", a: "f64", b: "f64" } as const;
type Layout = typeof layout;

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

function message<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

function spawn(domain: SharedDomain, pool: StructPool<Layout>, data: Record<string, unknown>): Worker {
  const w = new Worker(WORKER, { workerData: { rcu: domain.handle, pool: pool.handle, ...data } });
  pool.watch(w);
  return w;
}

describe("struct pool across worker threads", () => {
  const make = closedAfterEach((maxThreads: number): SharedDomain => createSharedDomain({ maxThreads }));

  it.each([
    ["lock", false],
    ["tagged", false],
    ["lock", true],
    ["tagged", true],
  ] as const)(
    "3 workers acquiring and releasing at once never share a record (freeList %s, typesafe %s)",
    async (freeList, typesafe) => {
      const domain = make(4);
      const pool = createStructPool({ domain, layout, capacity: 12, freeList, typesafe });
      const holders = new SharedArrayBuffer(4 * pool.capacity);
      const ws = [0, 1, 2].map(() => spawn(domain, pool, { mode: "churn", ms: MS, holders }));
      const gone = Promise.all(ws.map(exited));
      const reports = await Promise.all(
        ws.map((w) => message<{ acquired: number; doubleOwner: number; stampBroken: number; exhausted: number }>(w)),
      );
      await gone;
      const acquired = reports.reduce((n, r) => n + r.acquired, 0);
      expect(reports.every((r) => r.acquired > 0)).toBe(true);
      expect(acquired).toBeGreaterThan(3 * pool.capacity); // records were recycled, many times
      expect(reports.reduce((n, r) => n + r.doubleOwner + r.stampBroken, 0)).toBe(0);
      expect(Array.from(new Int32Array(holders))).toEqual(new Array<number>(pool.capacity).fill(0));
      expect(pool.stats().live).toBe(0);
      await pool.drain();
      expect(pool.stats()).toMatchObject({ live: 0, pendingFree: 0, free: pool.capacity });
    },
    60_000,
  );

  it.each([false, true])(
    "acquireAsync on the main thread waits while a worker holds every record, and gets one it releases (typesafe %s)",
    async (typesafe) => {
      const domain = make(3);
      const pool = createStructPool({ domain, layout, capacity: 2, typesafe });
      const words = new SharedArrayBuffer(4);
      const w = spawn(domain, pool, { mode: "lend", count: 2, words });
      const { handles } = await message<{ handles: number[] }>(w);
      let got: number | undefined;
      const waiting = pool.acquireAsync().then((h) => (got = h));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(got).toBeUndefined(); // all lent, nothing pending: it waits for a release in any thread
      const released = message<{ released: number }>(w);
      Atomics.store(new Int32Array(words), 0, 1);
      Atomics.notify(new Int32Array(words), 0);
      expect((await released).released).toBe(2);
      await waiting;
      expect(handles.map((h) => pool.indexOf(h))).toContain(pool.indexOf(got!));
      expect(pool.isLive(got!)).toBe(true);
      expect(handles.some((h) => pool.isLive(h))).toBe(false); // the worker's lends ended; ours is a new one
      await w.terminate();
    },
    30_000,
  );

  it.each([false, true])(
    "readers in 2 workers: typesafe %s — every reuse is detected by the generation re-check",
    async (typesafe) => {
      const domain = make(4);
      const pool = createStructPool({ domain, layout, capacity: 3, typesafe });
      const words = new SharedArrayBuffer(16);
      const pub = new BigInt64Array(words);
      const ws = [0, 1].map(() => spawn(domain, pool, { mode: "read", words }));
      const gone = Promise.all(ws.map(exited));
      await Promise.all(ws.map((w) => message(w))); // ready: attached and reading (startup is slow on a busy machine)
      const reports = ws.map((w) =>
        message<{ reads: number; undetected: number; detected: number; strictViolations: number }>(w),
      );
      let current = -1;
      let swaps = 0;
      const end = Date.now() + MS;
      while (Date.now() < end) {
        for (let k = 0; k < 50; k++) {
          const h = pool.tryAcquire();
          if (h === -1) break;
          const gen = Math.floor(h / 2 ** 21);
          pool.set(h, "tag", gen);
          pool.set(h, "a", swaps + 1);
          pool.set(h, "b", -(swaps + 1));
          Atomics.store(pub, 0, BigInt(h));
          if (current !== -1) pool.release(current);
          current = h;
          swaps++;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      Atomics.store(pub, 1, 1n);
      const results = await Promise.all(reports);
      await gone;
      const sum = (k: "reads" | "undetected" | "detected" | "strictViolations"): number =>
        results.reduce((n, r) => n + r[k], 0);
      expect(swaps).toBeGreaterThan(20);
      expect(results.every((r) => r.reads > 0)).toBe(true);
      expect(sum("undetected")).toBe(0);
      if (typesafe) {
        expect(pool.stats().reusedEarly).toBeGreaterThan(0);
      } else {
        expect(sum("strictViolations")).toBe(0); // no reuse at all while a reader that could see it is inside
        expect(sum("detected")).toBe(0);
        expect(pool.stats().reusedEarly).toBe(0);
      }
    },
    60_000,
  );

  it.each([false, true])(
    "a worker killed while holding records (inside a read section: %s): watch frees its slot and reclaims them",
    async (inside) => {
      const domain = make(2); // main + one worker: a second worker can attach only once the slot is freed
      const pool = createStructPool({ domain, layout, capacity: 8 });
      const w = spawn(domain, pool, { mode: "hold", count: 5, inside });
      const { handles } = await message<{ handles: number[] }>(w);
      const mine = [pool.acquire(), pool.acquire(), pool.acquire()];
      expect(pool.tryAcquire()).toBe(-1);
      expect(handles.every((h) => pool.isLive(h) && pool.get(h, "owner") === w.threadId + 1)).toBe(true);
      const gone = exited(w);
      await w.terminate();
      await gone;
      // reclaimed on the worker's behalf: released now, reused after a grace period
      expect(handles.filter((h) => pool.isLive(h))).toEqual([]);
      expect(pool.stats()).toMatchObject({ live: 3, pendingFree: 5 });
      await pool.reclaimable(); // would hang if the dead worker's section still held the grace period
      const again = [0, 1, 2, 3, 4].map(() => pool.acquire());
      expect(new Set(again.map((h) => pool.indexOf(h)))).toEqual(new Set(handles.map((h) => pool.indexOf(h))));
      expect(pool.tryAcquire()).toBe(-1);
      // its reader slot was freed: another worker can attach to this maxThreads: 2 domain
      for (const h of [...again, ...mine]) pool.release(h);
      const next = spawn(domain, pool, { mode: "hold", count: 0, inside: false });
      const nextGone = exited(next);
      const msg = await message<{ handles: number[] }>(next);
      expect(msg.handles).toEqual([]);
      await next.terminate();
      await nextGone;
    },
    30_000,
  );
});
