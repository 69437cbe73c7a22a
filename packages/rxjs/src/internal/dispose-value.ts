/**
 * The default disposer of `retirePrevious`: `Symbol.asyncDispose` if the value has one (its promise is returned
 * so core tracks it until it settles), otherwise `Symbol.dispose`, otherwise nothing. The symbols are read at
 * call time and tolerated missing, so runtimes without them simply dispose nothing.
 */

/**
 * Disposes `value` the way `await using` would, or does nothing for values that are not disposable.
 *
 * @example
 * disposeValue(connection) // calls connection[Symbol.asyncDispose]() or connection[Symbol.dispose]()
 * disposeValue(42) // does nothing
 * @internal
 */
export function disposeValue(value: unknown): void | PromiseLike<void> {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return;
  const holder = value as Partial<Record<symbol, unknown>>;
  const asyncDispose = Symbol.asyncDispose as symbol | undefined;
  if (asyncDispose !== undefined) {
    const fn = holder[asyncDispose];
    if (typeof fn === "function") return (fn as () => PromiseLike<void>).call(value);
  }
  const dispose = Symbol.dispose as symbol | undefined;
  if (dispose !== undefined) {
    const fn = holder[dispose];
    if (typeof fn === "function") (fn as () => void).call(value);
  }
}
