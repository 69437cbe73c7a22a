/**
 * Liveness of the `shared` flavour with real worker threads: a wait that another thread's grace period
 * completes always resolves (no lost wake-up between a waiter's "done?" check and its request), and the thread
 * that waits stays alive until it does.
 */
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createSharedDomain } from "./shared.js";
import type { SharedDomain } from "./shared.js";

const WAITFOR = new URL("../test/fixtures/shared-waitfor-worker.mjs", import.meta.url);
/** Fresh workers (5 at a time), each waiting `ITERATIONS` times: 50 waits in all by default. */
const WORKERS = Number(process.env.RCU_LIVENESS_WORKERS ?? 10);
const ITERATIONS = 5;
const AT_ONCE = 5;

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

describe("shared domain liveness across worker threads", () => {
  const domains: SharedDomain[] = [];
  afterEach(async () => {
    for (const d of domains.splice(0)) await d.close();
  });

  it(`a worker's waitFor(getState()) resolves while the main thread runs synchronize() back to back (${WORKERS} fresh workers × ${ITERATIONS} waits)`, async () => {
    // The window is widest in a thread that just started (its code not compiled yet): many short-lived
    // workers, a few at a time, each waiting a few times.
    const domain = createSharedDomain({ maxThreads: AT_ONCE + 1 });
    domains.push(domain);
    const iterations = ITERATIONS;
    const failures: string[] = [];
    for (let started = 0; started < WORKERS; started += AT_ONCE) {
      const words = new SharedArrayBuffer(4 * AT_ONCE);
      const ws = Array.from({ length: AT_ONCE }, (_, slot) => {
        const w = new Worker(WAITFOR, { workerData: { handle: domain.handle, words, slot, iterations } });
        domain.watch(w);
        return w;
      });
      let finished = false;
      const codes = Promise.all(ws.map(exited)).then((c) => {
        finished = true;
        return c;
      });
      const before = domain.stats().gracePeriodsCompleted;
      while (!finished) await domain.synchronize();
      const resolved = Array.from(new Int32Array(words));
      // 13: a worker fell out of its event loop with a wait pending
      (await codes).forEach((code, i) => {
        if (code !== 0 || resolved[i] !== iterations)
          failures.push(`worker ${started + i}: exit ${code}, ${resolved[i]}/${iterations} waits resolved`);
      });
      expect(domain.stats().gracePeriodsCompleted).toBeGreaterThan(before);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
