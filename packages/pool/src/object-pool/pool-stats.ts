/**
 * Flat counters of a pool (all numbers), for dashboards and tests. Invariant:
 * `created - destroyed === live + free + pendingFree + pendingDestroy`.
 *
 * @example
 * const { live, free, pendingFree, reusedFromPending } = pool.stats()
 * @since 0.1.0
 */
export interface PoolStats {
  /** Objects lent out right now. */
  readonly live: number;
  /** Objects in the free list (grace period over, ready to lend). */
  readonly free: number;
  /** Released objects waiting for their grace period (a typesafe pool may take them back earlier). */
  readonly pendingFree: number;
  /** Objects waiting for a grace period before being destroyed (their `reset` threw). */
  readonly pendingDestroy: number;
  /** Objects the pool owns now: live + free + pendingFree + pendingDestroy (bounded by `max`). */
  readonly owned: number;
  /** The `max` option: at most 2^24, the most objects one pool can own (`Infinity` and larger values read as 2^24). */
  readonly max: number;
  /** Objects ever made by `create`. */
  readonly created: number;
  /** Objects ever handed to `destroy` (or dropped, when there is no `destroy`). */
  readonly destroyed: number;
  /** Leases handed out so far. */
  readonly acquired: number;
  /** Lends of an object whose grace period had ended (free list, or handed straight to a waiter). */
  readonly reusedFromFree: number;
  /** Lends of an object taken back from the pending engine before its grace period ended (typesafe). */
  readonly reusedFromPending: number;
  /** `acquireAsync` callers waiting now. */
  readonly waiters: number;
  /** Stale or second releases refused. */
  readonly staleReleases: number;
  /** `acquire` calls refused with `EXHAUSTED` (and `tryAcquire` calls that returned undefined). */
  readonly exhausted: number;
  /** Failures of `create`/`reset`/`destroy` and leak reports. */
  readonly errors: number;
}
