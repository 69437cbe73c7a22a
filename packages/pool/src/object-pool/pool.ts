/**
 * The `Pool<T>` interface returned by `createPool` (behaviour lives in create-pool.ts).
 */
import type { Lease } from "./lease.js";
import type { PoolStats } from "./pool-stats.js";

/**
 * A typed object pool whose released objects are reused only after a grace period of its domain (or, with
 * `typesafe: true`, type-stably before it, with generation checks). Create one with {@link createPool}.
 *
 * @example
 * const pool = createPool({ domain, create: () => ({ id: 0, name: '' }), reset: (o) => { o.id = 0; o.name = '' } })
 * const lease = pool.acquire()
 * lease.value.id = 42
 * lease.release() // reused only once every reader that could see it has left
 * @since 0.1.0
 */
export interface Pool<T extends object> extends AsyncDisposable {
  /** The name given at creation (or a generated one), used in messages. */
  readonly name: string;
  /** Whether the pool was drained (by `drain()` or its domain's `close()`). */
  readonly closed: boolean;
  /**
   * Lends an object: from the free list, else (typesafe) one still pending, else a new one.
   *
   * @throws {PoolError} `EXHAUSTED` when the pool owns `max` objects and none is reusable; `CLOSED` after
   * drain; `CREATE_FAILED`/`RESET_FAILED` when those callbacks throw.
   * @example
   * using lease = pool.acquire()
   * lease.value.count += 1
   */
  acquire(): Lease<T>;
  /**
   * Like `acquire`, but returns `undefined` instead of throwing `EXHAUSTED`. Still throws `CLOSED`,
   * `CREATE_FAILED` and `RESET_FAILED`.
   *
   * @example
   * const lease = pool.tryAcquire()
   * if (lease === undefined) return shed()
   */
  tryAcquire(): Lease<T> | undefined;
  /**
   * Lends an object, waiting while the pool is exhausted. Waiters are served first come, first served, as
   * objects come back from their grace period (or, typesafe, as soon as they are released).
   *
   * @throws {PoolError} (rejects) `ABORTED` when `signal` aborts first (the waiter is removed), `CLOSED` when the
   * pool is drained meanwhile, `CREATE_FAILED`/`RESET_FAILED` when those callbacks throw for this caller.
   * @example
   * const lease = await pool.acquireAsync({ signal: AbortSignal.timeout(1_000) })
   */
  acquireAsync(options?: { readonly signal?: AbortSignal }): Promise<Lease<T>>;
  /**
   * The current generation of a pooled object (bumped on every lend, before `reset`), or `undefined` for an
   * object this pool does not own (never did, or already destroyed).
   *
   * @example
   * const gen = pool.generationOf(node)
   * const key = node.key // read fields…
   * if (pool.generationOf(node) !== gen) retry() // …then re-check: the object was reused meanwhile
   */
  generationOf(value: object): number | undefined;
  /**
   * Whether `value` is lent out right now under `generation`: false once that lease is released, and forever
   * after the object is lent again. The reader's re-validation check for `typesafe` pools.
   *
   * @example
   * const { value, generation } = index.get(key)
   * const snapshot = { ...value }
   * if (!pool.isLive(value, generation)) return lookupAgain(key)
   */
  isLive(value: object, generation: number): boolean;
  /**
   * Flat counters.
   *
   * @example
   * const { live, free, pendingFree, waiters } = pool.stats()
   */
  stats(): PoolStats;
  /**
   * Closes the pool: later `acquire` calls throw `CLOSED`, waiters reject with `CLOSED`, free objects are
   * destroyed, pending ones after their grace period; resolves when all of that (and every async `destroy`) has
   * finished. Leases still out stay valid; releasing one later destroys its object. The domain's `close()` calls
   * it. Idempotent (returns the same promise).
   *
   * @example
   * await pool.drain()
   * pool.acquire() // throws PoolError('CLOSED')
   */
  drain(): Promise<void>;
}
