import { createManualDomain } from "@rcu/core/testing";
import type { Observable } from "rxjs";
import { share, timer } from "rxjs";
import { describe, expectTypeOf, it } from "vitest";
import { gracePeriod } from "./grace-period.js";

const domain = createManualDomain();

describe("gracePeriod types", () => {
  it("is an Observable<void> that fits wherever a reset notifier does", () => {
    expectTypeOf(gracePeriod(domain)).toEqualTypeOf<Observable<void>>();
    expectTypeOf(timer(1).pipe(share({ resetOnRefCountZero: () => gracePeriod(domain) }))).toEqualTypeOf<
      Observable<0>
    >();
  });

  it("needs a domain", () => {
    // @ts-expect-error a domain is required
    gracePeriod();
    // @ts-expect-error not a domain
    gracePeriod({});
  });
});
