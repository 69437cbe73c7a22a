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
    return (_onFulfilled, onRejected) => onRejected(err);
  }
  if (typeof then !== "function") return undefined;
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
      (then as (this: unknown, f: (v: unknown) => void, r: (e: unknown) => void) => unknown).call(
        value,
        fulfil,
        reject,
      );
    } catch (err) {
      reject(err);
    }
  };
}
