/**
 * Reader thread of the struct-pool benchmark (struct-pool.ts). Waits for a command in the control buffer, then
 * reads the published record — `x + y + z + id`, through `domain.read` (mode 0), under an `Atomics`
 * reader-writer lock (mode 1), or bare, with no read section at all (mode 2: the machine's own scaling) — in a
 * tight loop until told to stop, and reports reads and elapsed time in its own padded line: reads, wall µs,
 * on-CPU µs of this thread (Linux `/proc/thread-self/schedstat`; -1 elsewhere).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachStructPool } from "@rcu/pool";
import type { StructPoolHandle } from "@rcu/pool";
import { CMD, MODE, ACTIVE, STOP, LOCK, PUB, READY, WRITER, resultAt, type RecordLayout } from "./struct-pool-shared.js";

const data = workerData as {
  readonly rcu: SharedDomainHandle;
  readonly pool: StructPoolHandle<RecordLayout>;
  readonly control: SharedArrayBuffer;
  readonly id: number;
};
const domain = attachSharedDomain(data.rcu);
const pool = attachStructPool(data.pool, domain);
const c = new Int32Array(data.control);
const xs = pool.field("x");
const ys = pool.field("y");
const zs = pool.field("z");
const ids = pool.field("id");

let sum = 0;
function readRecord(): void {
  const i = Atomics.load(c, PUB);
  sum += xs[i]! + ys[i]! + zs[i]! + ids[i]!;
}

function rcuBatch(n: number): void {
  for (let k = 0; k < n; k++) domain.read(readRecord);
}

function lockBatch(n: number): void {
  for (let k = 0; k < n; k++) {
    for (;;) {
      const v = Atomics.load(c, LOCK);
      if ((v & WRITER) === 0 && Atomics.compareExchange(c, LOCK, v, v + 1) === v) break;
    }
    readRecord();
    Atomics.sub(c, LOCK, 1);
  }
}

function bareBatch(n: number): void {
  for (let k = 0; k < n; k++) readRecord();
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
  let reads = 0;
  const t0 = performance.now();
  const cpu0 = threadCpuUs();
  while (Atomics.load(c, STOP) === 0) {
    if (mode === 1) lockBatch(256);
    else if (mode === 2) bareBatch(256);
    else rcuBatch(256);
    reads += 256;
  }
  const ms = performance.now() - t0;
  const cpuUs = cpu0 < 0 ? -1 : threadCpuUs() - cpu0;
  const at = resultAt(data.id);
  Atomics.store(c, at, reads);
  Atomics.store(c, at + 1, Math.round(ms * 1000)); // microseconds
  Atomics.store(c, at + 2, Math.round(cpuUs));
  Atomics.store(c, at + 4, sum === -1 ? 1 : 0); // keeps `sum` observable
  Atomics.add(c, at + 3, 1); // done flag (a counter)
  Atomics.notify(c, at + 3);
}
domain.detach();
