/**
 * `@rcu/core/shared` with real worker threads (the domain contract for `shared` is registered with the other
 * flavours in domain.contract.test.ts): a multi-worker stress test whose check is
 * proven able to fail (a test-only switch ends grace periods early), cross-thread cookies, slot limits, and a
 * worker terminated inside its section, and `threadDied` telling a terminated worker's death synchronously.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { isRcuError } from "./errors.js";
import { graceTestHooks } from "./internal/test-hooks.js";
import { attachSharedDomain, createSharedDomain, threadDied } from "./shared.js";
import type { SharedDomain } from "./shared.js";
import { closedAfterEach } from "./test-support/closed-after-each.js";

const READER = new URL("../test/fixtures/shared-reader.mjs", import.meta.url);
const STRESS_MS = Number(process.env.RCU_SHARED_STRESS_MS ?? 1500);
const RECORDS = 8;

interface ReaderResult {
  readonly reads: number;
  readonly violations: number;
}

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

/** Writers publish a new record, wait for a grace period, then "reclaim" the old one (bump its generation). */
async function stress(
  domain: SharedDomain,
  workers: number,
  ms: number,
): Promise<{ results: ReaderResult[]; swaps: number }> {
  const data = new SharedArrayBuffer(4 * (1 + RECORDS));
  const cur = new Int32Array(data);
  const results: ReaderResult[] = [];
  const ws = Array.from({ length: workers }, () => {
    const w = new Worker(READER, { workerData: { handle: domain.handle, data, ms, mode: "read" } });
    domain.watch(w);
    w.on("message", (m: ReaderResult) => results.push(m));
    return w;
  });
  const done = Promise.all(ws.map(exited));
  let swaps = 0;
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    const old = Atomics.load(cur, 0);
    const next = (old + 1) % RECORDS;
    Atomics.store(cur, 0, next);
    await domain.synchronize();
    Atomics.add(cur, 1 + old, 1); // reclaimed: a reader still inside would see this
    swaps++;
  }
  await done;
  return { results, swaps };
}

describe("shared domain across worker threads", () => {
  const make = closedAfterEach((maxThreads: number): SharedDomain => createSharedDomain({ maxThreads }));
  afterEach(async () => {
    graceTestHooks.endGracePeriodsEarly = false;
  });

  it("4 workers on 2 cores never see a record reclaimed while they are inside", async () => {
    const domain = make(8);
    const { results, swaps } = await stress(domain, 4, STRESS_MS);
    expect(results).toHaveLength(4);
    expect(swaps).toBeGreaterThan(10);
    expect(results.every((r) => r.reads > 0)).toBe(true);
    expect(results.reduce((n, r) => n + r.violations, 0)).toBe(0);
    expect(domain.stats().gracePeriodsCompleted).toBeGreaterThanOrEqual(swaps);
  }, 60_000);

  it("the same check fails when grace periods end early (test-only switch): it can catch a broken protocol", async () => {
    const domain = make(8);
    graceTestHooks.endGracePeriodsEarly = true;
    const { results } = await stress(domain, 4, Math.min(STRESS_MS, 1500));
    expect(results.reduce((n, r) => n + r.violations, 0)).toBeGreaterThan(0);
  }, 60_000);

  it("a worker terminated inside its section holds grace periods until watch() frees its slot", async () => {
    const domain = make(4);
    const w = new Worker(READER, {
      workerData: { handle: domain.handle, data: new SharedArrayBuffer(64), ms: 0, mode: "hold" },
    });
    domain.watch(w);
    await new Promise((resolve) => w.once("message", resolve));
    let done = false;
    const p = domain.synchronize().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false); // the dead-to-be reader holds it
    await w.terminate();
    await p;
    expect(done).toBe(true);
  }, 30_000);

  it.skipIf(!existsSync("/proc/self/task"))(
    "threadDied() sees a terminated worker dead synchronously, before its exit event (Linux: the kernel's thread list)",
    async () => {
      const domain = make(3);
      const w = new Worker(READER, {
        workerData: { handle: domain.handle, data: new SharedArrayBuffer(64), ms: 0, mode: "hold" },
      });
      domain.watch(w); // frees its slot on exit (it dies inside a section), which cannot run before the checks below
      const gone = exited(w);
      await new Promise((resolve) => w.once("message", resolve)); // attached (its slot records its OS thread)
      const owner = w.threadId + 1;
      expect(threadDied(domain, owner)).toBe(false);
      void w.terminate();
      // No await from here on: the exit event cannot run, only the kernel can say the thread is gone.
      const park = new Int32Array(new SharedArrayBuffer(4));
      let polls = 0;
      while (!threadDied(domain, owner) && polls < 60_000) {
        Atomics.wait(park, 0, 0, 1);
        polls++;
      }
      expect(threadDied(domain, owner)).toBe(true);
      await gone;
      expect(threadDied(domain, owner)).toBe(false); // watch() freed its slot: no longer known
    },
    30_000,
  );

  it("threadDied() is false for a live or unknown thread and refuses bad arguments with INVALID_OPTION", () => {
    const domain = make(2);
    expect(threadDied(domain, 1)).toBe(false); // the main thread (threadId 0), alive
    expect(threadDied(domain, 12_345)).toBe(false); // no slot: unknown
    for (const owner of [0, -1, 1.5, 2 ** 31, Number.NaN, "1", undefined]) {
      let thrown: unknown;
      try {
        threadDied(domain, owner as number);
      } catch (err) {
        thrown = err;
      }
      expect(isRcuError(thrown, "INVALID_OPTION")).toBe(true);
    }
    let thrown: unknown;
    try {
      threadDied({} as SharedDomain, 1);
    } catch (err) {
      thrown = err;
    }
    expect(isRcuError(thrown, "INVALID_OPTION")).toBe(true);
  });

  it("a cookie from one thread can be polled in another; more than maxThreads attached is TOO_MANY_THREADS", async () => {
    const domain = make(2);
    const cookie = domain.startPoll();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.url).then(async ({ attachSharedDomain }) => {
        const d = attachSharedDomain(workerData.handle);
        const before = d.poll(workerData.cookie);
        await d.waitFor(workerData.cookie);
        let overflow = 'none';
        try { attachSharedDomain({ ...workerData.handle }); } catch (e) { overflow = e.code; }
        parentPort.postMessage({ before, after: d.poll(workerData.cookie), slot: d.slot, overflow });
        d.detach();
      });`;
    const url = new URL("../dist/shared.js", import.meta.url).href;
    const w = new Worker(code, { eval: true, workerData: { handle: domain.handle, cookie, url } });
    domain.watch(w);
    // Registered now: Node drains a dying worker's messages and emits 'exit' in one callback.
    const wExited = exited(w);
    const msg = await new Promise<{ before: boolean; after: boolean; slot: number; overflow: string }>((resolve) =>
      w.once("message", resolve),
    );
    await wExited;
    expect(msg.after).toBe(true);
    expect(domain.poll(cookie)).toBe(true);
    expect(msg.slot).not.toBe(domain.slot);
    // attaching again from the same thread returns the same view (no new slot), so no overflow there
    expect(msg.overflow).toBe("none");
    // from here, both slots of this maxThreads: 2 domain are taken only if another thread holds one
    const third = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.url).then(({ attachSharedDomain }) => {
         const a = attachSharedDomain(workerData.handle);
         parentPort.postMessage('attached');
         parentPort.once('message', () => { a.detach(); parentPort.close(); }); // hold the slot until told
       });`,
      { eval: true, workerData: { handle: domain.handle, url } },
    );
    domain.watch(third);
    const thirdExited = exited(third);
    await new Promise((resolve) => third.once("message", resolve));
    const overflow = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.url).then(({ attachSharedDomain }) => {
         try { attachSharedDomain(workerData.handle); parentPort.postMessage('attached'); }
         catch (e) { parentPort.postMessage(e.code); }
       });`,
      { eval: true, workerData: { handle: domain.handle, url } },
    );
    const overflowExited = exited(overflow);
    expect(await new Promise((resolve) => overflow.once("message", resolve))).toBe("TOO_MANY_THREADS");
    third.postMessage("detach");
    await Promise.all([thirdExited, overflowExited]);
  }, 30_000);

  it("promise-returning sections and bad handles are clear errors", () => {
    const domain = make(2);
    let thrown: unknown;
    try {
      domain.read(() => Promise.resolve(1));
    } catch (err) {
      thrown = err;
    }
    expect(isRcuError(thrown, "ASYNC_SECTION")).toBe(true);
    expect(domain.stats().readers).toBe(0);
    expect(() => attachSharedDomain({ buffer: new SharedArrayBuffer(8), maxThreads: 1, name: "x" })).toThrow(
      /shared-domain handle/,
    );
    expect(() => createSharedDomain({ maxThreads: 0 })).toThrow(/maxThreads/);
  });

  it("detach() frees the slot for another thread; detach inside a section is refused", () => {
    const domain = make(1);
    const g = domain.readLock();
    expect(() => domain.detach()).toThrow(/inside a read section/);
    g.unlock();
    domain.detach();
    expect(() => domain.readLock()).toThrow(/detached/);
  });
});
