/**
 * `fromInput(input)`: RxJS's `from(input)`, except that a thenable which is not a native `Promise` is adopted by
 * one first. RxJS follows a `PromiseLike` by chaining on what its `then` returns, so a hand-written thenable whose
 * `then` returns nothing (or settles twice) fails inside RxJS with an unrelated `TypeError`; adopted by
 * `Promise.resolve`, it settles once, with its own value or rejection. What cannot be inspected (a revoked proxy,
 * a throwing `then` getter) is left to `from`, which throws for it.
 */
import type { Observable, ObservableInput } from "rxjs";
import { from } from "rxjs";

function isForeignThenable(input: unknown): boolean {
  if ((typeof input !== "object" || input === null) && typeof input !== "function") return false;
  try {
    return !(input instanceof Promise) && typeof (input as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * `from(input)`, with a foreign thenable adopted by a native promise first. Throws what `from` throws.
 *
 * @example
 * const notifier$ = fromInput(releaseWhen())
 * @internal
 */
export function fromInput<T>(input: ObservableInput<T>): Observable<T> {
  return from(isForeignThenable(input) ? Promise.resolve(input as PromiseLike<T>) : input);
}
