/**
 * `createSharedPending` / `attachSharedPending`: integer items pending in a SharedArrayBuffer. Single-thread
 * semantics (FIFO, expiry, dequeue, limits), then real workers: items retired by a worker that is terminated
 * before their grace period ends are still reclaimed by the main thread; several threads enqueueing and taking
 * at once hand every item out exactly once and never before its grace period.
 */
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { isRcuError } from "../errors.js";
import { attachSharedPending, createSharedPending } from "./shared-pending.js";
import { createSharedDomain } from "../shared.js";
import type { SharedDomain } from "../shared.js";
import { createDomain } from "../domain.js";
import { closedAfterEach } from "../test-support/closed-after-each.js";

const WORKER = new URL("../../test/fixtures/shared-pending-worker.mjs", import.meta.url);

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isRcuError(err) ? err.code : "not an RcuError";
  }
  return undefined;
}

describe("shared pending structure", () => {
  const make = closedAfterEach((maxThreads: number): SharedDomain => createSharedDomain({ maxThreads }));

  it("hands items out FIFO, only after their grace period; dequeue ignores expiry", async () => {
    const domain = make(2);
    const pending = createSharedPending(domain, { capacity: 5 });
    expect(pending.capacity).toBe(8); // rounded up to a power of two
    expect(pending.takeExpired()).toBe(-1);
    expect(pending.oldestCookie()).toBeUndefined();
    const guard = domain.readLock();
    pending.enqueue(3);
    pending.enqueue(1);
    pending.enqueue(2);
    expect(pending.size).toBe(3);
    expect(pending.oldestCookie()).toBe(domain.getState());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pending.takeExpired()).toBe(-1); // a reader that predates the enqueues is inside
    guard.unlock();
    await pending.whenExpired();
    expect(pending.takeExpired()).toBe(3);
    const seen: number[] = [];
    expect(pending.drainExpired((i) => seen.push(i))).toBe(2);
    expect(seen).toEqual([1, 2]);
    pending.enqueue(9);
    pending.enqueue(8);
    expect(pending.dequeue()).toBe(9); // oldest first, before its grace period
    expect(pending.takeExpired()).toBe(-1);
    expect(pending.stats()).toEqual({ enqueued: 5, taken: 3, dequeued: 1, pending: 1, waiters: 0, recoveredLocks: 0 });
    await pending.whenExpired();
    expect(pending.drainExpired(() => {}, 10)).toBe(1);
    expect(pending.dequeue()).toBe(-1);
  });

  it("a grace period in flight waits for older readers only: it may end under a reader that entered later", async () => {
    // The case fast-check found: lock, enqueue, let the grace period start, unlock, lock again. The second
    // reader entered after that grace period began, so it cannot hold the item; RCU lets the item expire.
    const domain = make(1);
    const pending = createSharedPending(domain, { capacity: 4 });
    const older = domain.readLock();
    const before = domain.getState();
    pending.enqueue(0);
    while (domain.getState() === before) await new Promise((resolve) => setTimeout(resolve, 1)); // it started
    older.unlock();
    const younger = domain.readLock();
    pending.enqueue(1); // enqueued under the younger reader: must wait for it
    await pending.whenExpired();
    expect(pending.takeExpired()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pending.takeExpired()).toBe(-1);
    younger.unlock();
    await pending.whenExpired();
    expect(pending.takeExpired()).toBe(1);
  });

  it("wraps around its ring many times without losing or duplicating an item", async () => {
    const domain = make(1);
    const pending = createSharedPending(domain, { capacity: 4 });
    const out: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 3; k++) pending.enqueue(round * 3 + k);
      await pending.whenExpired();
      pending.drainExpired((i) => out.push(i));
    }
    expect(out).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it("bad input is a clear error with a code", () => {
    const domain = make(1);
    const pending = createSharedPending(domain, { capacity: 2 });
    expect(codeOf(() => pending.enqueue(-1))).toBe("INVALID_OPTION");
    expect(codeOf(() => pending.enqueue(1.5))).toBe("INVALID_OPTION");
    expect(codeOf(() => pending.enqueue(2 ** 31))).toBe("INVALID_OPTION");
    pending.enqueue(0);
    pending.enqueue(1);
    expect(() => pending.enqueue(2)).toThrow(/full \(2 items\).*capacity/);
    expect(codeOf(() => pending.enqueue(2))).toBe("FULL");
    expect(pending.size).toBe(2);
    expect(codeOf(() => createSharedPending(domain, { capacity: 0 }))).toBe("INVALID_OPTION");
    const loop = createDomain();
    expect(() => createSharedPending(loop as unknown as SharedDomain, { capacity: 1 })).toThrow(/@rcu\/core\/shared/);
    void loop.close();
    expect(() => attachSharedPending({ buffer: new SharedArrayBuffer(1024), capacity: 4 }, domain)).toThrow(
      /shared pending handle/,
    );
    // a handle from another thread's structured clone attaches
    const again = attachSharedPending(structuredClone(pending.handle), domain);
    expect(again.size).toBe(2);
  });

  it("whenEnqueued waits (counted in stats().waiters) until another thread enqueues", async () => {
    const domain = make(4);
    const pending = createSharedPending(domain, { capacity: 64 });
    const first = pending.whenEnqueued();
    expect(pending.stats().waiters).toBe(1); // registered synchronously, before the worker exists
    const w = new Worker(WORKER, {
      workerData: { rcu: domain.handle, pending: pending.handle, mode: "retire", from: 3, to: 5 },
    });
    domain.watch(w);
    pending.watch(w);
    while (pending.size === 0) await pending.whenEnqueued(); // the documented loop: it may wake early
    await first;
    expect(pending.size).toBeGreaterThan(0);
    expect(pending.stats().waiters).toBe(0);
    expect(pending.dequeue()).toBe(3); // the worker's items, FIFO
    await w.terminate();
  }, 30_000);

  it("whenEnqueued and whenExpired reject with the signal's reason when it aborts, before or while waiting", async () => {
    const domain = make(1);
    const pending = createSharedPending(domain, { capacity: 4 });
    const reason = new Error("stop waiting");
    const outcome = (p: Promise<void>): Promise<unknown> =>
      p.then(
        () => "resolved",
        (err: unknown) => err,
      );
    expect(await outcome(pending.whenEnqueued({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(pending.stats().waiters).toBe(0); // an aborted signal registers no wait
    const controller = new AbortController();
    const enq = outcome(pending.whenEnqueued({ signal: controller.signal }));
    const guard = domain.readLock();
    pending.enqueue(1);
    expect(await enq).toBe("resolved"); // woken by the enqueue; a later abort changes nothing
    controller.abort(reason);
    const expiring = new AbortController();
    const exp = outcome(pending.whenExpired({ signal: expiring.signal })); // the reader holds it back
    expiring.abort(reason);
    expect(await exp).toBe(reason);
    guard.unlock();
    const late = new AbortController();
    const idle = outcome(pending.whenEnqueued({ signal: late.signal }));
    late.abort(reason);
    expect(await idle).toBe(reason);
    while (pending.stats().waiters !== 0) await new Promise((resolve) => setTimeout(resolve, 10)); // backstop ends it
    await pending.whenExpired();
    expect(pending.takeExpired()).toBe(1); // nothing was lost to the aborted waits
  });

  it("items retired by a worker terminated before their grace period ends are reclaimed by the main thread", async () => {
    const domain = make(4);
    const pending = createSharedPending(domain, { capacity: 64 });
    const guard = domain.readLock(); // blocks the grace period the worker requests
    const w = new Worker(WORKER, {
      workerData: { rcu: domain.handle, pending: pending.handle, mode: "retire", from: 10, to: 20 },
    });
    domain.watch(w);
    pending.watch(w);
    const msg = await new Promise<{ enqueued: number }>((resolve) => w.once("message", resolve));
    expect(msg.enqueued).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 30)); // let the worker start driving the grace period
    await w.terminate();
    expect(pending.size).toBe(10);
    expect(pending.takeExpired()).toBe(-1); // still inside: not expired
    guard.unlock();
    await pending.whenExpired();
    const out: number[] = [];
    pending.drainExpired((i) => out.push(i));
    expect(out).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  }, 30_000);

  it("3 workers and the main thread enqueue and take at once: every item exactly once, never before its grace period", async () => {
    const domain = make(8);
    const total = 3 * 400;
    const pending = createSharedPending(domain, { capacity: total });
    const data = new SharedArrayBuffer(4 * (1 + 2 * total));
    const words = new Int32Array(data);
    const ws = [0, 1, 2].map((k) => {
      const w = new Worker(WORKER, {
        workerData: {
          rcu: domain.handle,
          pending: pending.handle,
          mode: "churn",
          from: k * 400,
          to: (k + 1) * 400,
          data,
          total,
        },
      });
      domain.watch(w);
      pending.watch(w);
      return w;
    });
    const reports = ws.map((w) => new Promise<{ early: number }>((resolve) => w.once("message", resolve)));
    let mainEarly = 0;
    while (Atomics.load(words, 0) < total) {
      // the main thread is a reader too (its sections delay grace periods) and a taker
      domain.read(() => {
        for (let item; (item = pending.takeExpired()) !== -1;) {
          if (!domain.poll(Atomics.load(words, 1 + total + item) >>> 0)) mainEarly++;
          Atomics.add(words, 1 + item, 1);
          Atomics.add(words, 0, 1);
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const early = (await Promise.all(reports)).reduce((n, r) => n + r.early, mainEarly);
    await Promise.all(ws.map(exited));
    const counts = Array.from(words.subarray(1, 1 + total));
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    expect(early).toBe(0);
    expect(pending.size).toBe(0);
    expect(pending.stats().taken).toBe(total);
  }, 60_000);
});
