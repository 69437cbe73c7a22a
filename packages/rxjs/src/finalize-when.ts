/**
 * `finalizeWhen(callback, notifier)`: `finalize` whose callback waits for a notifier.
 *
 * How it works: the operator mirrors the source. When the subscription ends (complete, error or unsubscribe) and
 * the source has been torn down, it subscribes to `notifier()`; the first emission (or its completion) runs
 * `callback` exactly once and drops the notifier subscription. The wait outlives the subscription on purpose:
 * unsubscribing the result never skips the callback, it only starts the wait. Failures have no subscriber left
 * to go to, so a throwing or rejecting `callback`, a throwing `notifier()` or an erroring notifier are reported
 * through RxJS's unhandled-error path (`config.onUnhandledError`); the callback still runs in every case.
 * When the notifier is exactly `gracePeriod(domain)`, the operator skips the subscription and hands `callback`
 * to `domain.defer`: it then runs inside the domain's callback, a throw or rejection goes to the domain's
 * `onError`, and `domain.barrier()`/`close()` wait for it (after `close()`, it runs at once).
 */
import { RcuError, isRcuError } from "@rcu/core";
import type { MonoTypeOperatorFunction, ObservableInput } from "rxjs";
import { callNotifier } from "./internal/call-notifier.js";
import type { Notifier } from "./internal/call-notifier.js";
import { operate } from "./internal/operate.js";
import { reportUnhandledError } from "./internal/report-unhandled-error.js";
import { whenNotified } from "./internal/when-notified.js";

/**
 * Calls `callback`; a throw, or a rejection of the thenable it returns, is reported. A thenable that is not a
 * native promise is adopted by one first (as `retirePrevious` does with `dispose`), so it counts once: a `then`
 * that calls both of its handlers, or calls one twice, reports at most the first outcome.
 */
function runCallback(callback: () => void | PromiseLike<void>): void {
  try {
    const result = callback();
    if (result !== undefined && result !== null && typeof result.then === "function") {
      Promise.resolve(result).then(undefined, reportUnhandledError);
    }
  } catch (err) {
    reportUnhandledError(err);
  }
}

function startWait(callback: () => void | PromiseLike<void>, factory: () => ObservableInput<unknown>): void {
  let notifier: Notifier;
  try {
    notifier = callNotifier(factory, "finalizeWhen: notifier()");
  } catch (err) {
    runCallback(callback);
    reportUnhandledError(err);
    return;
  }
  const { domain } = notifier;
  if (domain !== undefined) {
    try {
      domain.defer(callback);
    } catch (err) {
      runCallback(callback); // no grace period can be had any more (the domain is closed)
      if (!isRcuError(err, "CLOSED")) reportUnhandledError(err);
    }
    return;
  }
  whenNotified(notifier.observable, () => runCallback(callback), reportUnhandledError);
}

/**
 * Mirrors the source; when the subscription ends — on complete, error or unsubscribe — waits for `notifier()` to
 * emit and then calls `callback`.
 *
 * <span class="informal">`finalize`, but the cleanup waits for a notifier such as
 * `() => gracePeriod(domain)`.</span>
 *
 * ```
 * source:   --a--b--|
 * result:   --a--b--|
 * notifier:         ---x          (subscribed at teardown)
 * callback:            ^
 * ```
 *
 * A notifier that completes without emitting also runs the callback (cleanup is never skipped). Like
 * `finalize`, it runs once per subscription, after the source's own teardown. With `() => gracePeriod(domain)`
 * the callback is deferred on the domain itself, so its errors reach the domain's `onError`.
 *
 * @example
 * import { createDomain } from '@rcu/core'
 * import { finalizeWhen, gracePeriod } from '@rcu/rxjs'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const rows$ = query$.pipe(
 *   finalizeWhen(() => cursor.close(), () => gracePeriod(domain)), // readers of the last row finish first
 * )
 *
 * @param callback Runs once per subscription after the notifier emits; may return a promise (a rejection is
 * reported).
 * @param notifier Called at teardown; its first emission (or completion) triggers `callback`.
 * @returns A function that returns an observable mirroring the source.
 * @throws {RcuError} `INVALID_OPTION` if `callback` or `notifier` is not a function.
 * @see {@link gracePeriod}
 * @see https://rxjs.dev/api/operators/finalize
 * @see https://rxjs.dev/api/operators/delayWhen
 * @since 0.1.0
 */
export function finalizeWhen<T>(
  callback: () => void | PromiseLike<void>,
  notifier: () => ObservableInput<unknown>,
): MonoTypeOperatorFunction<T> {
  if (typeof callback !== "function" || typeof notifier !== "function") {
    throw new RcuError(
      "INVALID_OPTION",
      "finalizeWhen(callback, notifier) takes two functions: the cleanup, and a notifier factory " +
        "such as () => gracePeriod(domain).",
    );
  }
  // As RxJS's `finalize`: the source gets the downstream subscriber itself, and the wait is registered after the
  // source's subscribe returned, so it starts after the source's own teardown even when the source completes
  // synchronously.
  return operate<T, T>((source, subscriber) => {
    try {
      source.subscribe(subscriber);
    } finally {
      subscriber.add(() => startWait(callback, notifier));
    }
  });
}
