/**
 * Hostile values from user code against both pools, one test per class of attack: values whose `String()`
 * throws, broken thenables from `destroy`, forged struct handles, layouts with odd keys, re-entrant factories,
 * destroys that never settle, bad signals and misspelt options. Each must either work or fail with a coded
 * `PoolError`, and never strand an object, hang `drain()`/`close()` or escape as an uncaught exception.
 */
import { isRcuError } from "@rcu/core";
import { createSharedDomain } from "@rcu/core/shared";
import { createManualDomain } from "@rcu/core/testing";
import { describe, expect, it } from "vitest";
import { expectNoEscapes } from "../../core/src/test-support/escapes.js";
import { createPool } from "./object-pool/create-pool.js";
import { createStructPool } from "./struct-pool/create-struct-pool.js";
import { isPoolError } from "./pool-error.js";
import { drive } from "./test-support/manual.js";

expectNoEscapes();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isPoolError(err) ? err.code : `not a PoolError: ${Object.prototype.toString.call(err)}`;
  }
  return "no throw";
}

const rejectionCode = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "resolved",
    (err: unknown) => (isPoolError(err) ? err.code : isRcuError(err) ? `RcuError ${err.code}` : "raw rejection"),
  );

/** A thrown value whose `String()` throws (typed as an Error so the hostile throws below type-check). */
const nullProto = (): Error => Object.create(null) as Error;

describe("values whose String() throws", () => {
  it("create/reset throwing Object.create(null) become CREATE_FAILED/RESET_FAILED; destroy rejecting with it is DESTROY_FAILED", async () => {
    const errors: string[] = [];
    const domain = createManualDomain();
    let failCreate = true;
    const pool = createPool({
      domain,
      create: () => {
        if (failCreate) throw nullProto();
        return {};
      },
      reset: () => {
        throw nullProto();
      },
      destroy: () => Promise.reject(nullProto()),
      onError: (err) => errors.push(err.code),
    });
    expect(codeOf(() => pool.acquire())).toBe("CREATE_FAILED");
    failCreate = false;
    pool.acquire().release();
    domain.advance();
    expect(codeOf(() => pool.acquire())).toBe("RESET_FAILED"); // the object is destroyed: its destroy rejects
    await drive(domain, pool.drain());
    expect(errors).toEqual(["DESTROY_FAILED"]);
  });
});

describe("thenables returned by destroy", () => {
  it("a destroy returning a thenable whose then (or then getter) throws is DESTROY_FAILED and drain() resolves", async () => {
    const errors: string[] = [];
    const domain = createManualDomain();
    const results = [
      {
        then: () => {
          throw new Error("then");
        },
      },
      Object.defineProperty({}, "then", {
        get: () => {
          throw new Error("getter");
        },
      }),
      {
        then: (ok: () => void, fail: (e: unknown) => void) => {
          ok();
          fail(new Error("late"));
        },
      },
    ];
    let i = 0;
    const pool = createPool({
      domain,
      create: () => ({}),
      destroy: () => results[i++] as PromiseLike<void>,
      onError: (err) => errors.push(err.code),
    });
    const leases = [pool.acquire(), pool.acquire(), pool.acquire()];
    for (const lease of leases) lease.release();
    domain.advance();
    expect(await rejectionCode(drive(domain, pool.drain()))).toBe("resolved");
    expect(errors).toEqual(["DESTROY_FAILED", "DESTROY_FAILED"]);
    expect(pool.stats().destroyed).toBe(3);
  });
});

describe("bad signals", () => {
  it("acquireAsync({ signal: {} }) is INVALID_OPTION in both pools", async () => {
    const domain = createManualDomain();
    const pool = createPool({ domain, create: () => ({}), max: 1 });
    expect(await rejectionCode(pool.acquireAsync({ signal: {} as AbortSignal }))).toBe("INVALID_OPTION");
    const held = pool.acquire();
    expect(await rejectionCode(pool.acquireAsync({ signal: {} as AbortSignal }))).toBe("INVALID_OPTION");
    expect(pool.stats().waiters).toBe(0);
    held.release();
    const shared = createSharedDomain({ maxThreads: 1 });
    const structs = createStructPool({ domain: shared, layout: { x: "f64" }, capacity: 1 });
    expect(await rejectionCode(structs.acquireAsync({ signal: {} as AbortSignal }))).toBe("INVALID_OPTION");
    expect(structs.stats().live).toBe(0);
    await shared.close();
    shared.detach();
  });
});

describe("forged struct pool handles", () => {
  it("fractional, NaN, string and negative handles are coded errors, never another record", async () => {
    const shared = createSharedDomain({ maxThreads: 1 });
    const pool = createStructPool({ domain: shared, layout: { x: "f64" }, capacity: 4 });
    const h = pool.acquire();
    pool.set(h, "x", 42);
    for (const forged of [h + 0.5, NaN, String(h), -h, Infinity, Symbol(), 1n, null]) {
      expect(codeOf(() => pool.release(forged as number))).toBe("STALE_HANDLE");
      expect(codeOf(() => pool.get(forged as number, "x"))).toBe("STALE_HANDLE");
      expect(codeOf(() => pool.set(forged as number, "x", 1))).toBe("STALE_HANDLE");
      expect(codeOf(() => pool.indexOf(forged as number))).toBe("STALE_HANDLE");
      expect(pool.isLive(forged as number)).toBe(false);
    }
    expect(codeOf(() => pool.generationOf(Symbol() as never))).toBe("INVALID_OPTION");
    expect(pool.isLive(h)).toBe(true);
    expect(pool.get(h, "x")).toBe(42);
    expect(pool.release(h)).toBe(true);
    await shared.close();
    shared.detach();
  });

  it("a layout field named __proto__ or keyed by a symbol is refused, never silently dropped", async () => {
    const shared = createSharedDomain({ maxThreads: 1 });
    const proto = JSON.parse('{ "x": "f64", "__proto__": "u8" }') as { x: "f64" };
    expect(Object.keys(proto)).toContain("__proto__");
    expect(codeOf(() => createStructPool({ domain: shared, layout: proto, capacity: 1 }))).toBe("INVALID_OPTION");
    const sym = { x: "f64", [Symbol("y")]: "u8" } as { x: "f64" };
    expect(codeOf(() => createStructPool({ domain: shared, layout: sym, capacity: 1 }))).toBe("INVALID_OPTION");
    await shared.close();
    shared.detach();
  });
});

describe("re-entrant factories", () => {
  it("a create() that calls acquire() is refused with REENTRANT: a max: 1 pool never owns two objects", async () => {
    const domain = createManualDomain();
    let inner = "not called";
    const pool = createPool<object>({
      domain,
      max: 1,
      create: () => {
        inner = codeOf(() => pool.acquire());
        return {};
      },
    });
    const lease = pool.acquire();
    expect(inner).toBe("REENTRANT");
    expect(pool.stats().owned).toBe(1);
    lease.release();
    await drive(domain, pool.drain());
  });
});

describe("destroys that never settle", () => {
  it("a destroy() that never settles does not hang pool.drain() or domain.close(): SETTLE_TIMEOUT is reported", async () => {
    const reported: string[] = [];
    const domain = createManualDomain({
      settleTimeoutMs: 20,
      onError: (err) => reported.push(isRcuError(err) ? err.code : "raw"),
    });
    const pool = createPool({ domain, create: () => ({}), destroy: () => new Promise<void>(() => {}) });
    pool.acquire().release();
    domain.advance();
    expect(await rejectionCode(drive(domain, pool.drain(), { rounds: 200 }))).toBe("resolved");
    expect(reported).toContain("SETTLE_TIMEOUT");
    const pool2 = createPool({ domain, create: () => ({}), destroy: () => new Promise<void>(() => {}) });
    pool2.acquire().release();
    expect(await rejectionCode(drive(domain, domain.close(), { rounds: 200 }))).toBe("resolved");
    expect(reported.filter((c) => c === "SETTLE_TIMEOUT")).toHaveLength(2);
  });
});

describe("wrong types and unknown options", () => {
  it("unknown keys are INVALID_OPTION with a did-you-mean; null options are INVALID_OPTION", async () => {
    const domain = createManualDomain();
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return isPoolError(err, "INVALID_OPTION") ? err.message : "wrong error";
      }
      return "no throw";
    };
    expect(message(() => createPool({ domain, create: () => ({}), maxx: 1 } as never))).toContain("did you mean `max`");
    expect(message(() => createPool(null as never))).not.toBe("wrong error");
    const shared = createSharedDomain({ maxThreads: 1 });
    expect(message(() => createStructPool({ domain: shared, layout: { x: "f64" }, capacty: 1 } as never))).toContain(
      "did you mean `capacity`",
    );
    expect(codeOf(() => createStructPool(null as never))).toBe("INVALID_OPTION");
    await shared.close();
    shared.detach();
  });
});
