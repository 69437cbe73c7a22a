// The worker side of the routing-table recipe (plain JavaScript: Node runs it as is). It attaches to the shared
// domain and the shared map from their handles, then routes "requests" — a lookup per request inside a read
// section — until told to stop, checking every route it reads is whole (fields written together stay together).
import { parentPort, workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import { attachSharedMap } from "@rcu/map";

const { rcu, routes: handle, words, paths } = workerData;
const domain = attachSharedDomain(rcu);
const routes = attachSharedMap(handle, domain);
const stop = new Int32Array(words);
let routed = 0;
let torn = 0;
let newest = 0;
for (let i = 0; Atomics.load(stop, 0) === 0 || routed === 0; i++) {
  domain.read(() => {
    const route = routes.lookup(paths[i % paths.length]);
    if (route === undefined) return; // e.g. /admin while it is deleted: a 404
    const port = routes.get(route, "port");
    const weight = routes.get(route, "weight");
    const version = routes.get(route, "version");
    // every write keeps weight === version and port in 8000..9000: a record mixing two writes would break that
    if (weight !== version || port < 8000 || port > 9000) torn++;
    newest = Math.max(newest, version);
    routed++;
  });
}
domain.detach();
parentPort.postMessage({ routed, torn, newest });
