/**
 * Reader thread of the shared-map benchmark (map-lookup.ts). Waits for a command in the control buffer, then
 * looks up pseudo-random u32 keys of the shared map and reads a field of each record — inside `domain.read`
 * (mode 0: no lock), or under an `Atomics` reader-writer lock (mode 1) — in a tight loop until told to stop,
 * and reports lookups and elapsed time in its own padded line: lookups, wall µs, on-CPU µs of this thread
 * (Linux `/proc/thread-self/schedstat`; -1 elsewhere).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachSharedMap } from "@rcu/map";
import type { SharedMapHandle } from "@rcu/map";
import { ACTIVE, CMD, KEYS, LOCK, MODE, READY, STOP, WRITER, resultAt, type MapLayout } from "./map-shared.js";

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

/** This thread's on-CPU time in µs (Linux schedstat), or -1 where it is not available. */
function threadCpuUs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1000;
  } catch {
    return -1;
  }
}

let seen = 0;
Atomics.add(c, READY, 1);
for (;;) {
  Atomics.wait(c, CMD, seen);
  seen = Atomics.load(c, CMD);
  if (seen < 0) break;
  if (data.id >= Atomics.load(c, ACTIVE)) continue;
  const mode = Atomics.load(c, MODE);
  let lookups = 0;
  const t0 = performance.now();
  const cpu0 = threadCpuUs();
  while (Atomics.load(c, STOP) === 0) {
    if (mode === 1) lockBatch(64);
    else rcuBatch(64);
    lookups += 64;
  }
  const ms = performance.now() - t0;
  const cpuUs = cpu0 < 0 ? -1 : threadCpuUs() - cpu0;
  const at = resultAt(data.id);
  Atomics.store(c, at, lookups);
  Atomics.store(c, at + 1, Math.round(ms * 1000));
  Atomics.store(c, at + 2, Math.round(cpuUs));
  Atomics.store(c, at + 4, sum === -1 ? 1 : 0);
  Atomics.add(c, at + 3, 1);
  Atomics.notify(c, at + 3);
}
domain.detach();
