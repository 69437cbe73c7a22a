/**
 * Recipe: marble-testing RxJS pipelines that wait for grace periods.
 *
 * Give the pipeline a manual domain (`createManualDomain()` from `@rcu/core/testing`) and schedule its
 * `advance()` calls at exact virtual frames inside `TestScheduler.run`: the grace period ends at that frame and
 * the deferred unsubscription happens right there, so `expectSubscriptions` can pin down when each inner was torn
 * down. Here: `switchMapDeferred` keeps the replaced inner `a` subscribed until the grace period at frame 8, and the
 * last inner `b` until the grace period after the result is unsubscribed.
 *
 * In a vitest file, pass `(actual, expected) => expect(actual).toEqual(expected)` to the `TestScheduler`; this recipe
 * collects the comparisons instead so that `main()` can return them.
 */
import { isDeepStrictEqual } from "node:util";
import { createManualDomain } from "@rcu/core/testing";
import { switchMapDeferred } from "@rcu/rxjs";
import type { Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";

export function main() {
  const checks: { ok: boolean; actual: unknown; expected: unknown }[] = [];
  const scheduler = new TestScheduler((actual, expected) => {
    checks.push({ ok: isDeepStrictEqual(actual, expected), actual, expected });
  });
  const domain = createManualDomain();

  scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const a = cold("x-x-x-x-x-x-x-x-x-x");
    const b = cold("y-y-y-y-y-y-y-y-y-y");
    const source = hot<Observable<string>>("-a---b------|", { a, b });
    scheduler.schedule(() => domain.advance(), 8); // a grace period ends at frame 8 ...
    scheduler.schedule(() => domain.advance(), 14); // ... and another at 14

    const result = source.pipe(switchMapDeferred((inner) => inner, { domain }));
    expectObservable(result, "^-----------!").toBe("-x-x-y-y-y-y"); // b takes over at 5; a's values are dropped
    expectSubscriptions(a.subscriptions).toBe("-^------!"); // replaced at 5, unsubscribed at the grace period (8)
    expectSubscriptions(b.subscriptions).toBe("-----^--------!"); // result unsubscribed at 12, b at 14
  });

  return { checks, pendingAfter: domain.stats().pendingCallbacks };
}
