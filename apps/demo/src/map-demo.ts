/**
 * `pnpm demo:map`: one routing table shared by four workers and updated live (`@rcu/map`).
 *
 * The main thread keeps 10,000 routes (path → { port, weight, version }) in one hash table in shared memory and
 * starts four workers that route requests by looking paths up inside read sections — no lock, no message, no
 * copy. Meanwhile it changes routes continuously (whole-record `set`, read-modify-write `update`, `delete` and
 * re-insert, and new paths that make the table grow in place). At the end it prints what each worker did, that
 * no worker ever read a record mixing two writes, and the shared memory used against a JS `Map` copy per worker.
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import { createSharedMap } from "@rcu/map";

/** The value layout of a route (also used by the worker). */
export type RouteLayout = { readonly port: "u16"; readonly weight: "f64"; readonly version: "u32" };
const ROUTE: RouteLayout = { port: "u16", weight: "f64", version: "u32" };
const WORKERS = 4;
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] ?? 3) || 3;

const route = (version: number) => ({ port: 8000 + (version % 1000), weight: version, version });
const paths = Array.from({ length: 10_000 }, (_, i) => `/api/v${i % 3}/resource/${i}`);

const domain = createSharedDomain({ maxThreads: WORKERS + 1, name: "router" });
const routes = createSharedMap({
  domain,
  key: { type: "string", maxBytes: 64 },
  value: ROUTE,
  capacity: 1024,
  maxCapacity: 40_000,
});
for (const p of paths) routes.set(p, route(1));
const stop = new SharedArrayBuffer(4);
type Report = { routed: number; notFound: number; torn: number; newest: number; perSecond: number };
const reports: Promise<Report>[] = [];
const ready: Promise<unknown>[] = [];
for (let w = 0; w < WORKERS; w++) {
  const worker = new Worker(new URL("./map-demo-worker.js", import.meta.url), {
    workerData: { rcu: domain.handle, routes: routes.handle, stop, paths: [...paths, "/new/0", "/new/5000"] },
  });
  routes.watch(worker);
  const messages: Array<(m: unknown) => void> = [];
  worker.on("message", (m) => messages.shift()?.(m));
  ready.push(new Promise((resolve) => messages.push(resolve)));
  reports.push(
    new Promise<Report>(
      (resolve, reject) => (messages.push(resolve as (m: unknown) => void), worker.once("error", reject)),
    ),
  );
}
await Promise.all(ready); // every worker is routing before the updates start

process.stdout.write(
  `@rcu/map demo: ${paths.length} routes shared by ${WORKERS} workers, updated live for ${seconds} s\n`,
);
const end = Date.now() + seconds * 1000;
let updates = 0;
let version = 1;
for (let n = 0; Date.now() < end; n++) {
  const p = paths[(n * 7919) % paths.length]!;
  const write = (): void => {
    if (n % 5 === 0) routes.update(p, (r) => (r === undefined ? undefined : route(r.version + 1)));
    else if (n % 50 === 1) routes.delete(p);
    else if (n % 3 === 0)
      routes.set(`/new/${n % 20_000}`, route(++version)); // the table grows while workers read
    else routes.set(p, route(++version));
  };
  try {
    write();
    updates++;
  } catch (err) {
    if ((err as { code?: unknown }).code !== "FULL") throw err;
    await routes.reclaimable(); // replaced records are waiting for their grace period
  }
  if (n % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
}
Atomics.store(new Int32Array(stop), 0, 1);
const done = await Promise.all(reports);
const stats = routes.stats();

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
gc();
const before = process.memoryUsage().heapUsed;
const copy = new Map<string, { port: number; weight: number; version: number }>();
routes.domain.read(() => routes.forEach((h, key) => copy.set(key, routes.values(h))));
gc();
const copyBytes = Math.max(0, process.memoryUsage().heapUsed - before);

const pad = (s: string | number, n: number) => String(s).padStart(n);
process.stdout.write(`\n worker   lookups/s   routed    404s   torn   newest version seen\n`);
done.forEach((r, i) =>
  process.stdout.write(
    ` ${pad(i + 1, 6)} ${pad(Math.round(r.perSecond), 11)} ${pad(r.routed, 8)} ${pad(r.notFound, 7)} ${pad(r.torn, 6)} ${pad(r.newest, 8)}\n`,
  ),
);
process.stdout.write(
  `\n main thread: ${updates} live updates (${Math.round(updates / seconds)}/s), ${stats.size} routes now, ` +
    `${stats.resizes} in-place resizes, ${stats.pendingRecords} records waiting for their grace period\n` +
    ` memory: one shared table ${(stats.bytes / 1e6).toFixed(1)} MB for all ${WORKERS} workers; ` +
    `a JS Map copy per worker would be ≈ ${((WORKERS * copyBytes) / 1e6).toFixed(1)} MB (measured: one copy ${(copyBytes / 1e6).toFixed(1)} MB)\n`,
);
const torn = done.reduce((n, r) => n + r.torn, 0);
process.stdout.write(torn === 0 ? ` ✓ no worker ever read a route mixing two writes\n` : ` ✗ ${torn} torn reads\n`);
await domain.close();
process.exitCode = torn === 0 ? 0 : 1;
