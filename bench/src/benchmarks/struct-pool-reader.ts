/**
 * Reader thread of the struct-pool benchmark (struct-pool.ts). Waits for a command in the control buffer, then
 * reads the published record — `x + y + z + id`, through `domain.read` (mode 0), under an `Atomics`
 * reader-writer lock (mode 1), or bare, with no read section at all (mode 2: the machine's own scaling) — in a
 * tight loop until told to stop, and reports reads and elapsed time in its own padded line: reads, wall µs,
 * on-CPU µs of this thread (Linux `/proc/thread-self/schedstat`; -1 elsewhere).
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachStructPool } from "@rcu/pool";
import type { StructPoolHandle } from "@rcu/pool";
import { LOCK, PUB, WRITER, type RecordLayout } from "./struct-pool-shared.js";
import { serveRuns } from "./reader-threads.js";

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

serveRuns(
  c,
  data.id,
  (mode) => {
    if (mode === 1) lockBatch(256);
    else if (mode === 2) bareBatch(256);
    else rcuBatch(256);
    return 256;
  },
  () => sum,
);
domain.detach();
