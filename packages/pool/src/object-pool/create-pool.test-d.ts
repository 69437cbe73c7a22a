import type { RcuDomain } from "@rcu/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createPool,
  isPoolError,
  PoolError,
  type Lease,
  type Pool,
  type PoolErrorCode,
  type PoolStats,
} from "../index.js";

declare const domain: RcuDomain;

class Vec {
  x = 0;
  clear(): void {
    this.x = 0;
  }
}

describe("createPool types", () => {
  it("infers T from create and threads it through leases", () => {
    const pool = createPool({ domain, create: () => new Vec(), reset: (v) => v.clear() });
    expectTypeOf(pool).toEqualTypeOf<Pool<Vec>>();
    expectTypeOf(pool.acquire()).toEqualTypeOf<Lease<Vec>>();
    expectTypeOf(pool.acquire().value).toEqualTypeOf<Vec>();
    expectTypeOf(pool.tryAcquire()).toEqualTypeOf<Lease<Vec> | undefined>();
    expectTypeOf(pool.acquireAsync()).toEqualTypeOf<Promise<Lease<Vec>>>();
    expectTypeOf(pool.acquire()).toMatchTypeOf<Disposable>();
    expectTypeOf(pool).toMatchTypeOf<AsyncDisposable>();
  });

  it("has the fixed Lease and Pool members", () => {
    const pool = createPool({ domain, create: () => ({ id: 0 }) });
    const lease = pool.acquire();
    expectTypeOf(lease.generation).toEqualTypeOf<number>();
    expectTypeOf(lease.release).returns.toEqualTypeOf<boolean>();
    expectTypeOf(pool.generationOf).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf(pool.isLive).parameters.toEqualTypeOf<[object, number]>();
    expectTypeOf(pool.stats()).toEqualTypeOf<PoolStats>();
    expectTypeOf(pool.stats().pendingFree).toEqualTypeOf<number>();
    expectTypeOf(pool.drain()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(pool.acquireAsync).parameter(0).toEqualTypeOf<{ readonly signal?: AbortSignal } | undefined>();
  });

  it("pools only objects, and callbacks see the pooled type", () => {
    // @ts-expect-error a pool lends objects (generations are keyed on identity), not primitives
    createPool({ domain, create: () => 42 });
    createPool<{ name: string }>({
      domain,
      create: () => ({ name: "" }),
      // @ts-expect-error reset receives the pooled type
      reset: (value: { other: number }) => value,
    });
    // @ts-expect-error a domain is required
    createPool({ create: () => ({}) });
    createPool({ domain, create: () => ({}), destroy: async () => {} }); // async destroy is fine
  });

  it("PoolError carries a code union and isPoolError narrows", () => {
    const err: unknown = new PoolError("EXHAUSTED", "full");
    if (isPoolError(err, "EXHAUSTED")) {
      expectTypeOf(err).toEqualTypeOf<PoolError>();
      expectTypeOf(err.code).toEqualTypeOf<PoolErrorCode>();
    }
    // @ts-expect-error codes are a closed union
    new PoolError("NOPE", "x");
  });
});
