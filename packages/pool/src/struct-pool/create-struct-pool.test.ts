/**
 * `createStructPool` on one thread: handles and generations, release keyed on the lend, recycling only after a
 * grace period (or type-stably with `typesafe`), both free-list variants, errors with codes, drain.
 */
import { createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { createDomain } from "@rcu/core";
import { afterEach, describe, expect, it } from "vitest";
import { attachStructPool, createStructPool } from "./create-struct-pool.js";
import { isPoolError } from "../pool-error.js";

const layout = { x: "f64", id: "u32", small: "i8" } as const;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPoolError(err) ? err.code : `not a PoolError: ${String(err)}`;
  }
  return undefined;
}

describe.each(["lock", "tagged"] as const)("createStructPool (freeList: %s)", (freeList) => {
  const domains: SharedDomain[] = [];
  const make = (): SharedDomain => {
    const d = createSharedDomain({ maxThreads: 2 });
    domains.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of domains.splice(0)) await d.close();
  });

  it("lends every record once, with typed fields and generation-carrying handles", () => {
    const pool = createStructPool({ domain: make(), layout, capacity: 3, freeList });
    const hs = [pool.acquire(), pool.acquire(), pool.acquire()];
    expect(new Set(hs.map((h) => pool.indexOf(h)))).toEqual(new Set([0, 1, 2]));
    for (const h of hs) {
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(pool.isLive(h)).toBe(true);
      expect(pool.generationOf(pool.indexOf(h)) % 2).toBe(1);
    }
    expect(pool.tryAcquire()).toBe(-1);
    expect(codeOf(() => pool.acquire())).toBe("EXHAUSTED");
    pool.set(hs[0]!, "x", 1.5);
    pool.set(hs[0]!, "id", 2 ** 32 - 1);
    pool.set(hs[0]!, "small", 200); // int8 wraps
    expect(pool.get(hs[0]!, "x")).toBe(1.5);
    expect(pool.get(hs[0]!, "id")).toBe(2 ** 32 - 1);
    expect(pool.get(hs[0]!, "small")).toBe(-56);
    expect(pool.field("x")).toBeInstanceOf(Float64Array);
    expect(pool.field("x")[pool.indexOf(hs[0]!)]).toBe(1.5);
    expect(pool.stats()).toMatchObject({ capacity: 3, live: 3, free: 0, pendingFree: 0 });
  });

  it("a released record is reused only after a grace period; stale and double releases never free another lend", async () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 2, freeList });
    const a = pool.acquire();
    const b = pool.acquire();
    const guard = domain.readLock();
    expect(pool.release(a)).toBe(true);
    expect(pool.isLive(a)).toBe(false);
    expect(pool.release(a)).toBe(false); // second release
    expect(pool.stats()).toMatchObject({ live: 1, pendingFree: 1 });
    expect(pool.tryAcquire()).toBe(-1); // a reader that predates the release is inside
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.tryAcquire()).toBe(-1);
    guard.unlock();
    await pool.reclaimable();
    const c = pool.acquire();
    expect(pool.indexOf(c)).toBe(pool.indexOf(a));
    expect(c).not.toBe(a);
    expect(pool.generationOf(pool.indexOf(c))).toBe(pool.generationOf(pool.indexOf(a)));
    expect(pool.release(a)).toBe(false); // stale: the record is lent again (as c)
    expect(pool.isLive(c)).toBe(true);
    expect(codeOf(() => pool.set(a, "x", 1))).toBe("STALE_HANDLE");
    expect(pool.stats().reusedFromPending).toBe(1);
    expect(pool.release(b)).toBe(true);
    expect(pool.release(c)).toBe(true);
  });

  it("reclaim() moves records whose grace period ended to the free list", async () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 4, freeList });
    const hs = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    for (const h of hs) pool.release(h);
    expect(pool.reclaim()).toBe(0); // the grace period has not ended yet
    await pool.reclaimable();
    expect(pool.reclaim(3)).toBe(3);
    expect(pool.stats()).toMatchObject({ free: 3, pendingFree: 1 });
    expect(pool.reclaim()).toBe(1);
    const again = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    expect(new Set(again.map((h) => pool.indexOf(h))).size).toBe(4);
    expect(pool.stats().reusedFromPending).toBe(0); // all came from the free list
  });

  it("typesafe: re-lends a pending record at once, generation bumped before the new owner writes", () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 1, typesafe: true, freeList });
    const a = pool.acquire();
    pool.set(a, "x", 1);
    const guard = domain.readLock();
    // a reader's revalidation pattern
    const seen = pool.isLive(a) ? pool.get(a, "x") : undefined;
    pool.release(a);
    const b = pool.acquire(); // dequeued while the reader is still inside
    pool.set(b, "x", 2);
    expect(pool.indexOf(b)).toBe(pool.indexOf(a));
    expect(pool.isLive(a)).toBe(false); // the reader's re-check sees the reuse
    expect(seen).toBe(1);
    expect(pool.stats().reusedEarly).toBe(1);
    guard.unlock();
  });

  it("strict release throws STALE_RELEASE; bad options and handles are clear errors", () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 2, strict: true, freeList });
    const h = pool.acquire();
    pool.release(h);
    expect(codeOf(() => pool.release(h))).toBe("STALE_RELEASE");
    // not a handle at all (forged): an error in every mode, never a stale release that might match a record
    expect(codeOf(() => pool.release(Number.NaN))).toBe("STALE_HANDLE");
    expect(codeOf(() => pool.release(-3))).toBe("STALE_HANDLE");
    expect(codeOf(() => pool.get(2 ** 21 + 7, "x"))).toBe("STALE_HANDLE");
    expect(codeOf(() => pool.get(h, "nope" as "x"))).toBe("INVALID_OPTION");
    expect(codeOf(() => pool.field("nope" as "x"))).toBe("INVALID_OPTION");
    expect(codeOf(() => pool.generationOf(5))).toBe("INVALID_OPTION");
    expect(pool.isLive(0)).toBe(false);
    expect(pool.isLive(-1)).toBe(false);
    const loop = createDomain();
    expect(() => createStructPool({ domain: loop as unknown as SharedDomain, layout, capacity: 1 })).toThrow(
      /shared domain/,
    );
    void loop.close();
    expect(codeOf(() => createStructPool({ domain, layout, capacity: 0 }))).toBe("INVALID_OPTION");
    expect(codeOf(() => createStructPool({ domain, layout, capacity: 2 ** 21 + 1 }))).toBe("INVALID_OPTION");
    expect(() => createStructPool({ domain, layout: { x: "f128" } as never, capacity: 1 })).toThrow(
      /layout\.x is "f128"/,
    );
    expect(codeOf(() => createStructPool({ domain, layout: {}, capacity: 1 }))).toBe("INVALID_OPTION");
    expect(codeOf(() => createStructPool({ domain, layout, capacity: 1, freeList: "x" as "lock" }))).toBe(
      "INVALID_OPTION",
    );
    expect(codeOf(() => attachStructPool({ ...pool.handle, buffer: new SharedArrayBuffer(1024) }, domain))).toBe(
      "INVALID_OPTION",
    );
  });

  it("acquireAsync waits for a released record's grace period, then lends it", async () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 1, freeList });
    const h = pool.acquire();
    const guard = domain.readLock(); // a reader that may still see the record
    pool.release(h);
    let got: number | undefined;
    const waiting = pool.acquireAsync().then((x) => (got = x));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toBeUndefined(); // exhausted: its only record waits for the grace period
    guard.unlock();
    await waiting;
    expect(pool.indexOf(got!)).toBe(pool.indexOf(h));
    expect(pool.isLive(got!)).toBe(true);
    expect(pool.isLive(h)).toBe(false);
    expect(pool.stats()).toMatchObject({ live: 1, pendingFree: 0 });
  });

  it("acquireAsync rejects ABORTED when its signal aborts (before or while waiting) and lends nothing", async () => {
    const pool = createStructPool({ domain: make(), layout, capacity: 1, freeList });
    pool.acquire();
    const code = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => "resolved",
        (err: unknown) => (isPoolError(err) ? err.code : String(err)),
      );
    expect(await code(pool.acquireAsync({ signal: AbortSignal.abort() }))).toBe("ABORTED");
    const controller = new AbortController();
    const waiting = code(pool.acquireAsync({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("gave up"));
    expect(await waiting).toBe("ABORTED");
    expect(pool.stats().live).toBe(1);
    expect(pool.tryAcquire()).toBe(-1);
  });

  it("drain() while acquireAsync waits rejects it with CLOSED", async () => {
    const pool = createStructPool({ domain: make(), layout, capacity: 1, freeList });
    pool.acquire();
    const waiting = pool.acquireAsync().then(
      () => "resolved",
      (err: unknown) => (isPoolError(err) ? err.code : String(err)),
    );
    await pool.drain();
    expect(await waiting).toBe("CLOSED");
  });

  it("a structured clone of the handle attaches to the same records", () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 4, freeList });
    const other = attachStructPool(structuredClone(pool.handle), domain);
    const h = other.acquire();
    other.set(h, "x", 42);
    expect(pool.get(h, "x")).toBe(42);
    expect(pool.isLive(h)).toBe(true);
    expect(pool.release(h)).toBe(true);
    expect(other.isLive(h)).toBe(false);
  });

  it("drain() closes the pool in every view and waits for every released record's grace period", async () => {
    const domain = make();
    const pool = createStructPool({ domain, layout, capacity: 4, freeList });
    const other = attachStructPool(pool.handle, domain);
    const h = pool.acquire();
    pool.release(h);
    const held = pool.acquire();
    await pool.drain();
    expect(pool.closed && other.closed).toBe(true);
    expect(pool.stats()).toMatchObject({ pendingFree: 0, live: 1 });
    expect(codeOf(() => other.acquire())).toBe("CLOSED");
    expect(pool.release(held)).toBe(true); // releases keep working
  });

  it("the domain's close() closes the pool", async () => {
    const domain = createSharedDomain({ maxThreads: 1 });
    const pool = createStructPool({ domain, layout, capacity: 1, freeList });
    await domain.close();
    expect(codeOf(() => pool.acquire())).toBe("CLOSED");
  });
});
