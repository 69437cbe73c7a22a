import type { Observable } from "rxjs";
import { of, timer } from "rxjs";
import { describe, expectTypeOf, it } from "vitest";
import { finalizeWhen } from "./finalize-when.js";

describe("finalizeWhen types", () => {
  it("preserves T and accepts sync or async callbacks and any ObservableInput notifier", () => {
    expectTypeOf(
      of("a").pipe(
        finalizeWhen(
          () => undefined,
          () => timer(1),
        ),
      ),
    ).toEqualTypeOf<Observable<string>>();
    expectTypeOf(
      of(1).pipe(
        finalizeWhen(
          async () => {},
          () => Promise.resolve(),
        ),
      ),
    ).toEqualTypeOf<Observable<number>>();
    // @ts-expect-error the notifier is a factory, not an observable
    of(1).pipe(finalizeWhen(() => undefined, timer(1)));
  });
});
