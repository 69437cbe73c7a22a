/**
 * An endless synchronous source under `take(1)` must stop as soon as `take` unsubscribes, under every operator,
 * pulling exactly as many values as the RxJS operator each one extends (`switchMap`, `finalize`, a plain
 * mirror, `share`). The generators are capped so that a regression fails instead of hanging.
 */
import { createManualDomain } from "@rcu/core/testing";
import type { MonoTypeOperatorFunction, ObservableInput, OperatorFunction } from "rxjs";
import { Subject, finalize, from, identity, map, of, share, switchMap, take, timer } from "rxjs";
import { describe, expect, it } from "vitest";
import { finalizeWhen } from "../src/finalize-when.js";
import { gracePeriod } from "../src/grace-period.js";
import { retirePrevious } from "../src/retire-previous.js";
import { switchMapDeferred } from "../src/switch-map-deferred.js";
import { withReadLock } from "../src/with-read-lock.js";

const CAP = 10_000;

/** An endless (well, `CAP`-long) synchronous source and how many values were pulled from it. */
function endless(): { source: Iterable<number>; pulled: () => number } {
  let pulled = 0;
  function* generate(): Generator<number> {
    while (pulled < CAP) yield pulled++;
  }
  return { source: { [Symbol.iterator]: generate }, pulled: () => pulled };
}

/** Pulls through `op` then `take(1)`; returns how many values the source gave. */
function pullsThrough(op: MonoTypeOperatorFunction<number> | OperatorFunction<number, unknown>): number {
  const { source, pulled } = endless();
  from(source).pipe(op, take(1)).subscribe();
  return pulled();
}

/** Pulls an endless inner through `op` (projected from a single outer value) then `take(1)`. */
function innerPulls(
  op: (project: (n: number) => ObservableInput<number>) => OperatorFunction<number, number>,
  wrap = false,
): number {
  const { source, pulled } = endless();
  of(0)
    .pipe(
      op(() => (wrap ? from(source) : source)),
      take(1),
    )
    .subscribe();
  return pulled();
}

const domainOptions = () => ({ domain: createManualDomain() });
const releaseVariants: Record<string, () => Parameters<typeof switchMapDeferred>[1]> = {
  "{ domain }": domainOptions,
  "releaseWhen fires at once": () => ({ releaseWhen: () => of(0) }),
  "releaseWhen never fires": () => ({ releaseWhen: () => new Subject<void>() }),
  "releaseWhen: gracePeriod(domain)": () => {
    const domain = createManualDomain();
    return { releaseWhen: () => gracePeriod(domain) };
  },
};

describe("an endless synchronous source stops under take(1)", () => {
  const control = {
    switchMapOuter: pullsThrough(switchMap((n: number) => of(n))),
    switchMapInner: innerPulls((p) => switchMap(p)),
    switchMapInnerFrom: innerPulls((p) => switchMap(p), true),
    finalize: pullsThrough(finalize(() => undefined)),
    mirror: pullsThrough(identity),
    share: pullsThrough(share({ resetOnRefCountZero: () => timer(0) })),
  };

  it("the controls (RxJS's own operators) pull one value; share with a deferred reset pulls on", () => {
    // With a reset notifier that is not synchronous, RxJS's share keeps its connection after the refCount drops
    // to zero until the notifier fires, so a synchronous source runs to its end (the cap) — in RxJS as in ours.
    expect(control).toEqual({
      switchMapOuter: 1,
      switchMapInner: 1,
      switchMapInnerFrom: 1,
      finalize: 1,
      mirror: 1,
      share: CAP,
    });
  });

  for (const [name, options] of Object.entries(releaseVariants)) {
    it(`switchMapDeferred, outer source, ${name}`, () => {
      expect(pullsThrough(switchMapDeferred((n: number) => of(n), options()))).toBe(control.switchMapOuter);
    });
    it(`switchMapDeferred, inner (an iterable), ${name}`, () => {
      expect(innerPulls((p) => switchMapDeferred(p, options()))).toBe(control.switchMapInner);
    });
    it(`switchMapDeferred, inner (from(iterable)), ${name}`, () => {
      expect(innerPulls((p) => switchMapDeferred(p, options()), true)).toBe(control.switchMapInnerFrom);
    });
  }

  it("finalizeWhen (notifier at once, gracePeriod, a notifier that never fires)", () => {
    const domain = createManualDomain();
    expect(
      pullsThrough(
        finalizeWhen(
          () => undefined,
          () => of(0),
        ),
      ),
    ).toBe(control.finalize);
    expect(
      pullsThrough(
        finalizeWhen(
          () => undefined,
          () => gracePeriod(domain),
        ),
      ),
    ).toBe(control.finalize);
    expect(
      pullsThrough(
        finalizeWhen(
          () => undefined,
          () => new Subject<void>(),
        ),
      ),
    ).toBe(control.finalize);
  });

  it("withReadLock, scope 'value' and scope 'subscription'", () => {
    const domain = createManualDomain();
    expect(pullsThrough(withReadLock(domain))).toBe(control.mirror);
    expect(pullsThrough(withReadLock(domain, { scope: "subscription" }))).toBe(control.mirror);
    expect(domain.advance()).toBe(true); // the subscription's section was released
  });

  it("retirePrevious", () => {
    const domain = createManualDomain();
    expect(pullsThrough(retirePrevious(domain, { dispose: () => undefined }))).toBe(control.mirror);
  });

  it("share with a gracePeriod(domain) reset", () => {
    const domain = createManualDomain();
    expect(pullsThrough(share({ resetOnRefCountZero: () => gracePeriod(domain) }))).toBe(control.share);
  });

  it("a notifier that is itself an endless synchronous source stops after its first value", () => {
    const { source, pulled } = endless();
    let called = 0;
    of(1)
      .pipe(
        finalizeWhen(
          () => void called++,
          () => from(source),
        ),
      )
      .subscribe();
    expect(called).toBe(1);
    expect(pulled()).toBe(1);
  });

  it("known difference: a released inner built from operators keeps pulling until its release (bounded here)", () => {
    // The released inner's own subscriber is closed at once, but an operator chain inside it can only be stopped
    // by tearing it down, which a deferred release postpones: it runs on synchronously, its values dropped.
    const bounded = (limit: number) => {
      let pulled = 0;
      const inner = from({
        *[Symbol.iterator]() {
          while (pulled < limit) yield pulled++;
        },
      }).pipe(map((n) => n));
      return { inner, pulled: () => pulled };
    };
    const ours = bounded(50);
    of(0)
      .pipe(
        switchMapDeferred(() => ours.inner, domainOptions()),
        take(1),
      )
      .subscribe();
    const theirs = bounded(50);
    of(0)
      .pipe(
        switchMap(() => theirs.inner),
        take(1),
      )
      .subscribe();
    expect(theirs.pulled()).toBe(1);
    expect(ours.pulled()).toBe(50);
  });
});
