/**
 * Recipe: readers on worker threads with `@rcu/core/shared`.
 *
 * A price table lives in a `SharedArrayBuffer` of fixed records. Worker threads read the current record inside
 * synchronous read sections; the main thread publishes a new record by switching the `current` index, waits for
 * a grace period that covers every thread (`synchronize()`), and only then reclaims the old record (here: bumps
 * its generation and clears it, as a recycler would). Readers check that their record never changes under them.
 *
 * The domain's `handle` is structured-cloneable: pass it in `workerData`, call `attachSharedDomain(handle)` in the
 * worker (see shared-workers.worker.mjs), and `watch(worker)` in the parent so a crashed worker frees its slot.
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";

const RECORDS = 4;

export async function main({ workers = 2, ms = 300 } = {}) {
  const domain = createSharedDomain({ maxThreads: workers + 1, name: "prices" });
  const table = new SharedArrayBuffer(4 * (1 + 2 * RECORDS));
  const words = new Int32Array(table);
  const write = (i: number, price: number) => Atomics.store(words, 2 + 2 * i, price);
  write(0, 100); // record 0 is current

  const results: { reads: number; violations: number }[] = [];
  const threads = Array.from({ length: workers }, () => {
    const worker = new Worker(new URL("./shared-workers.worker.mjs", import.meta.url), {
      workerData: { handle: domain.handle, table, ms },
    });
    domain.watch(worker);
    worker.on("message", (m: { reads: number; violations: number }) => results.push(m));
    return new Promise<number>((resolve) => worker.once("exit", resolve));
  });
  let running = true;
  void Promise.all(threads).then(() => (running = false));

  // The writer: publish, wait for every thread's readers, reclaim.
  let updates = 0;
  while (running) {
    const old = Atomics.load(words, 0);
    const next = (old + 1) % RECORDS;
    write(next, 100 + updates); // fill a record nobody can be reading (reclaimed earlier)
    Atomics.store(words, 0, next); // publish
    await domain.synchronize(); // every section that could have seen `old` has ended, in every thread
    Atomics.add(words, 1 + 2 * old, 1); // reclaim: bump the generation ...
    write(old, 0); // ... and clear it
    updates++;
  }
  const exitCodes = await Promise.all(threads);
  await domain.close();
  domain.detach();
  return {
    exitCodes,
    updates,
    reads: results.reduce((n, r) => n + r.reads, 0),
    violations: results.reduce((n, r) => n + r.violations, 0),
    workersReported: results.length,
  };
}
