/**
 * `onGracePeriod(domain, callback)`: run `callback` once a grace period that starts now has ended, with a way
 * to cancel. It is the synchronous bridge under `gracePeriod` and `switchMapDeferred`.
 *
 * How it works: a registration records the cookie `domain.startPoll()` returns, which names the grace period
 * covering every reader active now (and makes sure it starts). For each cookie that has registrations, one
 * `domain.defer(tick)` is queued in the same synchronous turn, so it belongs to that same grace period (at most
 * two cookies are ever unexpired, so at most two ticks per domain). The tick runs inside the domain's own
 * callback — inside a manual domain's `advance()`/`endGracePeriod()`, which is what lets `TestScheduler.run`
 * drive it — and calls every registration whose cookie now polls complete, oldest first. Because every wait is
 * backed by a deferred callback queued before any later `domain.barrier()` call, `barrier()` (and `close()`)
 * also wait for the callbacks. A registration still pending after its tick (should the engine ever batch
 * differently) gets a new tick, so none is lost. Cancelling deletes the registration at once: nothing keeps the
 * callback (or the subscriber it closes over) alive; only the empty tick stays queued until its grace period
 * ends. A throwing callback never stops the others: errors are collected and rethrown from the tick once every
 * due callback has run, so core reports them through the domain's `onError` (`CALLBACK_FAILED`).
 */
import type { GpCookie, RcuDomain } from "@rcu/core";

interface Registration {
  readonly cookie: GpCookie;
  readonly callback: () => void;
}

interface Waiters {
  readonly registrations: Set<Registration>;
  /** Cookies that have a queued tick. */
  readonly ticks: Set<GpCookie>;
}

const waitersByDomain = new WeakMap<RcuDomain, Waiters>();

function tick(domain: RcuDomain, waiters: Waiters, cookie: GpCookie): void {
  waiters.ticks.delete(cookie);
  const errors: unknown[] = [];
  for (const registration of waiters.registrations) {
    if (!domain.poll(registration.cookie)) continue;
    waiters.registrations.delete(registration);
    try {
      registration.callback();
    } catch (err) {
      errors.push(err);
    }
  }
  for (const registration of waiters.registrations) arm(domain, waiters, registration.cookie);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} grace-period callbacks failed`);
}

function arm(domain: RcuDomain, waiters: Waiters, cookie: GpCookie): void {
  if (waiters.ticks.has(cookie)) return;
  domain.defer(() => tick(domain, waiters, cookie));
  waiters.ticks.add(cookie);
}

/**
 * Calls `callback` once, from inside the domain's deferred-work callback, after a grace period of `domain`
 * that starts at this call has ended. Returns a function that cancels the wait (a no-op once it has run).
 * Throws what `domain.defer` throws (for example `RcuError('CLOSED')`); then nothing is registered.
 *
 * @example
 * const cancel = onGracePeriod(domain, () => inner.unsubscribe())
 * // later, if the release is no longer needed:
 * cancel()
 * @internal
 */
export function onGracePeriod(domain: RcuDomain, callback: () => void): () => void {
  let waiters = waitersByDomain.get(domain);
  if (waiters === undefined) {
    waiters = { registrations: new Set(), ticks: new Set() };
    waitersByDomain.set(domain, waiters);
  }
  const registration: Registration = { cookie: domain.startPoll(), callback };
  arm(domain, waiters, registration.cookie);
  waiters.registrations.add(registration);
  const { registrations } = waiters;
  return () => {
    registrations.delete(registration);
  };
}
