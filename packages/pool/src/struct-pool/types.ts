/**
 * The public types of the struct pool: its handle (what another thread attaches with), options, stats and the
 * pool interface. The implementation is in struct-pool-impl.ts; how the pool works is described in
 * create-struct-pool.ts.
 */
import type { SharedDomain, SharedPendingHandle } from "@rcu/core/shared";
import type { FieldArray, StructLayout } from "./layout.js";
import type { FreeListKind } from "./free-list.js";
import type { WatchedWorker } from "@rcu/core/shared";

/**
 * What another thread needs to attach to a struct pool. Structured-cloneable: send it with `postMessage` or
 * `workerData`, next to the shared domain's handle.
 *
 * @example
 * new Worker(url, { workerData: { rcu: domain.handle, pool: pool.handle } })
 * @since 0.1.0
 */
export interface StructPoolHandle<L extends StructLayout = StructLayout> {
  readonly buffer: SharedArrayBuffer;
  readonly layout: L;
  readonly capacity: number;
  readonly typesafe: boolean;
  readonly freeList: FreeListKind;
  readonly pending: SharedPendingHandle;
}

/**
 * Options of {@link createStructPool}.
 *
 * @example
 * createStructPool({ domain, capacity: 4096, layout: { x: 'f64', y: 'f64', id: 'u32' } })
 * @since 0.1.0
 */
export interface StructPoolOptions<L extends StructLayout> {
  /** A `shared` domain (`createSharedDomain` from `@rcu/core/shared`); its grace periods gate reuse. */
  readonly domain: SharedDomain;
  /** Field name → type of every record. */
  readonly layout: L;
  /** Records, 1..2^21. All are allocated up front in one `SharedArrayBuffer`. */
  readonly capacity: number;
  /** Re-lend records still in their grace period when nothing else is free (readers must re-validate). Default false. */
  readonly typesafe?: boolean;
  /** A stale or second `release` throws `STALE_RELEASE` instead of returning false. Default false. */
  readonly strict?: boolean;
  /** Free-list variant: `'lock'` (default, the faster one on Node) or `'tagged'` (lock-free 64-bit tagged CAS). */
  readonly freeList?: FreeListKind;
}

/**
 * Flat numbers of a struct pool (a snapshot: other threads keep working while it is taken).
 *
 * @example
 * const { live, free, pendingFree } = pool.stats()
 * @since 0.1.0
 */
export interface StructPoolStats {
  readonly capacity: number;
  /** Records lent now (generation odd). */
  readonly live: number;
  /** Records ready to lend. */
  readonly free: number;
  /** Released records waiting for their grace period. */
  readonly pendingFree: number;
  /** Records taken back from the pending ring after their grace period (all threads). */
  readonly reusedFromPending: number;
  /** Records re-lent before their grace period ended (typesafe, all threads). */
  readonly reusedEarly: number;
  /** Times a thread took the free list's or the pending ring's lock over from a holder whose thread had died. */
  readonly recoveredLocks: number;
}

/**
 * Fixed-layout records in shared memory, lent by handle and recycled after a grace period (see
 * {@link createStructPool}).
 *
 * @example
 * const h = pool.acquire()
 * pool.set(h, 'x', 1.5)
 * publish(h)                          // e.g. store h in a shared index that workers read
 * domain.read(() => pool.get(h, 'x')) // in any attached thread
 * unpublish(h); pool.release(h)       // reused once every reader that could see it has left
 * @since 0.1.0
 */
export interface StructPool<L extends StructLayout> {
  /** Structured-cloneable; {@link attachStructPool} it from workers. */
  readonly handle: StructPoolHandle<L>;
  readonly capacity: number;
  readonly typesafe: boolean;
  /** This thread's view of the pool's shared domain. */
  readonly domain: SharedDomain;
  /** Whether the pool was drained (in any thread). */
  readonly closed: boolean;
  /**
   * Lends a record and returns its handle. Fields keep whatever the previous owner wrote: set them.
   *
   * @throws {PoolError} `EXHAUSTED` when every record is lent or still in its grace period (await
   * `pool.reclaimable()` or release some); `CLOSED` after `drain()`.
   */
  acquire(): number;
  /** Like `acquire`, but returns -1 instead of throwing `EXHAUSTED`. */
  tryAcquire(): number;
  /**
   * Like `acquire`, but waits while the pool is exhausted: for the oldest released record's grace period, or,
   * when every record is lent, for a release in any thread. Waiters in different threads are not ordered.
   *
   * @throws {PoolError} (rejects) `ABORTED` when `signal` aborts first (nothing is lent then); `CLOSED` when
   * the pool is drained before a record is free.
   * @example
   * const h = await pool.acquireAsync({ signal: AbortSignal.timeout(1_000) })
   */
  acquireAsync(options?: { readonly signal?: AbortSignal }): Promise<number>;
  /**
   * Ends the lend named by `handle`; the record is reused after a grace period (or earlier, typesafe). Returns
   * false for a stale or second release (it never frees another lend).
   *
   * @throws {PoolError} `STALE_RELEASE` instead of returning false, with `strict`.
   */
  release(handle: number): boolean;
  /** Whether `handle` is still lent (its record was not released or re-lent since). */
  isLive(handle: number): boolean;
  /** The current generation of record `index` (odd while lent). */
  generationOf(index: number): number;
  /** The record index a handle names. */
  indexOf(handle: number): number;
  /** Field `name` of the record `handle` names. No liveness check (readers re-check with `isLive` when typesafe). */
  get<K extends keyof L & string>(handle: number, name: K): number;
  /**
   * Writes field `name` of a record you hold.
   *
   * @throws {PoolError} `STALE_HANDLE` when `handle` is not lent any more.
   */
  set<K extends keyof L & string>(handle: number, name: K, value: number): void;
  /** The typed array holding field `name` of every record: `pool.field('x')[pool.indexOf(h)]`. */
  field<K extends keyof L & string>(name: K): FieldArray<L[K]>;
  /**
   * Watches a worker attached to this pool: when it exits (even killed inside a section or while holding
   * records), frees its reader slot (`domain.watch`) and any lock it held, and reclaims every record it held
   * (released on its behalf, reused after a grace period).
   */
  watch(worker: WatchedWorker): void;
  /** Resolves once the oldest released record's grace period has ended (at once if none is pending). */
  reclaimable(): Promise<void>;
  /**
   * Moves up to `max` released records whose grace period has ended to the free list (`acquire` also takes them
   * one at a time when the free list is empty); returns how many. For a background thread that keeps the free
   * list warm.
   */
  reclaim(max?: number): number;
  stats(): StructPoolStats;
  /**
   * Closes the pool in every thread (`acquire` throws `CLOSED`; `release` keeps working) and resolves once every
   * released record has passed its grace period. The creating thread's domain `close()` closes it too.
   */
  drain(): Promise<void>;
}
