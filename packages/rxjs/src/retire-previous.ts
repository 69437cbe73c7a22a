/**
 * `retirePrevious(domain, { dispose })`: the RCU publish step as an operator — each value replaces the previous
 * one, and the previous one is disposed only after a grace period.
 *
 * How it works: the operator remembers the current value. A different value is forwarded first (publish), then
 * the previous one is retired with `domain.defer`, so its disposal waits for every reader that was inside a
 * read section at that moment (`rcu_assign_pointer` then `call_rcu`). The current value is retired the same way
 * when the subscription ends (complete, error or unsubscribe). Each retirement carries a token in a per
 * subscription map: a value emitted again while its disposal is pending becomes current again and voids that
 * token, so only its latest retirement can dispose it; a `WeakSet` of disposed objects makes a second disposal
 * of the same object impossible. Disposal runs inside the domain's deferred callback, so a throwing or
 * rejecting disposer is reported through the domain's `onError`, never into an unrelated stack. Once the domain
 * is closed no grace period can be had: a value that must be retired then is disposed at once (a new value
 * also errors the result with `RcuError('CLOSED')`; the teardown stays quiet), and a failing disposer is reported
 * through RxJS's `config.onUnhandledError` instead, as the same `Error` (a thrown non-Error wrapped in
 * `RcuError('CALLBACK_FAILED')`).
 */
import type { RcuDomain } from "@rcu/core";
import { RcuError, isRcuError } from "@rcu/core";
import type { MonoTypeOperatorFunction } from "rxjs";
import { assertDomain } from "./internal/assert-domain.js";
import { readOptions } from "./internal/read-options.js";
import { describeValue } from "@rcu/core";
import { disposeValue } from "./internal/dispose-value.js";
import { OperatorSubscriber, operate } from "./internal/operate.js";
import { reportUnhandledError } from "./internal/report-unhandled-error.js";

// The domain is closed, so its `onError` is no longer there to report to: failures go to RxJS's unhandled-error
// path, as the same Errors the domain would have been handed.
function disposeNow<T>(dispose: (value: T) => void | PromiseLike<void>, value: T): void {
  try {
    const settled = disposeReporting(dispose, value);
    settled?.then(undefined, reportUnhandledError);
  } catch (err) {
    reportUnhandledError(err);
  }
}

/** What a disposer threw or rejected with, as an `Error` (the original as `cause`) whatever it was. */
function asError(err: unknown): Error {
  return err instanceof Error
    ? err
    : new RcuError("CALLBACK_FAILED", `retirePrevious: dispose threw ${describeValue(err)}`, { cause: err });
}

// Runs the disposer inside the domain's callback; anything it throws or rejects with reaches the domain's
// `onError` as an Error, even a value whose `String()` throws.
function disposeReporting<T>(dispose: (value: T) => void | PromiseLike<void>, value: T): void | PromiseLike<void> {
  let result: void | PromiseLike<void>;
  try {
    result = dispose(value);
  } catch (err) {
    throw asError(err);
  }
  let then: unknown;
  try {
    then = (result as { then?: unknown } | null | undefined)?.then;
  } catch (err) {
    throw asError(err); // a revoked proxy, a throwing `then` getter
  }
  if (typeof then !== "function") return undefined;
  // Adopted by a native promise, so a thenable that settles late, twice, or by calling back into us from another
  // job is followed once, and its rejection comes back here to be reported, not thrown on that job.
  return Promise.resolve(result).then(undefined, (err: unknown) => {
    throw asError(err);
  });
}

/**
 * Options of {@link retirePrevious}.
 *
 * @example
 * const options: RetirePreviousOptions<Worker> = { dispose: (worker) => worker.terminate() }
 * @since 0.1.0
 */
export interface RetirePreviousOptions<T> {
  /**
   * Disposes a retired value after its grace period. A returned promise is tracked by the domain (`barrier()`
   * waits for it; a rejection is reported). Default: `Symbol.asyncDispose`, else `Symbol.dispose`, else
   * nothing.
   */
  readonly dispose?: (value: T) => void | PromiseLike<void>;
}

/**
 * Mirrors the source, and disposes each value after a grace period once a newer value has replaced it; the last
 * value is disposed (after a grace period) when the subscription completes, errors or is unsubscribed.
 *
 * <span class="informal">`switchMap` for resources you create yourself: a reader that got the old value inside a
 * read section can keep using it until it leaves.</span>
 *
 * ```
 * source:   --a----b----b----c--|
 * result:   --a----b----b----c--|
 * retired:         a         b  c    (each disposed once the grace period starting there has ended)
 * ```
 *
 * The same value seen twice in a row is not retired; a value emitted again while its disposal is still pending
 * becomes current again and its earlier retirement is cancelled; no object is ever disposed twice by one
 * subscription. Values are compared with `===`.
 *
 * @example
 * import { createDomain } from '@rcu/core'
 * import { retirePrevious } from '@rcu/rxjs'
 * import { map } from 'rxjs'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const pool$ = config$.pipe(
 *   map((config) => new ConnectionPool(config)), // has [Symbol.asyncDispose]
 *   retirePrevious(domain),
 * )
 * pool$.subscribe(async (pool) => {
 *   using _ = domain.readLock() // the pool cannot be disposed until this section ends
 *   await pool.query('select 1')
 * })
 *
 * @param domain The domain whose grace periods delay disposal.
 * @param options `dispose` replaces the default disposer.
 * @returns A function that returns an observable mirroring the source.
 * @throws {RcuError} `INVALID_OPTION` if `domain` is not a domain or `dispose` is not a function.
 * @see {@link switchMapDeferred}
 * @see {@link gracePeriod}
 * @see https://rxjs.dev/api/index/function/using
 * @since 0.1.0
 */
export function retirePrevious<T>(
  domain: RcuDomain,
  options: RetirePreviousOptions<T> = {},
): MonoTypeOperatorFunction<T> {
  assertDomain(domain, "retirePrevious(domain)");
  const { dispose: givenDispose } = readOptions(options, ["dispose"], "retirePrevious(domain, options)");
  if (givenDispose !== undefined && typeof givenDispose !== "function") {
    throw new RcuError(
      "INVALID_OPTION",
      "retirePrevious(domain, { dispose }): `dispose` must be a function (value) => void | Promise<void>.",
    );
  }
  const dispose = (givenDispose ?? disposeValue) as (value: T) => void | PromiseLike<void>;
  return operate<T, T>((source, subscriber) => {
    let hasCurrent = false;
    let current: T | undefined;
    // The token of each value's latest pending retirement; deleting the entry cancels it.
    const pending = new Map<T, object>();
    const disposed = new WeakSet<object>();

    // Marks `value` disposed; false if it already was (objects only: primitives cannot be tracked weakly).
    const claim = (value: T): boolean => {
      if ((typeof value !== "object" || value === null) && typeof value !== "function") return true;
      if (disposed.has(value)) return false;
      disposed.add(value);
      return true;
    };
    const retire = (value: T): void => {
      const token = {};
      pending.set(value, token);
      try {
        domain.defer(() => {
          if (pending.get(value) !== token) return undefined;
          pending.delete(value);
          return claim(value) ? disposeReporting(dispose, value) : undefined;
        });
      } catch (err) {
        // No grace period can be had any more (the domain is closed): dispose now rather than never.
        pending.delete(value);
        if (claim(value)) disposeNow(dispose, value);
        throw err;
      }
    };

    const teardown = (): void => {
      if (!hasCurrent) return;
      const last = current as T;
      hasCurrent = false;
      current = undefined;
      try {
        retire(last);
      } catch (err) {
        // Disposed already; a closed domain at teardown (shutdown order) is not worth an UnsubscriptionError.
        if (!isRcuError(err, "CLOSED")) throw err;
      }
    };

    source.subscribe(
      new OperatorSubscriber<T>(
        subscriber,
        (value) => {
          if (hasCurrent && current === value) {
            subscriber.next(value);
            return;
          }
          pending.delete(value);
          const hadPrevious = hasCurrent;
          const previous = current as T;
          hasCurrent = true;
          current = value;
          subscriber.next(value);
          // A synchronous re-entrant emission may have made `previous` current again meanwhile.
          if (!hadPrevious || (hasCurrent && current === previous)) return;
          retire(previous); // a throw (the domain closed) errors the result
        },
        undefined,
        undefined,
        teardown, // after the source's own teardown, however the subscription ends
      ),
    );
  });
}
