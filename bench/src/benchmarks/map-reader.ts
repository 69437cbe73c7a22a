/**
 * Reader thread of the shared-map benchmark (map-lookup.ts). Waits for a command in the control buffer, then
 * looks up pseudo-random u32 keys of the shared map and reads a field of each record — inside `domain.read`
 * (mode 0: no lock), or under an `Atomics` reader-writer lock (mode 1) — in a tight loop until told to stop,
 * and reports lookups and elapsed time in its own padded line: lookups, wall µs, on-CPU µs of this thread
 * (Linux `/proc/thread-self/schedstat`; -1 elsewhere).
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachSharedMap } from "@rcu/map";
import type { SharedMapHandle } from "@rcu/map";
import { KEYS, LOCK, WRITER, type MapLayout } from "./map-shared.js";
import { serveRuns } from "./reader-threads.js";

const data = workerData as {
  readonly rcu: SharedDomainHandle;
  readonly map: SharedMapHandle<"u32", MapLayout>;
  readonly control: SharedArrayBuffer;
  readonly id: number;
};
const domain = attachSharedDomain(data.rcu);
const map = attachSharedMap(data.map, domain);
const c = new Int32Array(data.control);

let sum = 0;
let x = (data.id + 1) * 0x9e3779b9;
function lookupBatch(n: number): void {
  for (let k = 0; k < n; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const h = map.lookup(x % KEYS);
    if (h !== undefined) sum += map.get(h, "port");
  }
}

function rcuBatch(n: number): void {
  domain.read(() => lookupBatch(n));
}

function lockBatch(n: number): void {
  for (let k = 0; k < n; k++) {
    for (;;) {
      const v = Atomics.load(c, LOCK);
      if ((v & WRITER) === 0 && Atomics.compareExchange(c, LOCK, v, v + 1) === v) break;
    }
    lookupBatch(1);
    Atomics.sub(c, LOCK, 1);
  }
}

serveRuns(
  c,
  data.id,
  (mode) => {
    if (mode === 1) lockBatch(64);
    else rcuBatch(64);
    return 64;
  },
  () => sum,
);
domain.detach();
