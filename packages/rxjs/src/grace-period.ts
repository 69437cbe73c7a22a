/**
 * `gracePeriod(domain)`: a grace period as an RxJS notifier.
 *
 * How it works: subscribing registers a waiter with the domain's grace-period bridge, which takes the cookie of
 * the grace period covering every reader active at subscribe time (`domain.startPoll()`) and waits on the
 * domain's deferred-work engine. When that grace period ends the observable emits `undefined` and completes,
 * synchronously inside the domain's callback (inside `advance()` for a manual domain), and
 * `domain.barrier()`/`close()` called after subscribing wait for it. Unsubscribing first cancels the wait at
 * once; nothing stays registered for this subscriber. The observable is a `GracePeriodObservable` carrying its
 * domain, so `finalizeWhen` and `switchMapDeferred` can recognise `() => gracePeriod(domain)` and wait on the
 * domain directly.
 */
import type { RcuDomain } from "@rcu/core";
import type { Observable } from "rxjs";
import { assertDomain } from "./internal/assert-domain.js";
import { GracePeriodObservable } from "./internal/grace-period-domain.js";

/**
 * Emits once, then completes, when a grace period of `domain` that started at subscribe time has ended — that
 * is, once every reader that was inside a read section when you subscribed has left it.
 *
 * <span class="informal">A notifier like `timer(ms)`, but it waits for readers instead of guessing a
 * duration.</span>
 *
 * ```
 * readers:  --[read section]--|
 * subscribe:    ^
 * result:   ------------------(v|)
 * ```
 *
 * It is a drop-in for the time-based linger of `share`: the upstream is torn down only after the last
 * subscriber left *and* every reader still holding a shared value has finished. A new subscriber arriving
 * before the grace period ends cancels the reset, as with any `share` reset notifier.
 *
 * The emission happens inside the domain's deferred-work callback (synchronously inside `advance()` on a
 * manual domain). Subscribers may retire or defer more work from there, but — as from any deferred callback —
 * `domain.barrier()`/`close()` called synchronously from the emission are refused with `INSIDE_CALLBACK`.
 *
 * Errors with the domain's error (for example `RcuError('CLOSED')` after `domain.close()`) if the wait cannot
 * be registered.
 *
 * @example
 * import { createDomain } from '@rcu/core'
 * import { gracePeriod } from '@rcu/rxjs'
 * import { share } from 'rxjs'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const connection$ = openConnection().pipe(
 *   share({ resetOnRefCountZero: () => gracePeriod(domain) }),
 * )
 *
 * @param domain The domain whose readers to wait for.
 * @returns An observable that emits `undefined` and completes when the grace period has ended.
 * @throws {RcuError} `INVALID_OPTION` if `domain` is not a domain.
 * @see {@link retirePrevious}
 * @see {@link switchMapDeferred}
 * @see {@link finalizeWhen}
 * @see https://rxjs.dev/api/operators/share
 * @since 0.1.0
 */
export function gracePeriod(domain: RcuDomain): Observable<void> {
  assertDomain(domain, "gracePeriod(domain)");
  return new GracePeriodObservable(domain);
}
