/* eslint-disable @typescript-eslint/only-throw-error -- throwing non-Error values is what these tests are about */
/**
 * Hostile input: options that are not objects, misspelt option keys, and callbacks that throw values whose
 * `String()` throws. Misuse is a coded `RcuError('INVALID_OPTION')` at the call site; a failing disposal reaches
 * the domain's `onError`, never the caller's stack or RxJS's unhandled-error path.
 */
import { isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import type { Observable } from "rxjs";
import { Observable as RxObservable, Subject, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { collectUnhandledErrors } from "../src/test-support/unhandled-errors.js";
import { retirePrevious } from "../src/retire-previous.js";
import { switchMapDeferred } from "../src/switch-map-deferred.js";
import { withReadLock } from "../src/with-read-lock.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).not.toBeInstanceOf(TypeError);
    return isRcuError(err) ? `${err.code}: ${err.message}` : `not an RcuError: ${String(err)}`;
  }
  return undefined;
}

const notObjects: unknown[] = [null, 42, "scope", true, Symbol("x"), () => undefined, [1]];

describe("options that are not objects", () => {
  const domain = createManualDomain();
  for (const value of notObjects) {
    const label = typeof value === "symbol" ? "a symbol" : Array.isArray(value) ? "an array" : String(value);
    it(`${label}: INVALID_OPTION from retirePrevious, withReadLock and switchMapDeferred`, () => {
      expect(codeOf(() => retirePrevious(domain, value as never))).toMatch(/^INVALID_OPTION: retirePrevious/);
      expect(codeOf(() => withReadLock(domain, value as never))).toMatch(/^INVALID_OPTION: withReadLock/);
      expect(codeOf(() => switchMapDeferred(() => of(1), value as never))).toMatch(
        /^INVALID_OPTION: switchMapDeferred/,
      );
    });
  }
});

describe("unknown option keys", () => {
  const domain = createManualDomain();
  it("suggest the closest known key", () => {
    expect(codeOf(() => retirePrevious(domain, { dispoze: () => undefined } as never))).toMatch(
      /INVALID_OPTION: .*unknown option "dispoze" \(did you mean `dispose`\?\)/,
    );
    expect(codeOf(() => withReadLock(domain, { Scope: "value" } as never))).toMatch(/did you mean `scope`\?/);
    expect(codeOf(() => switchMapDeferred(() => of(1), { domian: domain } as never))).toMatch(
      /did you mean `domain`\?/,
    );
    expect(codeOf(() => switchMapDeferred(() => of(1), { releaseWhenn: () => of(0) } as never))).toMatch(
      /did you mean `releaseWhen`\?/,
    );
  });
  it("name the known keys when nothing is close", () => {
    const message = codeOf(() => retirePrevious(domain, { somethingElse: 1 } as never));
    expect(message).toMatch(/unknown option "somethingElse"\. Known options: dispose\.$/);
  });
  it("leaving options out, or passing {}, is fine", () => {
    expect(codeOf(() => retirePrevious(domain))).toBeUndefined();
    expect(codeOf(() => retirePrevious(domain, {}))).toBeUndefined();
    expect(codeOf(() => withReadLock(domain))).toBeUndefined();
    expect(codeOf(() => withReadLock(domain, {}))).toBeUndefined();
  });
});

describe("a dispose callback throwing an unprintable non-Error", () => {
  const unhandled = collectUnhandledErrors();

  const unprintable = (): object => {
    const value = Object.create(null) as object;
    expect(() => `${value as unknown as string}`).toThrow(TypeError); // really unprintable
    return value;
  };

  it("retirePrevious: the thrown value reaches the domain's onError, not advance()'s caller", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const thrown = unprintable();
    const source = new Subject<object>();
    const disposed: object[] = [];
    source
      .pipe(
        retirePrevious(domain, {
          dispose: (value) => {
            disposed.push(value);
            throw thrown;
          },
        }),
      )
      .subscribe();
    const first = {};
    const second = {};
    source.next(first);
    source.next(second);
    source.complete();
    expect(() => domain.advance()).not.toThrow();
    expect(disposed).toEqual([first, second]); // one throwing disposal does not stop the next
    expect(errors).toHaveLength(2);
    // Each report is an RcuError whose cause chain reaches the very value that was thrown.
    for (const err of errors) {
      const chain: unknown[] = [];
      for (let e: unknown = err; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e.cause);
      expect(isRcuError(err)).toBe(true);
      expect(chain.includes(thrown), String(chain.map((c) => (c instanceof Error ? c.message : typeof c)))).toBe(true);
    }
    expect(unhandled).toEqual([]);
  });

  it("switchMapDeferred: an inner teardown throwing it is reported through the domain's onError", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const thrown = unprintable();
    const inner: Observable<number> = new RxObservable<number>(() => () => {
      throw thrown;
    });
    const subscription = of(1)
      .pipe(switchMapDeferred(() => inner, { domain }))
      .subscribe();
    subscription.unsubscribe();
    expect(() => domain.advance()).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});
