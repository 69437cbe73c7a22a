/**
 * The one way `@rcu/core` follows a value returned by user code that may be a promise. User thenables can be
 * hostile: a `then` getter that throws, a `then` that throws, a `then` that calls both callbacks or one of them
 * twice, a revoked `Proxy`. Handled like the `Promise` resolution procedure (ECMA-262 "Promise Resolve
 * Functions"): a throwing getter or `then` is a rejection, and only the first settlement counts. Unlike
 * `Promise.resolve(value)` it follows the value synchronously (a `then` that calls back at once settles at
 * once) and allocates nothing for values that are not thenables.
 */

/** Subscribes to one settlement: exactly one of the callbacks runs, at most once. Never throws. */
export type SettleOnce = (onFulfilled: () => void, onRejected: (reason: unknown) => void) => void;

/** A `then` method as read off a value (called with the value as `this`). */
export type ThenFn = (
  this: unknown,
  onFulfilled: (value: unknown) => void,
  onRejected: (reason: unknown) => void,
) => unknown;

/**
 * `undefined` when `value` is not a thenable (no callable `then`); otherwise a {@link SettleOnce} for it. A
 * value whose `then` cannot even be read is a thenable that rejects with the error the read threw.
 */
export function guardThenable(value: unknown): SettleOnce | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (err) {
    return rejectsAtOnce(err);
  }
  return typeof then === "function" ? settleVia(value, then as ThenFn) : undefined;
}

/** A {@link SettleOnce} for a thenable whose `then` could not be read: it rejects at once with `err`. */
export function rejectsAtOnce(err: unknown): SettleOnce {
  return (_onFulfilled, onRejected) => onRejected(err);
}

/** A {@link SettleOnce} for `value` through `then`, already read from it (a `then` getter runs once). */
export function settleVia(value: unknown, then: ThenFn): SettleOnce {
  return (onFulfilled, onRejected) => {
    let settled = false;
    const fulfil = (): void => {
      if (settled) return;
      settled = true;
      onFulfilled();
    };
    const reject = (reason: unknown): void => {
      if (settled) return;
      settled = true;
      onRejected(reason);
    };
    try {
      then.call(value, fulfil, reject);
    } catch (err) {
      reject(err);
    }
  };
}

/**
 * `Promise.prototype.then` as it was when this module loaded. A value whose `then` is this function is a
 * native promise (or `then` throws a TypeError for it): its reactions run at most once and only one of them,
 * so callers may pass it shared, pre-bound callbacks without the once-only wrappers above.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with `.call(promise, …)`, never unbound
export const nativeThen = Promise.prototype.then as ThenFn;
