/**
 * `withReadLock(domain, { scope })`: read-side sections as an operator.
 *
 * How it works: with `scope: 'value'` (the default) each downstream `next` runs inside `domain.read`, so a value
 * retired while it is being delivered cannot be reclaimed before the synchronous part of every downstream handler
 * returns; it works on every flavour. With `scope: 'subscription'` the operator takes one `domain.readLock()`
 * before subscribing to the source and unlocks it exactly once after the source's teardown, whichever way the
 * subscription ends; grace periods of the domain cannot end meanwhile. A guard held across turns is only legal
 * where sections may span `await`, so that scope is refused for `loop` and `shared` domains.
 */
import type { RcuDomain } from "@rcu/core";
import { domainCapabilities } from "@rcu/core";
import { RcuError } from "@rcu/core";
import type { MonoTypeOperatorFunction } from "rxjs";
import { Observable } from "rxjs";
import { assertDomain } from "./internal/assert-domain.js";

/**
 * Options of {@link withReadLock}.
 *
 * @example
 * const options: WithReadLockOptions = { scope: 'subscription' }
 * @since 0.1.0
 */
export interface WithReadLockOptions {
  /**
   * `'value'` (default, every flavour): a section around each downstream `next`. `'subscription'` (`srcu` and
   * manual domains only): one section for the whole life of the subscription.
   */
  readonly scope?: "value" | "subscription";
}

/**
 * Mirrors the source inside read-side sections of `domain`: one around each downstream `next` (`scope: 'value'`),
 * or one for the whole subscription (`scope: 'subscription'`).
 *
 * <span class="informal">Makes the subscriber a reader: nothing retired on `domain` while it is inside can be
 * reclaimed under it.</span>
 *
 * ```
 * source:   --a----b---|
 * result:   --a----b---|
 * 'value':    [a]  [b]          one section per delivery
 * 'subscription': [----------]  one section, released on complete, error or unsubscribe
 * ```
 *
 * With `'value'`, only the synchronous part of the downstream handlers is covered; a handler that keeps the value
 * across `await` should take its own `domain.readLock()` (on an `srcu` domain) or use `'subscription'`.
 *
 * @example
 * import { createDomain, createCell } from '@rcu/core'
 * import { withReadLock } from '@rcu/rxjs'
 * import { map } from 'rxjs'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const config = createCell(domain, loadConfig())
 * ticks$.pipe(
 *   map(() => config.get()),
 *   withReadLock(domain), // the config cannot be disposed while a subscriber handles it
 * ).subscribe((snapshot) => render(snapshot))
 *
 * @param domain The domain to read under.
 * @param options `scope`: `'value'` (default) or `'subscription'`.
 * @returns A function that returns an observable mirroring the source.
 * @throws {RcuError} `INVALID_OPTION` if `domain` is not a domain, for an unknown `scope`, or for
 * `'subscription'` on a domain whose sections cannot span turns (`loop`, `shared`).
 * @see {@link retirePrevious}
 * @see {@link gracePeriod}
 * @since 0.1.0
 */
export function withReadLock<T>(domain: RcuDomain, options: WithReadLockOptions = {}): MonoTypeOperatorFunction<T> {
  assertDomain(domain, "withReadLock(domain)");
  const scope = options.scope ?? "value";
  if (scope === "value") {
    return (source) =>
      new Observable<T>((subscriber) =>
        source.subscribe({
          next: (value) => domain.read(() => subscriber.next(value)),
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      );
  }
  if (scope !== "subscription") {
    throw new RcuError(
      "INVALID_OPTION",
      `withReadLock: unknown scope ${JSON.stringify(scope)}; use 'value' (a section per value) or 'subscription'.`,
    );
  }
  if (!domainCapabilities(domain).asyncSections) {
    throw new RcuError(
      "INVALID_OPTION",
      `withReadLock(domain, { scope: 'subscription' }) holds a read section across turns, which a '${domain.flavor}' ` +
        "domain does not allow; use an 'srcu' domain (createDomain({ flavor: 'srcu' })) or scope: 'value'.",
    );
  }
  return (source) =>
    new Observable<T>((subscriber) => {
      const guard = domain.readLock();
      const subscription = source.subscribe({
        next: (value) => subscriber.next(value),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        try {
          subscription.unsubscribe();
        } finally {
          guard.unlock();
        }
      };
    });
}
