/**
 * Hostile values fed to every public entry point of `@rcu/rxjs`: each call either succeeds or throws an
 * `RcuError` with a code — never a raw `TypeError` from reading a revoked proxy, a throwing getter, a bigint in
 * an error message — and an operator that was built can be subscribed and unsubscribed without anything
 * escaping synchronously. `RCU_RXJS_FC_RUNS` sets the runs (default 1000).
 */
import { isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import type { OperatorFunction } from "rxjs";
import { config, of } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { finalizeWhen } from "../src/finalize-when.js";
import { gracePeriod } from "../src/grace-period.js";
import { retirePrevious } from "../src/retire-previous.js";
import { switchMapDeferred } from "../src/switch-map-deferred.js";
import { withReadLock } from "../src/with-read-lock.js";

const numRuns = Number(process.env.RCU_RXJS_FC_RUNS ?? 1000);

const revokedProxy = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingGetters = (...keys: string[]): object => {
  const target = {};
  for (const key of keys) {
    Object.defineProperty(target, key, {
      enumerable: true,
      get() {
        throw Object.create(null);
      },
    });
  }
  return target;
};

/** Makers of hostile values (made inside the property: fast-check cannot hold a revoked proxy itself). */
const hostile: fc.Arbitrary<() => unknown> = fc.oneof(
  fc
    .oneof(
      fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true }),
      fc.constantFrom(null, undefined, Symbol("s"), NaN, Infinity, -1, 2 ** 53, 10n, "", "value", "subscription"),
      fc.func(fc.anything()),
      fc.record({ dispose: fc.anything() }),
      fc.record({ scope: fc.anything({ withBigInt: true }) }),
      fc.record({ domain: fc.anything() }, { requiredKeys: [] }),
      fc.record({ releaseWhen: fc.oneof(fc.func(fc.anything()), fc.anything()) }),
    )
    .map((value) => () => value),
  fc.constant(() => Object.create(null) as unknown),
  fc.constant(revokedProxy),
  fc.constant(() => throwingGetters("dispose", "scope", "domain", "releaseWhen", "defer")),
);

/** Runs `build`; it must succeed or throw a coded RcuError. Returns the built operator, if any. */
function attempt<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch (err) {
    expect(isRcuError(err), `threw ${err instanceof Error ? err.stack : typeof err} from ${build.toString()}`).toBe(
      true,
    );
    return undefined;
  }
}

/** Subscribes `op` to a short source and unsubscribes; nothing may escape synchronously. */
function exercise(op: OperatorFunction<number, unknown> | undefined): void {
  if (op === undefined) return;
  const subscription = of(1, 2, 3)
    .pipe(op)
    .subscribe({ error: () => undefined });
  try {
    subscription.unsubscribe();
  } catch (err) {
    // Only a failing releaseWhen may surface here, as an UnsubscriptionError holding a coded RcuError.
    const inner = (err as { errors?: unknown[] }).errors ?? [];
    expect(inner.every((e) => isRcuError(e))).toBe(true);
  }
}

describe("hostile values at every entry point", () => {
  beforeEach(() => {
    config.onUnhandledError = () => undefined;
  });
  afterEach(async () => {
    // RxJS reports unhandled errors on a later timer: let them arrive before uninstalling the handler.
    await new Promise((resolve) => setTimeout(resolve, 20));
    config.onUnhandledError = null;
  });

  it(`gracePeriod, retirePrevious, withReadLock (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(hostile, hostile, (makeA, makeB) => {
        const [a, b] = [makeA(), makeB()];
        const domain = createManualDomain();
        attempt(() => gracePeriod(a as never));
        attempt(() => retirePrevious(a as never));
        exercise(attempt(() => retirePrevious<number>(domain, a as never)));
        attempt(() => withReadLock(a as never, b as never));
        exercise(attempt(() => withReadLock<number>(domain, a as never)));
        domain.advance();
      }),
      { numRuns },
    );
  }, 120_000);

  it(`switchMapDeferred and finalizeWhen (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(hostile, hostile, (makeA, makeB) => {
        const [a, b] = [makeA(), makeB()];
        const domain = createManualDomain();
        attempt(() => switchMapDeferred(a as never, b as never));
        exercise(attempt(() => switchMapDeferred((n: number) => of(n), a as never)));
        let withDomain: object | undefined;
        try {
          withDomain = { domain, ...(b as object) }; // (spreading a revoked proxy throws here, in the test)
        } catch {
          withDomain = undefined;
        }
        if (withDomain !== undefined)
          exercise(attempt(() => switchMapDeferred((n: number) => of(n), withDomain as never)));
        exercise(attempt(() => finalizeWhen<number>(a as never, b as never)));
        exercise(attempt(() => finalizeWhen<number>(() => undefined, a as never)));
        domain.advance();
      }),
      { numRuns },
    );
  }, 120_000);
});
