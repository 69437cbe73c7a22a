/**
 * A `releaseWhen` that throws, or returns something that is not an `ObservableInput`, is a programming error:
 * it reaches the subscriber as a coded `RcuError`, the inners are released at once (none leaks), and nothing
 * goes to RxJS's `config.onUnhandledError`.
 */
import { RcuError, isRcuError } from "@rcu/core";
import type { ObservableInput } from "rxjs";
import { Observable, UnsubscriptionError } from "rxjs";
import { describe, expect, it } from "vitest";
import { collectUnhandledErrors } from "../src/test-support/unhandled-errors.js";
import { switchMapDeferred } from "../src/switch-map-deferred.js";
import { createTestScheduler } from "../src/test-support/test-scheduler.js";

const failures: Record<string, { factory: () => ObservableInput<unknown>; code: RcuError["code"] }> = {
  "returns 42": { factory: () => 42 as unknown as ObservableInput<unknown>, code: "INVALID_OPTION" },
  "returns null": { factory: () => null as unknown as ObservableInput<unknown>, code: "INVALID_OPTION" },
  "throws an Error": {
    factory: () => {
      throw new Error("no notifier today");
    },
    code: "CALLBACK_FAILED",
  },
  "throws Object.create(null)": {
    factory: () => {
      throw Object.create(null);
    },
    code: "CALLBACK_FAILED",
  },
};

describe("switchMapDeferred with a failing releaseWhen", () => {
  const unhandled = collectUnhandledErrors();

  for (const [name, { factory, code }] of Object.entries(failures)) {
    it(`releaseWhen ${name}: RcuError('${code}') to the subscriber, both inners released at once`, () => {
      const scheduler = createTestScheduler();
      let received: unknown;
      scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold("x-x-x-x-x-x-x-x-x");
        const b = cold("y-y-y-y-y-y-y-y-y");
        const source = hot("-a---b------|", { a, b });
        const result = source.pipe(switchMapDeferred((inner) => inner, { releaseWhen: factory }));
        result.subscribe({ error: (err: unknown) => (received = err) });
        expectObservable(result.pipe()).toBe("-x-x-#", undefined, expect.any(RcuError));
        // Each subscription above subscribed a and b once: released at 5 (a: replacement; b: the error's teardown).
        expectSubscriptions(a.subscriptions).toBe(["-^---!", "-^---!"]);
        expectSubscriptions(b.subscriptions).toBe(["-----(^!)", "-----(^!)"]);
      });
      expect(isRcuError(received, code)).toBe(true);
      expect((received as Error).message).toMatch(/releaseWhen\(\)/);
      expect(unhandled).toEqual([]);
    });
  }

  it("at unsubscribe, with only one inner: the inner is released at once and unsubscribe() throws the RcuError", () => {
    let tornDown = 0;
    const subscription = new Observable<number>((s) => s.next(1))
      .pipe(
        switchMapDeferred(() => new Observable<number>(() => () => void tornDown++), {
          releaseWhen: () => 42 as unknown as ObservableInput<unknown>,
        }),
      )
      .subscribe();
    let thrown: unknown;
    try {
      subscription.unsubscribe();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnsubscriptionError);
    expect(isRcuError((thrown as UnsubscriptionError).errors[0], "INVALID_OPTION")).toBe(true);
    expect(tornDown).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
