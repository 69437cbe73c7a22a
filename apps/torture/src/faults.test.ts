/**
 * The faults the torture injects, each on its own against real domains, engines, pools and worker threads:
 * throwing `process`/`defer`, rejecting and never-settling async disposals, aborted
 * `waitFor`/`synchronize`/`acquireAsync`, `close()` with work pending, and a worker crash mid-section.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { createDomain, createPending, isRcuError } from "@rcu/core";
import type { RcuDomain } from "@rcu/core";
import { createSharedDomain } from "@rcu/core/shared";
import { createPool, isPoolError } from "@rcu/pool";
import { beforeAll, describe, expect, it } from "vitest";
import { InjectedFault } from "./fault-injector.js";
import { CRASH, CRASH_EXIT_CODE, RETIRED_AT, allocateShared } from "./shared-records.js";
import type { ReaderData } from "./shared-records.js";

const READER = new URL("../dist/shared-reader.js", import.meta.url);

function collecting(flavor: "loop" | "srcu", settleTimeoutMs = 30_000): { domain: RcuDomain; errors: unknown[] } {
  const errors: unknown[] = [];
  const domain = createDomain({ flavor, onError: (e) => errors.push(e), settleTimeoutMs, flushOnExit: false });
  return { domain, errors };
}

const causeOf = (e: unknown): unknown => (isRcuError(e) ? e.cause : undefined);

describe.each(["loop", "srcu"] as const)("%s domain under injected faults", (flavor) => {
  it("throwing defer and process callbacks are reported, and never stop the others", async () => {
    const { domain, errors } = collecting(flavor);
    const ran: number[] = [];
    for (let i = 0; i < 9; i++) {
      domain.defer(() => {
        ran.push(i);
        if (i % 3 === 0) throw new InjectedFault(`defer ${i}`);
      });
    }
    const processed: number[] = [];
    const engine = createPending<number>(domain, {
      process: (item) => {
        processed.push(item);
        if (item % 4 === 0) throw new InjectedFault(`process ${item}`);
      },
    });
    for (let i = 0; i < 12; i++) engine.enqueue(i);
    await domain.barrier();
    await engine.flush();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(processed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(errors).toHaveLength(3 + 3);
    expect(
      errors.every((e) => isRcuError(e) && e.code === "CALLBACK_FAILED" && causeOf(e) instanceof InjectedFault),
    ).toBe(true);
    expect(engine.stats()).toMatchObject({ enqueued: 12, processed: 12, dequeued: 0, pending: 0 });
    await domain.close();
  });

  it("a rejecting async disposal is reported; a never-settling one is reported as SETTLE_TIMEOUT and stops holding barrier()", async () => {
    const { domain, errors } = collecting(flavor, 20);
    let disposed = 0;
    domain.retire({
      [Symbol.asyncDispose]: () => {
        disposed++;
        return Promise.reject(new InjectedFault("rejected"));
      },
    });
    domain.retire({
      [Symbol.asyncDispose]: () => {
        disposed++;
        return new Promise<void>(() => {});
      },
    });
    domain.retire({
      [Symbol.dispose]: () => {
        disposed++;
      },
    });
    await domain.barrier();
    expect(disposed).toBe(3);
    const codes = errors.map((e) => (isRcuError(e) ? e.code : "other")).sort();
    expect(codes).toEqual(["CALLBACK_FAILED", "SETTLE_TIMEOUT"]);
    expect(causeOf(errors.find((e) => isRcuError(e) && e.code === "CALLBACK_FAILED"))).toBeInstanceOf(InjectedFault);
    await domain.close();
  });

  it("aborted synchronize/waitFor/acquireAsync reject with the abort, and the domain and pool keep working", async () => {
    const { domain, errors } = collecting(flavor);
    const pool = createPool({ domain, create: () => ({ n: 0 }), max: 1 });
    const held = pool.acquire();
    const ac = new AbortController();
    const sync = domain.synchronize({ signal: ac.signal });
    const wait = domain.waitFor(domain.startPoll(), { signal: ac.signal });
    const lease = pool.acquireAsync({ signal: ac.signal });
    ac.abort();
    await expect(sync).rejects.toMatchObject({ name: "AbortError" });
    await expect(wait).rejects.toMatchObject({ name: "AbortError" });
    const leaseErr: unknown = await lease.then(
      () => "resolved",
      (e: unknown) => e,
    );
    expect(isPoolError(leaseErr) && leaseErr.code).toBe("ABORTED");
    expect(pool.stats().waiters).toBe(0);
    await domain.synchronize(); // not poisoned by the aborted waits
    const next = pool.acquireAsync();
    held.release();
    const got = await next; // the pool still serves waiters once an object comes back
    expect(got.value).toEqual({ n: 0 });
    got.release();
    expect(errors).toEqual([]);
    await domain.close();
  });

  it("close() with work pending runs every deferred callback, processes every item and destroys every pooled object", async () => {
    const { domain, errors } = collecting(flavor, 20);
    let ran = 0;
    let processed = 0;
    let created = 0;
    let destroyed = 0;
    const engine = createPending<number>(domain, { process: () => void processed++, maxPerTurn: 3 });
    const pool = createPool({
      domain,
      create: () => ({ id: created++ }),
      destroy: () => void destroyed++,
      max: 8,
    });
    const leases = Array.from({ length: 6 }, () => pool.acquire());
    for (let i = 0; i < 50; i++) {
      engine.enqueue(i);
      domain.defer(() => void ran++);
    }
    for (const l of leases.slice(0, 4)) l.release(); // pending a grace period in the pool's engine
    const hang = new Promise<void>(() => {});
    domain.defer(() => hang); // a never-settling one must not hold close() forever
    const dequeued = engine.dequeue() === undefined ? 0 : 1;
    await domain.close();
    for (const l of leases.slice(4)) l.release(); // late releases after close destroy
    expect(ran).toBe(50);
    expect(processed + dequeued).toBe(50);
    expect(engine.stats().pending).toBe(0);
    expect(destroyed).toBe(created);
    expect(errors.map((e) => (isRcuError(e) ? e.code : "other"))).toEqual(["SETTLE_TIMEOUT"]);
    await expect(domain.synchronize()).rejects.toMatchObject({ code: "CLOSED" });
  });
});

describe("shared domain: a worker crash mid-section", () => {
  beforeAll(() => {
    if (!existsSync(READER))
      throw new Error(`${READER.pathname} is missing: run \`pnpm --filter @rcu/torture build\` first.`);
  });

  function startReader(
    domain: ReturnType<typeof createSharedDomain>,
    crashSelf: boolean,
  ): { worker: Worker; exitCode: Promise<number> } {
    const buffers = allocateShared(4, 1);
    new Int32Array(buffers.records)[RETIRED_AT] = -1;
    const id = 7;
    if (crashSelf) Atomics.store(new Int32Array(buffers.control), CRASH, id);
    const data: ReaderData = { handle: domain.handle, ...buffers, recordCount: 4, lane: 0, id };
    const worker = new Worker(READER, { workerData: data });
    const exitCode = new Promise<number>((resolve) => worker.once("exit", resolve));
    return { worker, exitCode };
  }

  it("without watch() the dead reader's slot blocks grace periods; with watch() they continue", async () => {
    // Unwatched: the worker exits inside its section, so its slot still says "reader inside".
    const unwatched = createSharedDomain({ maxThreads: 2 });
    const a = startReader(unwatched, true);
    expect(await a.exitCode).toBe(CRASH_EXIT_CODE);
    const cookie = unwatched.startPoll();
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(unwatched.poll(cookie)).toBe(false);

    // Watched: the same crash, and the grace period completes.
    const watched = createSharedDomain({ maxThreads: 2 });
    const b = startReader(watched, true);
    watched.watch(b.worker);
    expect(await b.exitCode).toBe(CRASH_EXIT_CODE);
    await watched.synchronize();
    expect(watched.stats().gracePeriodsCompleted).toBeGreaterThan(0);
    await watched.close();
  }, 30_000);
});
