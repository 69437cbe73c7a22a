import { createManualDomain } from "@rcu/core/testing";
import type { Observable, ObservableInput } from "rxjs";
import { EMPTY, NEVER, of, switchMap, timer } from "rxjs";
import { describe, expectTypeOf, it } from "vitest";
import { switchMapDeferred } from "./switch-map-deferred.js";

const domain = createManualDomain();
const opts = { domain };
const source = of(1, 2, 3);

describe("switchMapDeferred types", () => {
  it("infers the result like switchMap for every kind of ObservableInput", () => {
    expectTypeOf(source.pipe(switchMapDeferred((n) => of(String(n)), opts))).toEqualTypeOf(
      source.pipe(switchMap((n) => of(String(n)))),
    );
    expectTypeOf(source.pipe(switchMapDeferred((n) => of(String(n)), opts))).toEqualTypeOf<Observable<string>>();
    expectTypeOf(source.pipe(switchMapDeferred(async (n) => n > 1, opts))).toEqualTypeOf<Observable<boolean>>();
    expectTypeOf(source.pipe(switchMapDeferred((n) => [n, String(n)], opts))).toEqualTypeOf(
      source.pipe(switchMap((n) => [n, String(n)])),
    );
    expectTypeOf(source.pipe(switchMapDeferred(() => new Set([true]), opts))).toEqualTypeOf<Observable<boolean>>();
    expectTypeOf(source.pipe(switchMapDeferred((n) => (n > 1 ? of("a") : Promise.resolve(2)), opts))).toEqualTypeOf(
      source.pipe(switchMap((n) => (n > 1 ? of("a") : Promise.resolve(2)))),
    );
    expectTypeOf(source.pipe(switchMapDeferred(() => EMPTY, opts))).toEqualTypeOf(source.pipe(switchMap(() => EMPTY)));
    expectTypeOf(source.pipe(switchMapDeferred(() => NEVER, opts))).toEqualTypeOf<Observable<never>>();
  });

  it("passes the value and the index to project", () => {
    of("a").pipe(
      switchMapDeferred((value, index) => {
        expectTypeOf(value).toEqualTypeOf<string>();
        expectTypeOf(index).toEqualTypeOf<number>();
        return of(value);
      }, opts),
    );
  });

  it("takes exactly one of { domain } and { releaseWhen }", () => {
    source.pipe(switchMapDeferred((n) => of(n), { releaseWhen: () => timer(10) }));
    source.pipe(switchMapDeferred((n) => of(n), { releaseWhen: (): ObservableInput<unknown> => Promise.resolve() }));
    // @ts-expect-error options are required
    source.pipe(switchMapDeferred((n) => of(n)));
    // @ts-expect-error not both
    source.pipe(switchMapDeferred((n) => of(n), { domain, releaseWhen: () => timer(10) }));
    // @ts-expect-error one of them is needed
    source.pipe(switchMapDeferred((n) => of(n), {}));
    // @ts-expect-error project must return an ObservableInput
    source.pipe(switchMapDeferred((n) => n, opts));
  });
});
