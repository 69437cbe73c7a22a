import { createDomain } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import { describe, expect, it } from "vitest";
import { createPool } from "./create-pool.js";
import { drive, tick } from "../test-support/manual.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("drain and the domain's close", () => {
  it("domain.close() drains the pool: free objects at once, pending ones after their grace period", async () => {
    const domain = createManualDomain();
    const destroyed: number[] = [];
    let nextId = 0;
    const pool = createPool({ domain, create: () => ({ id: nextId++ }), destroy: (o) => void destroyed.push(o.id) });
    const [a, b, c] = [pool.acquire(), pool.acquire(), pool.acquire()];
    a.release();
    domain.advance(); // a → free
    b.release(); // b → pending
    const closing = domain.close();
    expect(pool.closed).toBe(true);
    expect(destroyed).toEqual([0]);
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: "CLOSED" }));
    expect(() => pool.tryAcquire()).toThrow(expect.objectContaining({ code: "CLOSED" }));
    await expect(pool.acquireAsync()).rejects.toMatchObject({ code: "CLOSED" });
    await drive(domain, closing);
    expect(destroyed).toEqual([0, 1]);
    // c was still lent: releasing it late destroys it
    expect(c.release()).toBe(true);
    expect(destroyed).toEqual([0, 1, 2]);
    expect(pool.stats()).toMatchObject({ owned: 0, live: 0, created: 3, destroyed: 3 });
    await expect(pool.drain()).resolves.toBeUndefined();
  });

  it("drain() waits for pending grace periods and async destroys, and returns the same promise", async () => {
    const domain = createManualDomain();
    const gate = deferred();
    let finished = 0;
    const pool = createPool({
      domain,
      create: () => ({}),
      destroy: async () => {
        await gate.promise;
        finished += 1;
      },
    });
    pool.acquire().release();
    const drained = pool.drain();
    expect(pool.drain()).toBe(drained);
    let done = false;
    void drained.then(() => {
      done = true;
    });
    domain.advance(); // grace period over: process destroys (async)
    await tick();
    expect(done).toBe(false);
    expect(pool.stats()).toMatchObject({ destroyed: 1, owned: 0 });
    gate.resolve();
    await drained;
    expect(finished).toBe(1);
  });

  it("drain() from inside a domain callback rejects (it would wait for itself); a later drain() works", async () => {
    const domain = createManualDomain();
    const pool = createPool({ domain, create: () => ({}) });
    pool.acquire().release();
    let inner: Promise<void> | undefined;
    domain.defer(() => {
      inner = pool.drain();
    });
    domain.advance();
    await expect(inner).rejects.toMatchObject({ code: "INSIDE_CALLBACK" });
    await drive(domain, pool.drain());
    expect(pool.stats().owned).toBe(0);
  });

  it("with a real srcu domain: reuse after synchronize, and close() awaits async destroys of pending objects", async () => {
    const domain = createDomain({ flavor: "srcu" });
    const log: string[] = [];
    const pool = createPool({
      domain,
      create: () => ({ n: 0 }),
      destroy: async () => {
        await tick();
        log.push("destroyed");
      },
    });
    const a = pool.acquire();
    const obj = a.value;
    const guard = domain.readLock();
    a.release();
    const sync = domain.synchronize();
    await tick();
    expect(pool.acquire().value).not.toBe(obj); // the reader is still inside
    guard.unlock();
    await sync;
    await tick();
    const b = pool.acquire();
    expect(b.value).toBe(obj);
    b.release();
    await domain.close();
    log.push("closed");
    expect(log).toEqual(["destroyed", "closed"]);
    expect(pool.stats()).toMatchObject({ live: 1, pendingFree: 0, free: 0 }); // the first fresh object is still lent
  });

  it("with a real loop domain: a released object is back after a grace period, and acquireAsync waits for it", async () => {
    const domain = createDomain();
    const pool = createPool({ domain, create: () => ({ n: 0 }), max: 1 });
    const lease = pool.acquire();
    const obj = lease.value;
    const waiting = pool.acquireAsync();
    lease.release();
    expect(pool.tryAcquire()).toBeUndefined();
    const next = await waiting;
    expect(next.value).toBe(obj);
    expect(next.generation).toBe(2);
    next.release();
    await domain.synchronize();
    expect(pool.stats()).toMatchObject({ free: 1, pendingFree: 0 });
    await domain.close();
    expect(pool.stats()).toMatchObject({ owned: 0, destroyed: 1 });
  });

  it("supports await using (asyncDispose = drain)", async () => {
    const domain = createManualDomain();
    const destroyed: object[] = [];
    {
      await using pool = createPool({ domain, create: () => ({}), destroy: (o) => void destroyed.push(o), min: 2 });
      expect(pool.stats().free).toBe(2);
    }
    expect(destroyed).toHaveLength(2);
  });
});
