/**
 * Recipe: share a routing table with four workers and update it live (`@rcu/map`).
 *
 * One hash table in shared memory instead of a copy per worker: the main thread creates it on a `shared` domain
 * and sends its `handle` (with the domain's) in `workerData`; each worker attaches and routes requests by looking
 * paths up inside `domain.read` — no lock, no message, no copy. Meanwhile the main thread keeps changing routes:
 * `set` publishes a whole new record (a worker sees the old route or the new one, never half of each), `update`
 * edits one atomically, `delete` removes one; replaced records are recycled only after every worker left the
 * sections that could see them.
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import { createSharedMap } from "@rcu/map";

/** A route: which upstream port serves a path, its weight, and a version bumped on every change. */
const ROUTE = { port: "u16", weight: "f64", version: "u32" } as const;
const PATHS = ["/", "/api/users", "/api/orders", "/static", "/health", "/api/search", "/admin", "/metrics"];

export async function main({ workers = 4, updates = 400 } = {}) {
  const domain = createSharedDomain({ maxThreads: workers + 1, name: "router" });
  const routes = createSharedMap({ domain, key: { type: "string", maxBytes: 64 }, value: ROUTE, capacity: 64 });
  for (const path of PATHS) routes.set(path, { port: 8000, weight: 1, version: 1 });

  const words = new SharedArrayBuffer(4); // [0] = 1 when the workers should stop
  const reports: { routed: number; torn: number; newest: number }[] = [];
  const exits = Array.from({ length: workers }, () => {
    const worker = new Worker(new URL("./map-routing-table.worker.mjs", import.meta.url), {
      workerData: { rcu: domain.handle, routes: routes.handle, words, paths: PATHS },
    });
    routes.watch(worker); // if it dies mid-section or mid-write: its slot, locks and records are taken back
    worker.on("message", (r: { routed: number; torn: number; newest: number }) => reports.push(r));
    return new Promise<number>((resolve) => worker.once("exit", resolve));
  });

  // Live updates while the workers route: a new port for a path (whole record), a weight tweak (read-modify-write),
  // and a path that comes and goes.
  for (let i = 1; i <= updates; i++) {
    const path = PATHS[i % PATHS.length]!;
    routes.set(path, { port: 8000 + (i % 50), weight: 1 + i, version: i + 1 });
    routes.update("/api/users", (r) =>
      r === undefined ? undefined : { ...r, weight: r.weight + 1, version: r.version + 1 },
    );
    if (i % 10 === 0) routes.delete("/admin");
    else routes.set("/admin", { port: 9000, weight: 1 + i, version: i + 1 });
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve)); // let grace periods end
  }
  Atomics.store(new Int32Array(words), 0, 1);
  const exitCodes = await Promise.all(exits);
  const final = domain.read(() => routes.values(routes.lookup("/api/users")!));
  const stats = routes.stats();
  await domain.close();
  return { exitCodes, reports, final, stats };
}
