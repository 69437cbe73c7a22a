import { createManualDomain } from "@rcu/core/testing";
import type { MonoTypeOperatorFunction, Observable } from "rxjs";
import { of } from "rxjs";
import { describe, expectTypeOf, it } from "vitest";
import type { RetirePreviousOptions } from "./retire-previous.js";
import { retirePrevious } from "./retire-previous.js";

const domain = createManualDomain();
class Connection implements AsyncDisposable {
  async [Symbol.asyncDispose](): Promise<void> {}
  query(): number {
    return 1;
  }
}

describe("retirePrevious types", () => {
  it("preserves T", () => {
    expectTypeOf(of(new Connection()).pipe(retirePrevious(domain))).toEqualTypeOf<Observable<Connection>>();
    expectTypeOf(of(1, 2).pipe(retirePrevious(domain))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(retirePrevious<string>(domain)).toEqualTypeOf<MonoTypeOperatorFunction<string>>();
  });

  it("types the dispose option by T and accepts sync or async disposers", () => {
    of(new Connection()).pipe(
      retirePrevious(domain, {
        dispose: (c) => {
          expectTypeOf(c).toEqualTypeOf<Connection>();
        },
      }),
    );
    of("id").pipe(retirePrevious(domain, { dispose: async (id: string) => void id }));
    expectTypeOf<RetirePreviousOptions<number>["dispose"]>().toEqualTypeOf<
      ((value: number) => void | PromiseLike<void>) | undefined
    >();
    // @ts-expect-error the disposer must accept the stream's values
    of(1).pipe(retirePrevious(domain, { dispose: (s: string) => void s }));
  });
});
