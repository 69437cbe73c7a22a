import { createManualDomain } from "@rcu/core/testing";
import type { Observable } from "rxjs";
import { of } from "rxjs";
import { describe, expectTypeOf, it } from "vitest";
import { withReadLock } from "./with-read-lock.js";

const domain = createManualDomain();

describe("withReadLock types", () => {
  it("preserves T for both scopes", () => {
    expectTypeOf(of({ port: 80 }).pipe(withReadLock(domain))).toEqualTypeOf<Observable<{ port: number }>>();
    expectTypeOf(of(1).pipe(withReadLock(domain, { scope: "subscription" }))).toEqualTypeOf<Observable<number>>();
    // @ts-expect-error unknown scope
    withReadLock(domain, { scope: "forever" });
  });
});
