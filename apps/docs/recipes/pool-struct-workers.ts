/**
 * Recipe: a struct pool shared by worker threads.
 *
 * `createStructPool` keeps fixed-layout records in a `SharedArrayBuffer`: a handle is one number (record index
 * and generation), fields are typed arrays, and acquire/release allocate nothing. Here the main thread publishes a
 * "current quote" record many times a second: it acquires a record, fills it, publishes its handle, and releases
 * the previous one — which the pool reuses only after a grace period of the `shared` domain, i.e. once no worker
 * can still be reading it. Workers attach the domain and the pool from their handles and read the current quote
 * inside read sections (see pool-struct-workers.worker.mjs). With a capacity of 8 records, thousands of updates
 * only work because records are recycled.
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import { createStructPool } from "@rcu/pool";

const layout = { serial: "u32", price: "f64", qty: "u32" } as const;

export async function main({ workers = 2, ms = 300 } = {}) {
  const domain = createSharedDomain({ maxThreads: workers + 1, name: "quotes" });
  const pool = createStructPool({ domain, layout, capacity: 8 });
  const published = new SharedArrayBuffer(8);
  const current = new BigInt64Array(published);

  let serial = 1;
  const fill = (handle: number) => {
    pool.set(handle, "serial", serial);
    pool.set(handle, "price", serial * 2);
    pool.set(handle, "qty", serial % 100);
  };
  let handle = pool.acquire();
  fill(handle);
  Atomics.store(current, 0, BigInt(handle));

  const reports: { reads: number; torn: number }[] = [];
  const threads = Array.from({ length: workers }, () => {
    const worker = new Worker(new URL("./pool-struct-workers.worker.mjs", import.meta.url), {
      workerData: { rcu: domain.handle, pool: pool.handle, published, ms },
    });
    pool.watch(worker); // frees its reader slot (and any records it held) if it exits or crashes
    worker.on("message", (m: { reads: number; torn: number }) => reports.push(m));
    return new Promise<number>((resolve) => worker.once("exit", resolve));
  });
  let running = true;
  void Promise.all(threads).then(() => (running = false));

  let waitedForGracePeriod = 0;
  while (running) {
    const next = pool.tryAcquire();
    if (next === -1) {
      waitedForGracePeriod++;
      await pool.reclaimable(); // every free record is still in its grace period: wait for the oldest
      continue;
    }
    serial++;
    fill(next);
    Atomics.store(current, 0, BigInt(next)); // publish
    pool.release(handle); // reused only after every reader that could see it has left
    handle = next;
    await new Promise((resolve) => setImmediate(resolve)); // let grace periods and messages progress
  }
  const exitCodes = await Promise.all(threads);
  const stats = pool.stats();
  await domain.close(); // drains the pool too
  domain.detach();
  return {
    exitCodes,
    updates: serial - 1,
    reads: reports.reduce((n, r) => n + r.reads, 0),
    torn: reports.reduce((n, r) => n + r.torn, 0),
    reusedFromPending: stats.reusedFromPending,
    waitedForGracePeriod,
  };
}
