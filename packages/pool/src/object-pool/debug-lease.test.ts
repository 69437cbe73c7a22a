import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createManualDomain } from "@rcu/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createPool } from "./create-pool.js";
import type { Lease } from "./lease.js";
import type { PoolError } from "../pool-error.js";
import { tick } from "../test-support/manual.js";

class Counter {
  #count = 0;
  label = "c";
  bump(): number {
    this.#count += 1;
    return this.#count;
  }
}

function useAfterRelease(fn: () => unknown): PoolError {
  try {
    fn();
  } catch (err) {
    return err as PoolError;
  }
  throw new Error("expected USE_AFTER_RELEASE");
}

function releaseHere(lease: Lease<object>): void {
  lease.release();
}

describe("debug pools", () => {
  it("a released lease's value throws USE_AFTER_RELEASE on any use, naming where it was released", () => {
    const domain = createManualDomain();
    const pool = createPool({ domain, create: () => ({ n: 1, nested: { m: 2 } }), debug: true, name: "conns" });
    const lease = pool.acquire();
    const value = lease.value;
    expect(value.n).toBe(1);
    value.n = 5;
    releaseHere(lease);
    const uses: Array<() => unknown> = [
      () => value.n,
      () => {
        value.n = 2;
      },
      () => "n" in value,
      () => Object.keys(value),
      () => ({ ...value }),
      () => delete (value as Partial<typeof value>).nested,
      () => Object.getPrototypeOf(value) as unknown,
      () => lease.value,
    ];
    for (const use of uses) {
      const err = useAfterRelease(use);
      expect(err.code).toBe("USE_AFTER_RELEASE");
      expect(err.message).toMatch(/Pool "conns"/);
      expect(err.message).toMatch(/releaseHere .*debug-lease\.test\.ts/); // the release call site
    }
  });

  it("the guarded value behaves like the object while leased (typed arrays, Map, #private methods)", () => {
    const domain = createManualDomain();
    const bytes = createPool({ domain, create: () => new Uint8Array(4), debug: true });
    const b = bytes.acquire();
    b.value.fill(7);
    b.value[1] = 9;
    expect([b.value.length, b.value[0], b.value[1], Array.from(b.value)]).toEqual([4, 7, 9, [7, 9, 7, 7]]);
    const maps = createPool({ domain, create: () => new Map<string, number>(), debug: true });
    const m = maps.acquire();
    m.value.set("a", 1);
    expect([m.value.get("a"), m.value.size]).toEqual([1, 1]);
    const counters = createPool({ domain, create: () => new Counter(), debug: true });
    const c = counters.acquire();
    const bump = c.value.bump;
    expect(c.value.bump()).toBe(1);
    expect(c.value.bump).toBe(bump); // stable method identity
    expect(counters.generationOf(c.value)).toBe(1); // the guard is recognised as the pooled object
    expect(counters.isLive(c.value, c.generation)).toBe(true);
    c.release();
    expect(useAfterRelease(() => bump.call(undefined)).code).toBe("USE_AFTER_RELEASE"); // a method taken earlier
  });

  it("typesafe + debug does not poison (readers may read released objects) but still tracks stacks", () => {
    const domain = createManualDomain();
    const pool = createPool({ domain, create: () => ({ n: 1 }), debug: true, typesafe: true, strict: true });
    const lease = pool.acquire();
    const value = lease.value;
    releaseHere(lease);
    expect(value.n).toBe(1);
    expect(() => lease.release()).toThrow(/already released.*First released at:\n.*releaseHere/s);
  });

  it("strict + debug: a double release names the first release", () => {
    const domain = createManualDomain();
    const pool = createPool({ domain, create: () => ({}), debug: true, strict: true });
    const lease = pool.acquire();
    releaseHere(lease);
    expect(() => lease.release()).toThrow(
      expect.objectContaining({
        code: "STALE_RELEASE",
        message: expect.stringMatching(/First released at:\n.*releaseHere/s) as unknown,
      }),
    );
  });

  it("reports a lease garbage-collected without release (LEAKED_LEASE, with the acquire stack)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const domain = createManualDomain();
    const onError = vi.fn();
    const pool = createPool({ domain, create: () => ({}), debug: true, onError, name: "leaky" });
    function leakOne(): void {
      pool.acquire(); // dropped without release
    }
    function releaseOne(): void {
      pool.acquire().release();
    }
    leakOne();
    releaseOne();
    for (let i = 0; i < 20 && onError.mock.calls.length === 0; i += 1) {
      gc();
      await tick();
    }
    expect(onError).toHaveBeenCalledTimes(1);
    const err = onError.mock.calls[0]![0] as PoolError;
    expect(err.code).toBe("LEAKED_LEASE");
    expect(err.message).toMatch(/Pool "leaky".*generation 1.*Acquired at:\n.*leakOne/s);
    expect(pool.stats()).toMatchObject({ live: 1, errors: 1 }); // reported, not reclaimed
  });
});
