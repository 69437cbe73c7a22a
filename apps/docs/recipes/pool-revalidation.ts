/**
 * Recipe: a typed pool with type-stable reuse and reader revalidation.
 *
 * A routing table maps a key to a pooled `Route` record, together with the generation of the lease that filled
 * it. Writers replace routes by releasing the old lease and acquiring a new one; with `typesafe: true` the pool may
 * hand back an object that is still pending (its grace period not over) — so a reader may find the record it
 * is reading reset and refilled under it. Readers therefore follow the revalidation pattern: read the fields,
 * then check `pool.isLive(value, generation)`; if it is no longer live, look the key up again.
 */
import { createDomain, type RcuDomain } from "@rcu/core";
import { createPool, type Lease, type Pool } from "@rcu/pool";

export class Route {
  key = "";
  upstream = "";
}

export class RouteTable {
  private readonly entries = new Map<string, Lease<Route>>();
  readonly pool: Pool<Route>;
  constructor(readonly domain: RcuDomain) {
    this.pool = createPool({
      domain,
      create: () => new Route(),
      reset: (r) => {
        r.key = "";
        r.upstream = "";
      },
      typesafe: true, // reuse pending records early; readers re-validate
      max: 64,
    });
  }
  set(key: string, upstream: string) {
    const lease = this.pool.acquire();
    lease.value.key = key;
    lease.value.upstream = upstream;
    const old = this.entries.get(key);
    this.entries.set(key, lease);
    old?.release(); // the record may be reused at once (typesafe); readers will notice
  }
  /** The reader: read the fields, then check that the record is still the same loan. */
  upstreamOf(key: string, duringRead?: () => void): { upstream: string | undefined; retries: number } {
    return this.domain.read(() => {
      for (let retries = 0; ; retries++) {
        const lease = this.entries.get(key);
        if (lease === undefined) return { upstream: undefined, retries };
        const { value, generation } = lease;
        const upstream = value.upstream; // 1. read the fields
        if (retries === 0) duringRead?.(); // (only here so the example can interleave a writer)
        if (this.pool.isLive(value, generation) && value.key === key) return { upstream, retries }; // 2. re-check
      }
    });
  }
}

export async function main() {
  const domain = createDomain({ name: "routes" });
  const table = new RouteTable(domain);
  table.set("/api", "10.0.0.1");
  table.set("/static", "10.0.0.9");
  const quiet = table.upstreamOf("/api");

  // A writer updates /api twice while a reader is between reading the fields and re-checking them.
  const raced = table.upstreamOf("/api", () => {
    table.set("/api", "10.0.0.2");
    table.set("/api", "10.0.0.3"); // reuses the record released one line above, before its grace period
  });
  const stats = table.pool.stats();
  await domain.close(); // drains the pool too
  return { quiet, raced, reusedFromPending: stats.reusedFromPending, created: stats.created };
}
