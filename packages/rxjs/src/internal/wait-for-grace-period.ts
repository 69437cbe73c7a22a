/**
 * `waitForGracePeriod(domain, waiter)` / `cancelGracePeriodWait(domain, waiter)`: call `waiter` once a grace
 * period that starts now has ended, or stop waiting. It is the synchronous bridge under `gracePeriod` and
 * `switchMapDeferred`.
 *
 * How it works: a registration records the cookie `domain.startPoll()` returns, which names the grace period
 * covering every reader active now (and makes sure it starts). For each cookie that has registrations, one
 * `domain.defer(tick)` is queued in the same synchronous turn, so it belongs to that same grace period (at most
 * two cookies are ever unexpired, so at most two ticks per domain). The tick runs inside the domain's own
 * callback — inside a manual domain's `advance()`/`endGracePeriod()`, which is what lets `TestScheduler.run`
 * drive it — and calls every registration whose cookie now polls complete, oldest first. Because every wait is
 * backed by a deferred callback queued before any later `domain.barrier()` call, `barrier()` (and `close()`)
 * also wait for the callbacks. Waiters are registered as objects (`GraceWaiter`), so a hot caller such as
 * `switchMapDeferred` registers its inner subscriber itself and allocates nothing per wait. A registration
 * still pending after its tick (should the engine ever batch differently) gets a new tick, so none is lost. Cancelling deletes the registration at once: nothing keeps the
 * waiter (or the subscriber it refers to) alive; only the empty tick stays queued until its grace period
 * ends. A throwing callback never stops the others: errors are collected and rethrown from the tick once every
 * due callback has run, so core reports them through the domain's `onError` (`CALLBACK_FAILED`).
 */
import type { GpCookie, RcuDomain } from "@rcu/core";

/**
 * Something waiting for a grace period: the registration itself (no closure per wait). `gpCookie` is set by
 * {@link waitForGracePeriod}.
 *
 * @example
 * const waiter: GraceWaiter = { gpCookie: undefined, gracePeriodEnded: () => inner.unsubscribe() }
 * @internal
 */
export interface GraceWaiter {
  gpCookie: GpCookie | undefined;
  gracePeriodEnded(): void;
}

interface Waiters {
  readonly registrations: Set<GraceWaiter>;
  /** Cookies that have a queued tick. */
  readonly ticks: Set<GpCookie>;
}

const waitersByDomain = new WeakMap<RcuDomain, Waiters>();

function tick(domain: RcuDomain, waiters: Waiters, cookie: GpCookie): void {
  waiters.ticks.delete(cookie);
  let errors: unknown[] | undefined;
  for (const waiter of waiters.registrations) {
    if (!domain.poll(waiter.gpCookie as GpCookie)) continue;
    waiters.registrations.delete(waiter);
    try {
      waiter.gracePeriodEnded();
    } catch (err) {
      (errors ??= []).push(err);
    }
  }
  for (const waiter of waiters.registrations) arm(domain, waiters, waiter.gpCookie as GpCookie);
  if (errors === undefined) return;
  if (errors.length === 1) throw errors[0];
  throw new AggregateError(errors, `${errors.length} grace-period callbacks failed`);
}

function arm(domain: RcuDomain, waiters: Waiters, cookie: GpCookie): void {
  if (waiters.ticks.has(cookie)) return;
  domain.defer(() => tick(domain, waiters, cookie));
  waiters.ticks.add(cookie);
}

function waitersOf(domain: RcuDomain): Waiters {
  let waiters = waitersByDomain.get(domain);
  if (waiters === undefined) {
    waiters = { registrations: new Set(), ticks: new Set() };
    waitersByDomain.set(domain, waiters);
  }
  return waiters;
}

/**
 * Calls `waiter.gracePeriodEnded()` once, from inside the domain's deferred-work callback, after a grace period
 * of `domain` that starts at this call has ended. Throws what `domain.defer` throws (for example
 * `RcuError('CLOSED')`); then nothing is registered.
 *
 * @example
 * waitForGracePeriod(domain, innerSubscriber) // innerSubscriber.gracePeriodEnded() unsubscribes it
 * @internal
 */
export function waitForGracePeriod(domain: RcuDomain, waiter: GraceWaiter): void {
  const waiters = waitersOf(domain);
  const cookie = domain.startPoll();
  arm(domain, waiters, cookie);
  waiter.gpCookie = cookie;
  waiters.registrations.add(waiter);
}

/**
 * Stops a wait registered with {@link waitForGracePeriod} (a no-op once it has fired).
 *
 * @example
 * cancelGracePeriodWait(domain, innerSubscriber)
 * @internal
 */
export function cancelGracePeriodWait(domain: RcuDomain, waiter: GraceWaiter): void {
  waitersByDomain.get(domain)?.registrations.delete(waiter);
}
