/**
 * A worker of `pnpm demo:map` (map-demo.ts): attaches to the shared domain and the shared routing table, then
 * routes "requests" — one lookup per request inside a read section — until told to stop, checking every route
 * it reads is whole (its fields were written together), and reports what it did.
 */
import { parentPort, workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachSharedMap } from "@rcu/map";
import type { SharedMapHandle } from "@rcu/map";
import type { RouteLayout } from "./map-demo.js";

const data = workerData as {
  readonly rcu: SharedDomainHandle;
  readonly routes: SharedMapHandle<{ type: "string"; maxBytes: 64 }, RouteLayout>;
  readonly stop: SharedArrayBuffer;
  readonly paths: readonly string[];
};
const domain = attachSharedDomain(data.rcu);
const routes = attachSharedMap(data.routes, domain);
const stop = new Int32Array(data.stop);
let routed = 0;
let notFound = 0;
let torn = 0;
let newest = 0;
parentPort!.postMessage("ready");
const started = performance.now();
for (let i = 0; Atomics.load(stop, 0) === 0; i++) {
  domain.read(() => {
    for (let k = 0; k < 64; k++) {
      const h = routes.lookup(data.paths[(i * 64 + k) % data.paths.length]!);
      if (h === undefined) {
        notFound++;
        continue;
      }
      const version = routes.get(h, "version");
      if (routes.get(h, "weight") !== version || routes.get(h, "port") !== 8000 + (version % 1000)) torn++;
      if (version > newest) newest = version;
      routed++;
    }
  });
}
const seconds = (performance.now() - started) / 1000;
domain.detach();
parentPort!.postMessage({ routed, notFound, torn, newest, perSecond: routed / seconds });
