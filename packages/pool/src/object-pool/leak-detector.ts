/**
 * Debug-only report of leases that were garbage-collected without release.
 *
 * Each debug lease is registered in a `FinalizationRegistry` with a held record that does not reference the
 * lease (its generation and acquire stack), and unregistered when it is released. If the engine collects a
 * lease that was never released, the registry calls back later (on its own task, possibly never before exit)
 * and the pool reports `PoolError('LEAKED_LEASE')`. It only reports: the object stays counted as live, as a
 * leak should be fixed, not papered over. Internal: not exported.
 */
import { PoolError } from "../pool-error.js";

interface LeakRecord {
  readonly generation: number;
  readonly acquiredAt: string;
}

export class LeakDetector {
  readonly #registry: FinalizationRegistry<LeakRecord> | undefined;

  constructor(poolName: string, report: (err: PoolError) => void) {
    this.#registry =
      typeof FinalizationRegistry === "function"
        ? new FinalizationRegistry<LeakRecord>((record) => {
            report(
              new PoolError(
                "LEAKED_LEASE",
                `Pool "${poolName}": a lease (generation ${record.generation}) was garbage-collected without ` +
                  `release(); its object stays counted as live and is never reused. Release every lease ` +
                  `(\`using lease = pool.acquire()\`). Acquired at:\n${record.acquiredAt}`,
              ),
            );
          })
        : undefined;
  }

  track(lease: object, generation: number, acquiredAt: string): void {
    this.#registry?.register(lease, { generation, acquiredAt }, lease);
  }

  untrack(lease: object): void {
    this.#registry?.unregister(lease);
  }
}
