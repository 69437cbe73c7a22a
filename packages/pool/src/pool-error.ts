/**
 * Errors of `@rcu/pool`: one class, a string code union (the same shape as `RcuError` in `@rcu/core`). The code
 * is stable and greppable; the message says what happened and what to do about it.
 */

/**
 * Every way `@rcu/pool` reports misuse or a failure it could not hide.
 *
 * - `CLOSED`: the pool was drained (directly or by its domain's `close()`); acquire from a live pool instead.
 * - `EXHAUSTED`: `acquire()` found nothing reusable and the pool already owns `max` objects.
 * - `STALE_RELEASE`: (`strict`) a lease released twice, or after its object was lent again.
 * - `STALE_HANDLE`: a struct pool handle written after its record was released or re-lent, or a value that is
 *   not a handle of this pool at all (not a safe integer ≥ 0, fractional, a string, `NaN`, index out of range).
 * - `REENTRANT`: `acquire`/`tryAcquire`/`acquireAsync` called from inside the pool's own `create` or `reset`.
 * - `USE_AFTER_RELEASE`: (`debug`) a released lease's value was touched.
 * - `LEAKED_LEASE`: (`debug`) a lease was garbage-collected without being released (reported, never thrown).
 * - `CREATE_FAILED`: the `create` callback threw; nothing was counted or lost.
 * - `RESET_FAILED`: the `reset` callback threw; the object is destroyed after a grace period.
 * - `DESTROY_FAILED`: the `destroy` callback threw or rejected (reported, never thrown).
 * - `ABORTED`: the `signal` given to `acquireAsync` aborted before an object was available.
 * - `INVALID_OPTION`: an option of `createPool` is missing, out of range or of the wrong type.
 *
 * @example
 * import { isPoolError } from '@rcu/pool'
 * try { pool.acquire() } catch (err) { if (isPoolError(err, 'EXHAUSTED')) return retryLater() }
 * @since 0.1.0
 */
export type PoolErrorCode =
  | "CLOSED"
  | "EXHAUSTED"
  | "STALE_RELEASE"
  | "STALE_HANDLE"
  | "REENTRANT"
  | "USE_AFTER_RELEASE"
  | "LEAKED_LEASE"
  | "CREATE_FAILED"
  | "RESET_FAILED"
  | "DESTROY_FAILED"
  | "ABORTED"
  | "INVALID_OPTION";

/**
 * The one error class of `@rcu/pool`. Misuse throws (or rejects with) it at the call site; failures of the
 * user's `create`/`reset`/`destroy` callbacks are wrapped in it with the original error as `cause`.
 *
 * @example
 * import { PoolError } from '@rcu/pool'
 * const pool = createPool({ domain, create: () => ({}), strict: true })
 * const lease = pool.acquire()
 * lease.release()
 * try { lease.release() } catch (err) { if (err instanceof PoolError) console.log(err.code) } // 'STALE_RELEASE'
 * @since 0.1.0
 */
export class PoolError extends Error {
  override readonly name = "PoolError";
  /** The stable code naming what went wrong. */
  readonly code: PoolErrorCode;
  constructor(code: PoolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Narrows `value` to a {@link PoolError}, optionally with a given code.
 *
 * @example
 * const lease = await pool.acquireAsync({ signal }).catch((err: unknown) => {
 *   if (isPoolError(err, 'ABORTED')) return undefined
 *   throw err
 * })
 * @since 0.1.0
 */
export function isPoolError(value: unknown, code?: PoolErrorCode): value is PoolError {
  try {
    return value instanceof PoolError && (code === undefined || value.code === code);
  } catch {
    return false; // a revoked proxy: `instanceof` throws, and it is certainly not a PoolError
  }
}
