/**
 * `onGracePeriod(domain, callback)`: run `callback` once a grace period that starts now has ended, with a way
 * to cancel. It is the synchronous bridge under `gracePeriod` and `switchMapDeferred`.
 *
 * How it works: a registration records the cookie `domain.startPoll()` returns, which names the grace period
 * covering every reader active now (and makes sure it starts). Per domain, one `domain.defer(tick)` is
 * outstanding while anything waits. The tick runs inside the domain's own callback — so inside a manual
 * domain's `advance()`/`endGracePeriod()`, which is what lets `TestScheduler.run` drive it — calls every
 * registration whose cookie now polls complete (oldest first), and re-arms itself if some still wait.
 * Cancelling deletes the registration at once: nothing keeps the callback (or the subscriber it closes over)
 * alive, and at most one empty tick per domain stays queued until the next grace period ends. A throwing
 * callback never stops the others: errors are collected and rethrown from the tick once every due callback
 * has run, so core reports them through the domain's `onError` (`CALLBACK_FAILED`).
 */
import type { GpCookie, RcuDomain } from "@rcu/core";

interface Registration {
  readonly cookie: GpCookie;
  readonly callback: () => void;
}

interface Waiters {
  readonly registrations: Set<Registration>;
  armed: boolean;
}

const waitersByDomain = new WeakMap<RcuDomain, Waiters>();

function tick(domain: RcuDomain, waiters: Waiters): void {
  waiters.armed = false;
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
  if (waiters.registrations.size > 0) arm(domain, waiters);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} grace-period callbacks failed`);
}

function arm(domain: RcuDomain, waiters: Waiters): void {
  if (waiters.armed) return;
  domain.defer(() => tick(domain, waiters));
  waiters.armed = true;
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
    waiters = { registrations: new Set(), armed: false };
    waitersByDomain.set(domain, waiters);
  }
  const registration: Registration = { cookie: domain.startPoll(), callback };
  arm(domain, waiters);
  waiters.registrations.add(registration);
  const { registrations } = waiters;
  return () => {
    registrations.delete(registration);
  };
}
