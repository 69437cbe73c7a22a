/**
 * The shared map across real worker threads.
 *
 * Model-based (fast-check): two writer threads (the main thread and a worker) run generated sequences of
 * set/update/delete/grow at the same time, while a reader worker looks up keys in read sections and checks
 * every record it finds against the model (whole, and carrying a value some command wrote to that key). The
 * final map must equal a JS `Map` that ran each thread's commands in order (keys are split per thread), and
 * the shared counters updated by both threads must have lost no increment.
 *
 * Dead workers: a worker killed while holding a key's lock (inside `update`'s callback) or at random points of
 * a write loop leaves no lock held and no record lost once `watch` has run; and a thread that writes to a key
 * whose stripe a just-terminated worker held does not wait for that worker's `exit` event (Linux: the holder's OS
 * thread is seen gone and its locks are taken back inside the spin).
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { attachSharedPending, createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createSharedMap } from "./create-shared-map.js";
import { mix32 } from "./map-keys.js";
import { STRIPES } from "./map-layout.js";
import type { SharedMap } from "./shared-map.js";

const WORKER = new URL("../test/fixtures/map-worker.mjs", import.meta.url);
const value = { v: "u32", k: "u32", chk: "f64", n: "u32" } as const;
type Layout = typeof value;
type Map32 = SharedMap<"u32", Layout>;
/** [op, key, v]: 0 set, 1 update (n + 1), 2 delete, 3 grow (set v fresh keys from key). */
type Command = readonly [0 | 1 | 2 | 3, number, number];

const COUNTERS = [9000, 9001, 9002];

function message<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

function spawn(domain: SharedDomain, map: Map32, data: Record<string, unknown>): Worker {
  const w = new Worker(WORKER, { workerData: { rcu: domain.handle, map: map.handle, ...data } });
  map.watch(w);
  return w;
}

/**
 * Records neither present nor waiting in the pending ring (0 = none lost), counted exactly at a quiescent moment
 * through public APIs only: every ring entry is taken out, entries that no longer name their record (a harmless
 * duplicate left by dead-worker recovery) are ignored, and all are put back.
 */
function lostRecords(map: SharedMap<"u32", Layout>, domain: SharedDomain): number {
  const ring = attachSharedPending(map.handle.pending, domain);
  const items: number[] = [];
  for (let item = ring.dequeue(); item !== -1; item = ring.dequeue()) items.push(item);
  const waiting = new Set<number>();
  domain.read(() => {
    for (const item of items) {
      try {
        if (map.lookup(map.keyOf(item)) !== item) waiting.add(item);
      } catch {
        // a stale duplicate: its record was reused since
      }
    }
  });
  for (const item of items) ring.enqueue(item);
  const s = map.stats();
  return s.records - s.size - waiting.size;
}

const valuesFor = (key: number, v: number) => ({ v, k: key, chk: v * 3 + key, n: 0 });

/** Commands of writer `t` (0 or 1): keys base..base+40 of its own, the shared counters, and grow ranges. */
function commandsOf(t: number): fc.Arbitrary<Command[]> {
  const base = t * 1000;
  const own = fc.integer({ min: base, max: base + 40 });
  return fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.constant(0 as const), own, fc.integer({ min: 1, max: 1_000_000 })) },
      {
        weight: 2,
        arbitrary: fc.tuple(fc.constant(1 as const), fc.oneof(own, fc.constantFrom(...COUNTERS)), fc.constant(0)),
      },
      { weight: 2, arbitrary: fc.tuple(fc.constant(2 as const), own, fc.constant(0)) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constant(3 as const),
          fc.integer({ min: 0, max: 3 }).map((g) => 100_000 * (t + 1) + g * 1000),
          fc.integer({ min: 100, max: 900 }),
        ),
      },
    ),
    { minLength: 1, maxLength: 60 },
  );
}

/** Runs `write`; while every spare record still waits for its grace period (FULL), waits and retries. */
async function retrying(map: Map32, write: () => void): Promise<void> {
  for (;;) {
    try {
      write();
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "FULL" || map.size >= map.maxCapacity) throw err;
      await map.reclaimable();
    }
  }
}

/** Runs commands on `map` in this thread (the same semantics as the worker's "write" mode). */
async function runHere(map: Map32, commands: readonly Command[]): Promise<void> {
  let n = 0;
  for (const [op, key, v] of commands) {
    if (++n % 16 === 0) await new Promise((r) => setImmediate(r));
    if (op === 0) await retrying(map, () => map.set(key, valuesFor(key, v)));
    else if (op === 1)
      await retrying(map, () => map.update(key, (cur) => ({ ...(cur ?? valuesFor(key, 0)), n: (cur?.n ?? 0) + 1 })));
    else if (op === 2) map.delete(key);
    else for (let i = 0; i < v; i++) await retrying(map, () => map.set(key + i, valuesFor(key + i, 1)));
  }
}

/** The JS `Map` model: key → { v, n } after running both threads' commands (own keys are disjoint). */
function model(a: readonly Command[], b: readonly Command[]): Map<number, { v: number; n: number }> {
  const m = new Map<number, { v: number; n: number }>();
  const counters = new Map<number, number>();
  for (const cmds of [a, b]) {
    for (const [op, key, v] of cmds) {
      if (op === 0) m.set(key, { v, n: 0 });
      else if (op === 1) {
        if (COUNTERS.includes(key)) counters.set(key, (counters.get(key) ?? 0) + 1);
        else m.set(key, { v: m.get(key)?.v ?? 0, n: (m.get(key)?.n ?? 0) + 1 });
      } else if (op === 2) m.delete(key);
      else for (let i = 0; i < v; i++) m.set(key + i, { v: 1, n: 0 });
    }
  }
  for (const [key, n] of counters) m.set(key, { v: 0, n });
  return m;
}

/** Values a reader may legitimately see for each key (every v some command writes there). */
function allowedValues(a: readonly Command[], b: readonly Command[]): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  const add = (key: number, v: number): void => {
    (out[key] ??= []).push(v);
  };
  for (const [op, key, v] of [...a, ...b]) {
    if (op === 0) add(key, v);
    else if (op === 1) add(key, 0);
    else if (op === 3) for (let i = 0; i < v; i++) add(key + i, 1);
  }
  for (const [op, key] of [...a, ...b]) {
    // an update of a key set earlier keeps that key's v
    if (op === 1 && !COUNTERS.includes(key))
      for (const [o2, k2, v2] of [...a, ...b]) if (o2 === 0 && k2 === key) add(key, v2);
  }
  return out;
}

describe("shared map across worker threads", () => {
  const domains: SharedDomain[] = [];
  afterEach(async () => {
    for (const d of domains.splice(0)) await d.close();
  });

  it("two writer threads and a reader thread agree with a JS Map model (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(commandsOf(0), commandsOf(1), async (mine, theirs) => {
        const domain = createSharedDomain({ maxThreads: 4 });
        domains.push(domain);
        const map = createSharedMap({ domain, key: "u32", value, capacity: 16, maxCapacity: 4096 });
        const words = new SharedArrayBuffer(4);
        const allowed = allowedValues(mine, theirs);
        const keys = [...new Set([...Object.keys(allowed).map(Number), ...COUNTERS, 5, 1005])];
        const reader = spawn(domain, map, { mode: "read", words, keys, allowed });
        const readerGone = exited(reader);
        await message(reader); // ready: reading from now on
        const readerReport = message<{ lookups: number; hits: number; torn: number; foreign: number; missed: number }>(
          reader,
        );
        const writer = spawn(domain, map, { mode: "write", commands: theirs });
        const writerDone = message<{ done: boolean }>(writer);
        await runHere(map, mine);
        await writerDone;
        Atomics.store(new Int32Array(words), 0, 1);
        const report = await readerReport;
        await reader.terminate();
        await readerGone;
        await writer.terminate();
        expect(report.lookups).toBeGreaterThan(0);
        expect(report.torn).toBe(0);
        expect(report.foreign).toBe(0);
        expect(report.missed).toBe(0);
        const expected = model(mine, theirs);
        const actual = new Map<number, { v: number; n: number }>();
        domain.read(() => map.forEach((h, key) => actual.set(key, { v: map.get(h, "v"), n: map.get(h, "n") })));
        expect(actual).toEqual(expected);
        expect(map.size).toBe(expected.size);
        // every record is live, waiting for its grace period, or was never handed out: none lost
        const s = map.stats();
        expect(s.records).toBe(s.size + s.pendingRecords);
        await domain.close();
      }),
      { numRuns: Number(process.env.RCU_MAP_MODEL_RUNS ?? 12) },
    );
  }, 180_000);

  it("a reader never misses a present key (lookup or forEach) while another thread grows the table through several resizes", async () => {
    const domain = createSharedDomain({ maxThreads: 3 });
    domains.push(domain);
    const map = createSharedMap({ domain, key: "u32", value, capacity: 16, maxCapacity: 40_000 });
    const stable = Array.from({ length: 500 }, (_, i) => 1_000_000 + i * 13);
    for (const key of stable) map.set(key, valuesFor(key, 1));
    const words = new SharedArrayBuffer(4);
    const reader = spawn(domain, map, { mode: "read", words, keys: [1], allowed: {}, stable });
    const gone = exited(reader);
    await message(reader);
    const report = message<{ lookups: number; torn: number; missed: number; walks: number; badWalks: number }>(reader);
    for (let key = 0; key < 30_000; key++) {
      await retrying(map, () => map.set(key, valuesFor(key, 2)));
      if (key % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    Atomics.store(new Int32Array(words), 0, 1);
    const r = await report;
    await reader.terminate();
    await gone;
    expect(map.stats().resizes).toBeGreaterThanOrEqual(5);
    expect(r.lookups).toBeGreaterThan(1000);
    expect(r.missed).toBe(0);
    expect(r.torn).toBe(0);
    expect(r.walks).toBeGreaterThan(0);
    expect(r.badWalks).toBe(0); // forEach: every key exactly once, across resizes
  }, 60_000);

  it("a worker killed inside update() (holding the key's lock) leaves no lock held once watched", async () => {
    const domain = createSharedDomain({ maxThreads: 3 });
    domains.push(domain);
    const map = createSharedMap({ domain, key: "u32", value, capacity: 64 });
    map.set(7, valuesFor(7, 1));
    const w = spawn(domain, map, { mode: "hold-update", key: 7 });
    await message(w);
    const gone = exited(w);
    await w.terminate();
    await gone;
    map.set(7, valuesFor(7, 2)); // would spin forever on a wedged lock
    map.update(7, (cur) => ({ ...cur!, n: cur!.n + 1 }));
    expect(domain.read(() => map.values(map.lookup(7)!))).toEqual({ v: 2, k: 7, chk: 13, n: 1 });
    expect(map.stats().recovered).toBeGreaterThan(0);
  }, 30_000);

  it.skipIf(!existsSync("/proc/self/task"))(
    "a synchronous set() on a stripe held by a just-terminated worker takes the lock back without its exit event (Linux)",
    async () => {
      // The thread that writes (a worker here, so that a hang fails the test instead of freezing the runner) is the
      // one that watches and terminates the holder: until it returns to its event loop, no exit listener can free
      // the lock. Where the OS exposes no thread ids, the exit listener is the only recovery: skipped there.
      const domain = createSharedDomain({ maxThreads: 3 });
      domains.push(domain);
      const map = createSharedMap({ domain, key: "u32", value, capacity: 64 });
      const key = 7;
      let sameStripe = key + 1;
      while (sameStripe === key || ((mix32(sameStripe) ^ mix32(key)) & (STRIPES - 1)) !== 0) sameStripe++;
      const expected = new Map<number, { v: number; n: number }>();
      for (const k of [key, 100, 200, 300]) {
        map.set(k, valuesFor(k, 1));
        expected.set(k, { v: 1, n: 0 });
      }
      const writer = spawn(domain, map, { mode: "kill-holder", key, sameStripe });
      const gone = exited(writer);
      let timer: NodeJS.Timeout | undefined;
      const report = await Promise.race([
        message<{ done: boolean; recovered: number }>(writer),
        new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), 15_000))),
      ]);
      clearTimeout(timer);
      if (report === "hung") await writer.terminate();
      expect(report).toMatchObject({ done: true });
      expect((report as { recovered: number }).recovered).toBeGreaterThan(0);
      await gone; // its event loop ran the holder's exit listener too: a second recovery pass finds nothing to undo
      expected.set(key, { v: 2, n: 1 });
      expected.set(sameStripe, { v: 3, n: 0 });
      const actual = new Map<number, { v: number; n: number }>();
      domain.read(() =>
        map.forEach((h, k) => {
          expect(map.values(h)).toEqual({ ...valuesFor(k, map.get(h, "v")), n: map.get(h, "n") });
          actual.set(k, { v: map.get(h, "v"), n: map.get(h, "n") });
        }),
      );
      expect(actual).toEqual(expected);
      expect(map.size).toBe(expected.size);
      map.set(key, valuesFor(key, 4)); // the stripe is free here too
      await domain.synchronize();
      expect(lostRecords(map, domain)).toBe(0);
    },
    30_000,
  );

  it("workers killed at random points of a write loop lose no record and hold no lock", async () => {
    const domain = createSharedDomain({ maxThreads: 4 });
    domains.push(domain);
    const span = 3000;
    const map = createSharedMap({ domain, key: "u32", value, capacity: 64, maxCapacity: span });
    for (let round = 0; round < 4; round++) {
      const ws = [0, 1].map(() => spawn(domain, map, { mode: "churn", span }));
      await Promise.all(ws.map((w) => message(w)));
      await new Promise((r) => setTimeout(r, 30 + 40 * round)); // how long they churn varies; nothing asserts on it
      await Promise.all(
        ws.map(async (w) => {
          const gone = exited(w);
          await w.terminate();
          await gone;
        }),
      );
    }
    // every stripe is free: writes to 2 × 1024 distinct keys from here would hang otherwise
    for (let key = 0; key < span; key++) await retrying(map, () => map.set(key, valuesFor(key, 5)));
    domain.read(() => {
      for (let key = 0; key < span; key++) {
        const h = map.lookup(key);
        expect(h).toBeDefined();
        expect(map.values(h!)).toEqual(valuesFor(key, 5));
      }
    });
    await domain.synchronize();
    expect(map.size).toBe(span);
    expect(lostRecords(map, domain)).toBe(0);
  }, 60_000);
});
