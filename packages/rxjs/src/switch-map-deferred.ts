/**
 * `switchMapDeferred(project, { domain } | { releaseWhen })`: make-before-break `switchMap`.
 *
 * How it works: RxJS's `switchMap` unsubscribes the current inner before it even calls `project` for the next
 * value (break-before-make), so a resource the old inner emitted is gone while a consumer may still use it.
 * Here each outer value is projected and its inner subscribed first; only then is the previous inner
 * *released*: from that moment its values (and its error, as with `switchMap`) are dropped, and its subscription
 * is unsubscribed once a grace period that starts now has ended (`{ domain }`, via the domain's deferred-work
 * engine) or the `releaseWhen()` notifier emits or completes. A released inner that completes on its own
 * cancels its pending release. When the result ends (complete, error or unsubscribe) the current inner is
 * released the same way, and releases already pending still happen, so every inner is unsubscribed exactly
 * once and none is left behind. With `{ domain }` (or `releaseWhen: () => gracePeriod(domain)`, recognised as
 * the same thing) the unsubscription runs inside the domain's callback, so an error thrown by an inner's
 * teardown (an `UnsubscriptionError`) is reported through the domain's `onError`.
 * Once the domain is closed no grace period can be had: a release then happens at once (a new value also errors
 * the result with `RcuError('CLOSED')`; the teardown stays quiet).
 *
 * Subscribers are chained as in RxJS's own `switchMap`: the outer subscriber is linked to the downstream one
 * before the source is subscribed, and each inner's subscriber is made `current` before the inner is subscribed,
 * so a synchronous source or inner sees downstream's unsubscription (or a synchronous switch) at once. A released
 * inner's subscriber reports `closed` at once — a synchronous producer stops pulling — while its teardown waits
 * for the release (`DeferredTeardownSubscriber`). A `releaseWhen()` that throws or returns a non-`ObservableInput`
 * is a coded `RcuError` for the subscriber, and the inner is released at once. A `project` that returns a
 * non-`ObservableInput` errors the result with `RcuError('INVALID_OPTION')` (what it throws is passed on as is).
 */
import type { GpCookie, RcuDomain } from "@rcu/core";
import { RcuError, describeValue, isRcuError } from "@rcu/core";
import type { ObservableInput, ObservedValueOf, OperatorFunction, Subscriber } from "rxjs";
import { assertDomain } from "./internal/assert-domain.js";
import { readOptions } from "./internal/read-options.js";
import { callNotifier } from "./internal/call-notifier.js";
import { fromInput } from "./internal/from-input.js";
import type { InnerHandler } from "./internal/deferred-teardown-subscriber.js";
import { DeferredTeardownSubscriber } from "./internal/deferred-teardown-subscriber.js";
import type { GraceWaiter } from "./internal/wait-for-grace-period.js";
import { cancelGracePeriodWait, waitForGracePeriod } from "./internal/wait-for-grace-period.js";
import { OperatorSubscriber, operate } from "./internal/operate.js";
import { reportUnhandledError } from "./internal/report-unhandled-error.js";
import { whenNotified } from "./internal/when-notified.js";

/**
 * When {@link switchMapDeferred} may unsubscribe a replaced inner: after a grace period of `domain`, or when
 * the observable returned by `releaseWhen()` emits (or completes). Exactly one of the two.
 *
 * @example
 * const byGracePeriod: SwitchMapDeferredOptions = { domain }
 * const byNotifier: SwitchMapDeferredOptions = { releaseWhen: () => timer(1_000) }
 * @since 0.1.0
 */
export type SwitchMapDeferredOptions =
  | { readonly domain: RcuDomain; readonly releaseWhen?: never }
  | { readonly releaseWhen: () => ObservableInput<unknown>; readonly domain?: never };

/**
 * One inner: its subscriber (registered as `current` before the inner is subscribed), its release state, and —
 * with a domain — itself the grace-period registration, so an inner costs one object.
 */
class Inner extends DeferredTeardownSubscriber<unknown> implements GraceWaiter {
  /** The inner completed or errored: nothing left to unsubscribe. */
  finished = false;
  released = false;
  gpCookie: GpCookie | undefined = undefined;
  /** Cancels a pending release (the inner ended on its own first). */
  cancelRelease: (() => void) | undefined = undefined;
  /** The domain whose grace period this inner waits for, if any. */
  waitDomain: RcuDomain | undefined = undefined;

  gracePeriodEnded(): void {
    this.unsubscribe();
  }

  /** The inner ended on its own: its pending release has nothing left to do. */
  ended(): void {
    this.finished = true;
    if (this.waitDomain !== undefined) cancelGracePeriodWait(this.waitDomain, this);
    this.cancelRelease?.();
  }
}

type ScheduleRelease = (inner: Inner, reportError: (err: unknown) => void) => void;

function releaseAfterGracePeriod(domain: RcuDomain, inner: Inner): void {
  try {
    waitForGracePeriod(domain, inner);
    inner.waitDomain = domain;
  } catch (err) {
    // No grace period can be had (the domain is closed): release now rather than never.
    inner.unsubscribe();
    throw err;
  }
}

function releaseStrategy(options: SwitchMapDeferredOptions): ScheduleRelease {
  const { domain, releaseWhen } = readOptions(
    options,
    ["domain", "releaseWhen"],
    "switchMapDeferred(project, options)",
  );
  if ((domain === undefined) === (releaseWhen === undefined)) {
    throw new RcuError(
      "INVALID_OPTION",
      "switchMapDeferred(project, options) needs exactly one of `options.domain` (release after a grace period) " +
        "or `options.releaseWhen` (release when that notifier emits); pass `{ domain }` or `{ releaseWhen }`.",
    );
  }
  if (domain !== undefined) {
    assertDomain(domain, "switchMapDeferred(project, { domain })");
    return (inner) => releaseAfterGracePeriod(domain, inner);
  }
  if (typeof releaseWhen !== "function") {
    throw new RcuError(
      "INVALID_OPTION",
      "switchMapDeferred: `options.releaseWhen` must be a function returning an ObservableInput.",
    );
  }
  const factory = releaseWhen as () => ObservableInput<unknown>;
  return (inner, reportError) => {
    let notifier;
    try {
      notifier = callNotifier(factory, "switchMapDeferred: options.releaseWhen()");
    } catch (err) {
      inner.unsubscribe(); // release now rather than never
      throw err;
    }
    if (notifier.domain !== undefined) {
      // `() => gracePeriod(domain)`: the same as `{ domain }` (errors reach the domain's onError).
      releaseAfterGracePeriod(notifier.domain, inner);
      return;
    }
    inner.cancelRelease = whenNotified(notifier.observable, () => inner.unsubscribe(), reportError);
  };
}

/** What `project` returned when `from()` cannot convert it: a coded error with RxJS's `TypeError` as `cause`. */
function notObservableInput(input: unknown, cause: unknown): RcuError {
  return new RcuError(
    "INVALID_OPTION",
    `switchMapDeferred: project returned ${describeValue(input)}, which is not an ObservableInput; return an ` +
      "Observable, a Promise, an array or an iterable.",
    { cause },
  );
}

/** The state of one subscription to the result; also the handler of all its inners' notifications. */
class SwitchState<R> implements InnerHandler<unknown, DeferredTeardownSubscriber<unknown>> {
  current: Inner | undefined = undefined;
  outerComplete = false;
  /** The result has been completed or errored by this operator (not merely unsubscribed). */
  ended = false;
  constructor(
    readonly subscriber: Subscriber<R>,
    private readonly scheduleRelease: ScheduleRelease,
  ) {}

  fail(err: unknown): void {
    this.ended = true;
    this.subscriber.error(err);
  }

  complete(): void {
    this.ended = true;
    this.subscriber.complete();
  }

  readonly reportError = (err: unknown): void => {
    if (this.subscriber.closed) reportUnhandledError(err);
    else this.fail(err);
  };

  release(inner: Inner): void {
    if (inner.released) return;
    inner.released = true;
    if (inner.finished) return;
    inner.detach(); // a synchronous inner stops emitting now; its teardown waits for the release
    this.scheduleRelease(inner, this.reportError);
  }

  innerNext(inner: DeferredTeardownSubscriber<unknown>, value: unknown): void {
    if (this.current === inner) this.subscriber.next(value as R);
  }

  innerError(inner: DeferredTeardownSubscriber<unknown>, err: unknown): void {
    (inner as Inner).ended();
    if (this.current !== inner) return;
    this.current = undefined;
    this.fail(err);
  }

  innerComplete(inner: DeferredTeardownSubscriber<unknown>): void {
    (inner as Inner).ended();
    if (this.current !== inner) return;
    this.current = undefined;
    if (this.outerComplete) this.complete();
  }
}

/**
 * Projects each source value to an inner observable and mirrors only the most recent one, like `switchMap`, but
 * unsubscribes the replaced inner only after the new inner is subscribed **and** a grace period of
 * `options.domain` has ended (or `options.releaseWhen()` has emitted).
 *
 * <span class="informal">Make-before-break `switchMap`: a resource emitted by the old inner stays alive until
 * every reader that could hold it has left its read section.</span>
 *
 * ```
 * source:    --a---------b----------|
 * inner a:     ^-1---2-----------!        (unsubscribed after the grace period)
 * inner b:               ^-3---4---|
 * grace:                 [------]
 * result:    ----1---2-----3---4-----|
 * ```
 *
 * The cost is overlap: two inners (and their resources) are alive at once until the grace period ends. Values
 * and errors of a replaced inner are dropped, as with `switchMap`. When the result ends (complete, error or
 * unsubscribe), the current inner is released after a grace period too. An inner that completes tears itself
 * down at once, as everywhere in RxJS: keep an inner that owns a resource open for as long as the resource may
 * be used (`concat(of(resource), NEVER)`, or `using(factory, (r) => concat(of(r), NEVER))`).
 *
 * @example
 * import { createDomain } from '@rcu/core'
 * import { switchMapDeferred } from '@rcu/rxjs'
 * import { Observable } from 'rxjs'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const connection$ = config$.pipe(
 *   switchMapDeferred(
 *     (config) => new Observable<Connection>((subscriber) => {
 *       const connection = connect(config)
 *       subscriber.next(connection)
 *       return () => connection.close() // runs only after readers of `connection` have left
 *     }),
 *     { domain },
 *   ),
 * )
 * connection$.subscribe(async (connection) => {
 *   using _ = domain.readLock()
 *   await connection.query('select 1') // never sees a closed connection
 * })
 *
 * @param project Maps a source value (and its index) to an `ObservableInput`.
 * @param options `{ domain }` to release after a grace period, or `{ releaseWhen }` to release when a notifier
 * emits (a test can pass `() => cold('--x')`).
 * @returns A function that returns an observable of the values of the most recent inner.
 * @throws {RcuError} `INVALID_OPTION` if `project` is not a function, or unless exactly one of a domain `domain`
 * and a function `releaseWhen` is given. The result errors with `INVALID_OPTION` when `project` returns something
 * that is not an `ObservableInput`; what `project` throws is passed to the subscriber unchanged.
 * @see {@link retirePrevious}
 * @see {@link gracePeriod}
 * @see https://rxjs.dev/api/operators/switchMap
 * @since 0.1.0
 */
export function switchMapDeferred<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  options: SwitchMapDeferredOptions,
): OperatorFunction<T, ObservedValueOf<O>> {
  if (typeof project !== "function") {
    throw new RcuError(
      "INVALID_OPTION",
      "switchMapDeferred(project, options): `project` must be a function (value, index) => ObservableInput.",
    );
  }
  const scheduleRelease = releaseStrategy(options);
  return operate<T, ObservedValueOf<O>>((source, subscriber) => {
    const state = new SwitchState<ObservedValueOf<O>>(subscriber, scheduleRelease);
    let index = 0;
    const outer = new OperatorSubscriber<T>(
      subscriber,
      (value) => {
        let input: O;
        try {
          input = project(value, index++);
        } catch (err) {
          state.fail(err); // the user's own throw, as with switchMap
          return;
        }
        let inner$;
        try {
          inner$ = fromInput(input);
        } catch (err) {
          state.fail(notObservableInput(input, err));
          return;
        }
        const previous = state.current;
        const inner = new Inner(state);
        state.current = inner; // registered before it is subscribed, so a synchronous end or switch inside sees it
        inner$.subscribe(inner);
        if (previous === undefined) return;
        try {
          state.release(previous);
        } catch (err) {
          state.fail(err);
        }
      },
      () => {
        state.outerComplete = true;
        if (state.current === undefined) state.complete();
      },
      (err) => state.fail(err),
    );

    // Registered after the outer subscriber (so the source is torn down first) and before subscribing.
    subscriber.add(() => {
      const last = state.current;
      state.current = undefined;
      if (last === undefined) return;
      try {
        state.release(last);
      } catch (err) {
        // Released at once already. A closed domain at teardown (shutdown order) is not worth reporting, and after
        // this operator completed or errored the result has nobody left to tell; otherwise the caller of
        // `unsubscribe()` gets it (inside an `UnsubscriptionError`).
        if (!state.ended && !isRcuError(err, "CLOSED")) throw err;
      }
    });
    source.subscribe(outer);
  });
}
