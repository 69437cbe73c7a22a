/**
 * Errors of `@rcu/core`: one class, a string code union. The code is stable and greppable; the message says
 * what happened and what to do about it.
 */

/**
 * Every way `@rcu/core` reports misuse or a failure it could not hide.
 *
 * - `CLOSED`: the domain or engine is closing or closed and the call came from outside its own callbacks.
 * - `SELF_DEADLOCK`: `synchronize`/`barrier`/`close`/`drain` inside a `read(fn)` section of the same domain.
 * - `INSIDE_CALLBACK`: `barrier`/`close`/`drain`/`flush` from inside the domain's own callbacks.
 * - `UNLOCK_TWICE`: a `ReadGuard` unlocked a second time.
 * - `INVALID_COOKIE`: a cookie this domain could not have produced.
 * - `INVALID_OPTION`: an option out of range or of the wrong type.
 * - `ASYNC_SECTION`: a promise-returning section on a flavour that only allows synchronous ones.
 * - `TOO_MANY_THREADS`: more than `maxThreads` threads attached to a shared domain.
 * - `DOUBLE_RETIRE`: (debug) the same object enqueued or retired twice while still pending.
 * - `GUARD_ACROSS_TURN`: (debug) a `loop` guard still held at a turn boundary.
 * - `STALL`: a reader held a grace period past `stallTimeoutMs` (reported, never thrown).
 * - `CALLBACK_FAILED`: a deferred callback, disposer or `process` threw or rejected (reported).
 * - `SETTLE_TIMEOUT`: an async disposal did not settle within the settle timeout (reported).
 * - `UNSUPPORTED_FLAVOR`: a flavour that needs another entry point (`shared` lives in `@rcu/core/shared`).
 * - `FULL`: a fixed-capacity shared structure (`createSharedPending`) has no room left; nothing was added.
 * - `REENTRANT`: a call into an engine from inside that engine's own `dequeueWhere` predicate.
 *
 * @example
 * import { RcuError, isRcuError } from '@rcu/core'
 * try { domain.defer(() => {}) } catch (err) { if (isRcuError(err, 'CLOSED')) console.log('already closed') }
 * @since 0.1.0
 */
export type RcuErrorCode =
  | "CLOSED"
  | "SELF_DEADLOCK"
  | "INSIDE_CALLBACK"
  | "UNLOCK_TWICE"
  | "INVALID_COOKIE"
  | "INVALID_OPTION"
  | "ASYNC_SECTION"
  | "TOO_MANY_THREADS"
  | "DOUBLE_RETIRE"
  | "GUARD_ACROSS_TURN"
  | "STALL"
  | "CALLBACK_FAILED"
  | "SETTLE_TIMEOUT"
  | "UNSUPPORTED_FLAVOR"
  | "FULL"
  | "REENTRANT";

/**
 * The one error class of `@rcu/core`. Misuse throws (or rejects with) it at the call site; failures of user
 * callbacks are wrapped in it (`CALLBACK_FAILED`, with the original as `cause`) and reported through the
 * domain's `onError` and the `rcu:error` diagnostics channel.
 *
 * @example
 * import { RcuError } from '@rcu/core'
 * domain.read(() => {
 *   domain.synchronize().catch((err: RcuError) => console.log(err.code)) // 'SELF_DEADLOCK'
 * })
 * @since 0.1.0
 */
export class RcuError extends Error {
  override readonly name = "RcuError";
  /** The stable code naming what went wrong. */
  readonly code: RcuErrorCode;
  constructor(code: RcuErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Narrows `value` to an {@link RcuError}, optionally with a given code.
 *
 * @example
 * if (isRcuError(err, 'CLOSED')) return // shutting down
 * @since 0.1.0
 */
export function isRcuError(value: unknown, code?: RcuErrorCode): value is RcuError {
  try {
    return value instanceof RcuError && (code === undefined || value.code === code);
  } catch {
    return false; // a revoked proxy: `instanceof` throws, and it is certainly not an RcuError
  }
}
