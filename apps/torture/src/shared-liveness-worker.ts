/**
 * The liveness workers of the `shared` flavour (a `worker_threads` Worker; words in `LIVENESS_*` of
 * shared-records.ts).
 *
 * - `churn`: acquires, releases and reclaims records of its own struct pool (the churn pool) in a tight
 *   synchronous loop, so it holds the free list's or the pending ring's lock much of the time; a test-only hook
 *   lingers a little inside some of those locks. A shared holder word per record names who holds it (swapped in
 *   on acquire, cleared before release): finding another holder's tag there means the record was lent twice (the
 *   parent clears a dead worker's tags before its records are reclaimed). The killer terminates it at random
 *   moments — often inside a lock — and the main thread then uses the pool synchronously at once.
 * - `wait`: `await domain.waitFor(domain.getState())` in a loop (now and then `await pool.reclaimable()`), a
 *   grace period it does not request itself, counting each resolved wait. Nothing else keeps the thread alive: a
 *   lost wake-up makes it exit by itself, which the parent reports as stranded.
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { whileHoldingSharedLocks } from "@rcu/core/testing";
import { attachStructPool } from "@rcu/pool";
import type { StructPoolHandle } from "@rcu/pool";
import { LIVENESS_DOUBLE_LENT, LIVENESS_HOLDERS, LIVENESS_WAITS, STOP } from "./shared-records.js";
import type { STRUCT_LAYOUT } from "./shared-records.js";

interface LivenessData {
  readonly handle: unknown;
  readonly control: SharedArrayBuffer;
  readonly liveness: SharedArrayBuffer;
  readonly pool: unknown;
  readonly mode: "churn" | "wait";
  /** This worker's tag in the holder words (unique per worker instance). */
  readonly tag: number;
}

const data = workerData as LivenessData;
const domain = attachSharedDomain(data.handle as SharedDomainHandle);
const pool = attachStructPool(data.pool as StructPoolHandle<typeof STRUCT_LAYOUT>, domain);
const control = new Int32Array(data.control);
const words = new Int32Array(data.liveness);

if (data.mode === "churn") {
  whileHoldingSharedLocks(() => {
    if (Math.random() < 0.2) for (let k = (Math.random() * 20_000) | 0; k > 0; k--) Atomics.load(words, LIVENESS_WAITS);
  });
  const mine: number[] = [];
  while (Atomics.load(control, STOP) === 0) {
    for (let k = 0; k < 64; k++) {
      if (mine.length < 3 && Math.random() < 0.6) {
        const h = pool.tryAcquire();
        if (h !== -1) {
          mine.push(h);
          if (Atomics.exchange(words, LIVENESS_HOLDERS + pool.indexOf(h), data.tag) !== 0)
            Atomics.add(words, LIVENESS_DOUBLE_LENT, 1);
        }
      } else if (mine.length > 0) {
        const h = mine.pop()!;
        Atomics.compareExchange(words, LIVENESS_HOLDERS + pool.indexOf(h), data.tag, 0);
        pool.release(h);
      }
      pool.reclaim(1);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const h of mine) {
    Atomics.compareExchange(words, LIVENESS_HOLDERS + pool.indexOf(h), data.tag, 0);
    pool.release(h);
  }
  domain.detach();
} else {
  let n = 0;
  while (Atomics.load(control, STOP) === 0) {
    if (++n % 8 === 0) await pool.reclaimable();
    else await domain.waitFor(domain.getState());
    Atomics.add(words, LIVENESS_WAITS, 1);
  }
  domain.detach();
}
