import { createManualDomain } from "@rcu/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createPool } from "./create-pool.js";
import { isPoolError, type PoolError } from "../pool-error.js";
import type { PoolOptions } from "./pool-options.js";
import { drive } from "../test-support/manual.js";

interface Conn {
  id: number;
  data: string;
}

function setup(options: Partial<PoolOptions<Conn>> = {}) {
  const domain = createManualDomain();
  let nextId = 0;
  const destroyed: number[] = [];
  const pool = createPool<Conn>({
    domain,
    create: () => ({ id: nextId++, data: "" }),
    reset: (c) => {
      c.data = "";
    },
    destroy: (c) => {
      destroyed.push(c.id);
    },
    ...options,
  });
  return { domain, pool, destroyed };
}

describe("createPool", () => {
  it("lends fresh objects with generation 1 and reuses a released one only after its grace period", () => {
    const { domain, pool } = setup();
    const a = pool.acquire();
    expect(a.generation).toBe(1);
    const obj = a.value;
    expect(a.release()).toBe(true);
    const b = pool.acquire();
    expect(b.value).not.toBe(obj); // still pending: a new object
    expect(pool.stats()).toMatchObject({ created: 2, pendingFree: 1, free: 0 });
    expect(domain.advance()).toBe(true);
    expect(pool.stats()).toMatchObject({ pendingFree: 0, free: 1 });
    const c = pool.acquire();
    expect(c.value).toBe(obj);
    expect(c.generation).toBe(2);
    expect(pool.stats()).toMatchObject({ created: 2, reusedFromFree: 1, reusedFromPending: 0, live: 2 });
  });

  it("never reuses an object while a reader that saw it is still inside", () => {
    const { domain, pool } = setup({ max: 1 });
    const lease = pool.acquire();
    const obj = lease.value;
    const guard = domain.readLock();
    lease.release();
    expect(domain.advance()).toBe(false);
    expect(pool.tryAcquire()).toBeUndefined();
    guard.unlock();
    expect(domain.endGracePeriod()).toBe(true);
    expect(pool.acquire().value).toBe(obj);
  });

  it("calls reset on reuse (after the generation bump), never on fresh objects", () => {
    const seen: Array<[number, number | undefined]> = [];
    const { domain, pool } = setup({
      reset: (c) => {
        seen.push([c.id, pool.generationOf(c)]);
        c.data = "";
      },
    });
    const a = pool.acquire();
    a.value.data = "dirty";
    a.release();
    domain.advance();
    const b = pool.acquire();
    expect(b.value.data).toBe("");
    expect(seen).toEqual([[0, 2]]);
  });

  it("throws EXHAUSTED at max, counting pending objects, with a message that says what to do", () => {
    const { domain, pool } = setup({ max: 2 });
    const a = pool.acquire();
    pool.acquire();
    a.release();
    expect(pool.stats()).toMatchObject({ owned: 2, live: 1, pendingFree: 1 });
    const err = (() => {
      try {
        pool.acquire();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isPoolError(err, "EXHAUSTED")).toBe(true);
    expect((err as PoolError).message).toMatch(/max 2 .*1 waiting for a grace period.*acquireAsync/);
    expect(pool.tryAcquire()).toBeUndefined();
    expect(pool.stats().exhausted).toBe(2);
    domain.advance();
    expect(pool.tryAcquire()?.generation).toBe(2);
  });

  it("refuses a stale release after the object was re-borrowed (the generic-pool/tarn ABA)", () => {
    // generic-pool and tarn key release on the object: holder A releases, B borrows the same object, then A's
    // second release (e.g. knex#6515's two release paths) hands B's connection back to the pool.
    const { domain, pool } = setup({ max: 1 });
    const leaseA = pool.acquire();
    const conn = leaseA.value;
    expect(leaseA.release()).toBe(true);
    domain.advance();
    const leaseB = pool.acquire();
    expect(leaseB.value).toBe(conn);
    expect(leaseA.release()).toBe(false); // stale: keyed on A's lease, not on the object
    expect(pool.isLive(conn, leaseB.generation)).toBe(true);
    expect(pool.stats()).toMatchObject({ live: 1, pendingFree: 0, free: 0, staleReleases: 1 });
    domain.advance();
    expect(pool.tryAcquire()).toBeUndefined(); // the object was not freed under B
    expect(leaseB.release()).toBe(true);
  });

  it("refuses the same ABA under typesafe reuse (re-borrowed before the grace period)", () => {
    const { pool } = setup({ max: 1, typesafe: true });
    const leaseA = pool.acquire();
    leaseA.release();
    const leaseB = pool.acquire(); // dequeued from pending
    expect(leaseB.value).toBe(leaseA.value);
    expect(leaseA.release()).toBe(false);
    leaseA[Symbol.dispose]();
    expect(pool.isLive(leaseB.value, leaseB.generation)).toBe(true);
    expect(pool.stats()).toMatchObject({ live: 1, reusedFromPending: 1 });
  });

  it("strict: a double or stale release throws STALE_RELEASE; disposing a released lease stays silent", () => {
    const { domain, pool } = setup({ strict: true, max: 1 });
    const a = pool.acquire();
    a.release();
    expect(() => a.release()).toThrow(
      expect.objectContaining({ code: "STALE_RELEASE", message: expect.stringMatching(/already released/) as unknown }),
    );
    expect(() => {
      a[Symbol.dispose]();
    }).not.toThrow();
    domain.advance();
    const b = pool.acquire();
    expect(() => a.release()).toThrow(
      expect.objectContaining({
        code: "STALE_RELEASE",
        message: expect.stringMatching(/lent again.*generation 2/) as unknown,
      }),
    );
    expect(pool.isLive(b.value, b.generation)).toBe(true);
  });

  it("releases on `using` scope exit", () => {
    const { pool } = setup();
    let obj: Conn;
    {
      using lease = pool.acquire();
      obj = lease.value;
      expect(pool.stats().live).toBe(1);
    }
    expect(pool.stats()).toMatchObject({ live: 0, pendingFree: 1 });
    expect(pool.isLive(obj, 1)).toBe(false);
  });

  it("generationOf: bumps on every lend, undefined for foreign or destroyed objects; isLive tracks the loan", () => {
    const { domain, pool } = setup({ maxFree: 0 });
    expect(pool.generationOf({})).toBeUndefined();
    const a = pool.acquire();
    const obj = a.value;
    expect(pool.generationOf(obj)).toBe(1);
    expect(pool.isLive(obj, 1)).toBe(true);
    expect(pool.isLive(obj, 2)).toBe(false);
    expect(pool.isLive({}, 1)).toBe(false);
    a.release();
    expect(pool.isLive(obj, 1)).toBe(false);
    expect(pool.generationOf(obj)).toBe(1);
    domain.advance(); // maxFree 0: destroyed instead of kept
    expect(pool.generationOf(obj)).toBeUndefined();
  });

  it("min pre-creates objects and maxFree destroys extras when their grace period ends, never below min", () => {
    const { domain, pool, destroyed } = setup({ min: 2, maxFree: 1 });
    expect(pool.stats()).toMatchObject({ created: 2, free: 2, owned: 2 });
    const leases = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    expect(pool.stats().created).toBe(4);
    for (const l of leases) l.release();
    domain.advance();
    // one kept in the free list (maxFree 1); the rest destroyed, but the pool keeps owning min = 2
    expect(pool.stats()).toMatchObject({ free: 2, owned: 2, destroyed: 2 });
    expect(destroyed).toHaveLength(2);
  });

  it("a throwing create gives CREATE_FAILED with the cause, counts nothing, and the next acquire works", () => {
    let fail = true;
    const domain = createManualDomain();
    const boom = new Error("no socket");
    const pool = createPool({
      domain,
      create: () => {
        if (fail) throw boom;
        return { ok: true };
      },
      max: 1,
    });
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: "CREATE_FAILED", cause: boom }));
    expect(pool.stats()).toMatchObject({ created: 0, owned: 0, live: 0, errors: 1 });
    fail = false;
    expect(pool.acquire().value).toEqual({ ok: true });
  });

  it("rejects create results that are not new objects", () => {
    const domain = createManualDomain();
    const shared = {};
    const same = createPool({ domain, create: () => shared });
    same.acquire();
    expect(() => same.acquire()).toThrow(
      expect.objectContaining({ code: "CREATE_FAILED", message: expect.stringMatching(/already owns/) as unknown }),
    );
    const notObject = createPool({ domain, create: () => null as unknown as object });
    expect(() => notObject.acquire()).toThrow(expect.objectContaining({ code: "CREATE_FAILED" }));
  });

  it("a throwing reset gives RESET_FAILED, destroys that object and loses no capacity", () => {
    let failReset = true;
    const { domain, pool, destroyed } = setup({
      max: 1,
      reset: () => {
        if (failReset) throw new Error("bad state");
      },
    });
    const a = pool.acquire();
    a.release();
    domain.advance();
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: "RESET_FAILED" }));
    expect(destroyed).toEqual([0]);
    expect(pool.stats()).toMatchObject({ owned: 0, live: 0, destroyed: 1, errors: 1 });
    failReset = false;
    expect(pool.acquire().value.id).toBe(1);
  });

  it("typesafe: a throwing reset of a dequeued object destroys it only after its grace period", () => {
    let failReset = true;
    const { domain, pool, destroyed } = setup({
      max: 1,
      typesafe: true,
      reset: () => {
        if (failReset) throw new Error("bad state");
      },
    });
    const a = pool.acquire();
    a.release();
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: "RESET_FAILED" }));
    expect(pool.stats()).toMatchObject({ pendingDestroy: 1, owned: 1 });
    expect(destroyed).toEqual([]); // a reader may still be reading it
    expect(pool.tryAcquire()).toBeUndefined(); // the doomed object is not reused and still counts toward max
    domain.advance();
    expect(destroyed).toEqual([0]);
    failReset = false;
    expect(pool.acquire().value.id).toBe(1);
  });

  it("a throwing destroy is reported (DESTROY_FAILED) and never stops the other destroys", async () => {
    const onError = vi.fn();
    const calls: number[] = [];
    const { domain, pool } = setup({
      onError,
      destroy: (c) => {
        calls.push(c.id);
        if (c.id === 0) throw new Error("close failed");
      },
    });
    const leases = [pool.acquire(), pool.acquire(), pool.acquire()];
    for (const l of leases) l.release();
    domain.advance();
    await pool.drain();
    expect(calls.sort()).toEqual([0, 1, 2]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({
      code: "DESTROY_FAILED",
      cause: expect.objectContaining({ message: "close failed" }) as unknown,
    });
    expect(pool.stats()).toMatchObject({ owned: 0, destroyed: 3 });
  });

  it("a throwing onError does not break the pool", async () => {
    const { domain, pool } = setup({
      onError: () => {
        throw new Error("reporter down");
      },
      destroy: () => {
        throw new Error("close failed");
      },
    });
    pool.acquire().release();
    const lease = pool.acquire();
    await drive(domain, pool.drain());
    expect(lease.release()).toBe(true); // late release: destroyed despite both throwing
    expect(pool.stats()).toMatchObject({ destroyed: 2, errors: 2 });
  });

  it.each([
    [{ max: 0 }, /max/],
    [{ max: 1.5 }, /max/],
    [{ min: -1 }, /min/],
    // Objects `min` asks for are made synchronously: a huge `min` must fail at once, not allocate for a minute
    // until a Map overflows with an uncoded RangeError.
    [{ min: 2 ** 31 }, /min.*from 0 to 16777216/],
    [{ min: 2 ** 24 + 1, max: Infinity }, /min.*from 0 to 16777216/],
    [{ min: 1e10 }, /min/],
    [{ min: 3, max: 2 }, /min.*must not exceed/],
    [{ maxFree: -1 }, /maxFree/],
    [{ typesafe: "yes" }, /typesafe/],
    [{ create: undefined }, /create/],
    [{ domain: {} }, /domain/],
    [{ reset: 1 }, /reset/],
  ])("rejects bad options %o with INVALID_OPTION", (bad, message) => {
    const domain = createManualDomain();
    const options = { domain, create: () => ({}), ...bad } as unknown as PoolOptions<object>;
    expect(() => createPool(options)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION", message: expect.stringMatching(message) as unknown }),
    );
  });

  it("reports the most objects a pool can own (2^24) as its max when asked for more or for Infinity", () => {
    const domain = createManualDomain();
    expect(createPool({ domain, create: () => ({}) }).stats().max).toBe(2 ** 24);
    expect(createPool({ domain, create: () => ({}), max: 2 ** 40 }).stats().max).toBe(2 ** 24);
    expect(createPool({ domain, create: () => ({}), max: 8 }).stats().max).toBe(8);
  });
});
