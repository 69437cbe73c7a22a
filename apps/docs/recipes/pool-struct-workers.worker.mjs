// The worker side of the pool-struct-workers recipe (plain JavaScript: Node runs it as is). It attaches to the
// shared domain and to the struct pool, then reads the currently published record inside synchronous read
// sections and checks that its fields stay consistent while it is inside (a record is reused only after a grace
// period, so nobody can overwrite it under a reader).
import { parentPort, workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import { attachStructPool } from "@rcu/pool";

const { rcu, pool: poolHandle, published, ms } = workerData;
const domain = attachSharedDomain(rcu);
const pool = attachStructPool(poolHandle, domain);
const current = new BigInt64Array(published); // [0] = handle of the current quote (index and generation)
let reads = 0;
let torn = 0;
const end = Date.now() + ms;
while (Date.now() < end) {
  domain.read(() => {
    const handle = Number(Atomics.load(current, 0));
    const serial = pool.get(handle, "serial");
    const price = pool.get(handle, "price");
    const qty = pool.get(handle, "qty");
    // ... use the quote; then check nothing changed under us ...
    if (price !== serial * 2 || qty !== serial % 100 || pool.get(handle, "serial") !== serial) torn++;
    reads++;
  });
}
domain.detach();
parentPort.postMessage({ reads, torn });
