/**
 * The observable behind `gracePeriod(domain)`, and recognising it. Operators that take a notifier factory
 * (`finalizeWhen`, `switchMapDeferred`'s `releaseWhen`) check whether the factory returned one; if so they wait
 * on the domain directly instead of subscribing, so their deferred work runs inside the domain's callback and its
 * failures reach the domain's `onError` (and `barrier()`/`close()` wait for it). Anything derived from it
 * (`gracePeriod(d).pipe(...)`) is an ordinary notifier.
 *
 * How a subscription works: the subscription's waiter is registered with `waitForGracePeriod` (the grace period
 * covering every reader active at subscribe time); when it ends the subscriber gets `undefined` and completes,
 * inside the domain's callback. The waiter is also the subscription's teardown (an `Unsubscribable`), so
 * subscribing and unsubscribing allocate one object besides RxJS's own.
 */
import type { GpCookie, RcuDomain } from "@rcu/core";
import type { Subscriber, Unsubscribable } from "rxjs";
import { Observable } from "rxjs";
import type { GraceWaiter } from "./wait-for-grace-period.js";
import { cancelGracePeriodWait, waitForGracePeriod } from "./wait-for-grace-period.js";

class GracePeriodWaiter implements GraceWaiter, Unsubscribable {
  gpCookie: GpCookie | undefined = undefined;
  constructor(
    private readonly domain: RcuDomain,
    private readonly subscriber: Subscriber<void>,
  ) {}
  gracePeriodEnded(): void {
    this.subscriber.next();
    this.subscriber.complete();
  }
  unsubscribe(): void {
    cancelGracePeriodWait(this.domain, this);
  }
}

// Shared by every instance (no closure per observable); RxJS calls it with the observable as `this`.
function subscribeToGracePeriod(this: Observable<void>, subscriber: Subscriber<void>): Unsubscribable | undefined {
  const { domain } = this as GracePeriodObservable;
  const waiter = new GracePeriodWaiter(domain, subscriber);
  try {
    waitForGracePeriod(domain, waiter);
  } catch (err) {
    subscriber.error(err);
    return undefined;
  }
  return waiter;
}

/**
 * Emits `undefined` and completes when a grace period of `domain` that started at subscribe time has ended;
 * errors with the domain's error if the wait cannot be registered (a closed domain).
 *
 * @example
 * const notifier = new GracePeriodObservable(domain)
 * @internal
 */
export class GracePeriodObservable extends Observable<void> {
  readonly domain: RcuDomain;
  constructor(domain: RcuDomain) {
    super(subscribeToGracePeriod);
    this.domain = domain;
  }
}

/**
 * The domain of a notifier made by `gracePeriod(domain)`, or `undefined` for any other input (even one whose
 * prototype cannot be read).
 *
 * @example
 * const domain = gracePeriodDomain(notifier())
 * if (domain !== undefined) domain.defer(callback)
 * @internal
 */
export function gracePeriodDomain(input: unknown): RcuDomain | undefined {
  try {
    return input instanceof GracePeriodObservable ? input.domain : undefined;
  } catch {
    return undefined; // a revoked proxy or a throwing `getPrototypeOf` trap: not ours, whatever it is
  }
}
