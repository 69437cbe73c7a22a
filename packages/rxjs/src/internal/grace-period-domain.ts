/**
 * Recognising a `gracePeriod(domain)` notifier. Operators that take a notifier factory (`finalizeWhen`,
 * `switchMapDeferred`'s `releaseWhen`) check whether the factory returned an observable made by `gracePeriod`;
 * if so they wait on the domain directly instead of subscribing, so their deferred work runs inside the domain's
 * callback and its failures reach the domain's `onError` (and `barrier()`/`close()` wait for it). A `WeakMap`
 * keeps the mark without holding the observable; anything derived from it (`gracePeriod(d).pipe(...)`) is an
 * ordinary notifier.
 */
import type { RcuDomain } from "@rcu/core";

const domains = new WeakMap<object, RcuDomain>();

/**
 * Marks `observable` as the grace-period notifier of `domain` and returns it.
 *
 * @example
 * return markGracePeriod(new Observable<void>(subscribe), domain)
 * @internal
 */
export function markGracePeriod<O extends object>(observable: O, domain: RcuDomain): O {
  domains.set(observable, domain);
  return observable;
}

/**
 * The domain of a notifier made by `gracePeriod(domain)`, or `undefined` for any other input.
 *
 * @example
 * const domain = gracePeriodDomain(notifier())
 * if (domain !== undefined) domain.defer(callback)
 * @internal
 */
export function gracePeriodDomain(input: unknown): RcuDomain | undefined {
  return typeof input === "object" && input !== null ? domains.get(input) : undefined;
}
