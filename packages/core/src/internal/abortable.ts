import { describeValue } from "../describe-value.js";
import { isError } from "./validate.js";

/**
 * Abortable waits: a promise raced against an `AbortSignal` without leaking the listener. The wait itself is
 * not cancelled (a grace period or an `Atomics.waitAsync` runs its course); only the caller stops waiting.
 * Internal: public APIs take `{ signal }` and call this.
 */

/** What an aborted wait rejects with: the signal's reason when it is an `Error`, else an `AbortError`. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return isError(reason) ? reason : new DOMException(describeValue(reason), "AbortError");
}

/** `wait`, or a rejection with {@link abortReason} as soon as `signal` aborts (at once if it already has). */
export function abortable<T>(wait: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return wait;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    wait.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(isError(err) ? err : new Error(describeValue(err)));
      },
    );
  });
}
