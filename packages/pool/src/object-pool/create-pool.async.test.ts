import { createManualDomain } from "@rcu/core/testing";
import { describe, expect, it } from "vitest";
import { createPool } from "./create-pool.js";
import type { Lease } from "./lease.js";
import { tick } from "../test-support/manual.js";

function setup(options: { max?: number; typesafe?: boolean; reset?: (v: { id: number }) => void } = {}) {
  const domain = createManualDomain();
  let nextId = 0;
  const pool = createPool({ domain, create: () => ({ id: nextId++ }), max: options.max ?? 1, ...options });
  return { domain, pool };
}

describe("acquireAsync", () => {
  it("resolves at once when an object is available", async () => {
    const { pool } = setup();
    const lease = await pool.acquireAsync();
    expect(lease.generation).toBe(1);
    expect(pool.stats().waiters).toBe(0);
  });

  it("serves waiters first come, first served, as objects come back from their grace period", async () => {
    const { domain, pool } = setup({ max: 2 });
    const held = [pool.acquire(), pool.acquire()];
    const order: string[] = [];
    const waiting = ["w1", "w2", "w3"].map((name) =>
      pool.acquireAsync().then((lease) => {
        order.push(name);
        return lease;
      }),
    );
    expect(pool.stats().waiters).toBe(3);
    held[1]!.release();
    held[0]!.release();
    await tick();
    expect(order).toEqual([]); // not before the grace period
    domain.advance();
    await tick();
    expect(order).toEqual(["w1", "w2"]);
    const [l1, l2] = (await Promise.all(waiting.slice(0, 2))) as [Lease<{ id: number }>, Lease<{ id: number }>];
    expect(l1.value.id).toBe(1); // the first released object goes to the first waiter
    expect(l2.value.id).toBe(0);
    expect(pool.stats()).toMatchObject({ waiters: 1, live: 2, reusedFromFree: 2 });
    l1.release();
    domain.advance();
    await expect(waiting[2]).resolves.toMatchObject({ generation: 3 });
    expect(order).toEqual(["w1", "w2", "w3"]);
  });

  it("a later caller queues behind earlier waiters", async () => {
    const { domain, pool } = setup();
    const lease = pool.acquire();
    const first = pool.acquireAsync();
    lease.release();
    domain.advance();
    const second = pool.acquireAsync();
    const firstLease = await first;
    expect(pool.stats().waiters).toBe(1);
    firstLease.release();
    domain.advance();
    await expect(second).resolves.toMatchObject({ generation: 3 });
  });

  it("abort rejects with ABORTED (cause = the reason) and removes only that waiter", async () => {
    const { domain, pool } = setup();
    const lease = pool.acquire();
    const controller = new AbortController();
    const first = pool.acquireAsync();
    const aborted = pool.acquireAsync({ signal: controller.signal });
    const third = pool.acquireAsync();
    expect(pool.stats().waiters).toBe(3);
    const reason = new Error("client went away");
    controller.abort(reason);
    await expect(aborted).rejects.toMatchObject({ code: "ABORTED", cause: reason });
    expect(pool.stats().waiters).toBe(2);
    lease.release();
    domain.advance();
    const firstLease = await first;
    firstLease.release();
    domain.advance();
    await expect(third).resolves.toMatchObject({ generation: 3 });
  });

  it("rejects at once for an already aborted signal, and ignores aborts after being served", async () => {
    const { pool } = setup();
    await expect(pool.acquireAsync({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "ABORTED" });
    const controller = new AbortController();
    const lease = await pool.acquireAsync({ signal: controller.signal });
    controller.abort();
    expect(lease.release()).toBe(true);
  });

  it("typesafe: a waiter is served as soon as an object is released, before its grace period", async () => {
    const { pool } = setup({ typesafe: true });
    const lease = pool.acquire();
    const waiting = pool.acquireAsync();
    lease.release();
    const next = await waiting;
    expect(next.value).toBe(lease.value);
    expect(pool.stats()).toMatchObject({ reusedFromPending: 1, waiters: 0 });
  });

  it("a waiter whose object fails reset gets RESET_FAILED; the next waiter is served from the freed capacity", async () => {
    let failOnce = true;
    const { domain, pool } = setup({
      reset: () => {
        if (failOnce) {
          failOnce = false;
          throw new Error("bad state");
        }
      },
    });
    const lease = pool.acquire();
    const first = pool.acquireAsync();
    const second = pool.acquireAsync();
    lease.release();
    domain.advance();
    await expect(first).rejects.toMatchObject({ code: "RESET_FAILED" });
    await expect(second).resolves.toMatchObject({ generation: 1, value: { id: 1 } });
  });

  it("drain rejects every waiter with CLOSED", async () => {
    const { pool } = setup();
    pool.acquire();
    const waiting = [pool.acquireAsync(), pool.acquireAsync()];
    const drained = pool.drain();
    for (const w of waiting) await expect(w).rejects.toMatchObject({ code: "CLOSED" });
    await drained;
    await expect(pool.acquireAsync()).rejects.toMatchObject({ code: "CLOSED" });
  });
});
