// The worker side of the shared-workers recipe (plain JavaScript: Node runs it as is). It attaches to the shared
// domain from its handle, then reads the current record inside synchronous read sections and checks that the
// record is not reclaimed (its generation does not change) while it is inside.
import { parentPort, workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";

const { handle, table, ms } = workerData;
const domain = attachSharedDomain(handle); // takes one reader slot of the SharedArrayBuffer
const words = new Int32Array(table); // [0] = current record; record i: [1 + 2i] generation, [2 + 2i] price
let reads = 0;
let violations = 0;
const end = Date.now() + ms;
while (Date.now() < end) {
  domain.read(() => {
    const i = Atomics.load(words, 0);
    const generation = Atomics.load(words, 1 + 2 * i);
    const price = Atomics.load(words, 2 + 2 * i);
    // ... use the record: while we are inside, the writer cannot reclaim it ...
    for (let k = 0; k < 10; k++) if (Atomics.load(words, 1 + 2 * i) !== generation) violations++;
    if (price <= 0) violations++;
    reads++;
  });
}
domain.detach(); // free the slot before exiting (watch() in the parent frees it anyway if we crash)
parentPort.postMessage({ reads, violations });
