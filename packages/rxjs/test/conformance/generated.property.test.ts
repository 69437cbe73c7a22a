/**
 * Generated differential scenarios: fast-check builds random marble scenarios — hot and cold inners, synchronous
 * groups, values, errors, completions, early unsubscription — and each runs with the RxJS operator (control) and
 * with ours under a randomly chosen variant; the traces must match exactly (synchronous variants) or as the
 * documented release rule derives (deferred variants). `withReadLock` (both scopes) and `retirePrevious` mirror
 * their source, so their control is `map(identity)`, with grace periods ending at random frames.
 * `RCU_RXJS_FC_RUNS` sets the runs per operator (default 1000).
 */
import fc from "fast-check";
import type { Observable } from "rxjs";
import { createManualDomain } from "@rcu/core/testing";
import { finalize, map, share, switchMap, take } from "rxjs";
import { retirePrevious } from "../../src/retire-previous.js";
import { withReadLock } from "../../src/with-read-lock.js";
import { describe, expect, it } from "vitest";
import type { Recorder, Trace } from "./harness.js";
import { deferReleases, record } from "./harness.js";
import { finalizeVariants, shareVariants, switchVariants } from "./variants.js";

const numRuns = Number(process.env.RCU_RXJS_FC_RUNS ?? 1000);

/** A marble of up to `length` steps: idle frames, values, synchronous groups, then maybe `|` or `#`. */
function marble(letters: string, length: number): fc.Arbitrary<string> {
  const value = fc.constantFrom(...letters.split(""));
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.constant("-") },
    { weight: 2, arbitrary: value },
    { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }).map((vs) => `(${vs.join("")})`) },
  );
  return fc
    .tuple(fc.array(step, { maxLength: length }), fc.constantFrom("", "|", "#", "|"))
    .map(([steps, end]) => steps.join("") + end);
}

interface InnerSpec {
  readonly hot: boolean;
  readonly marble: string;
}

const innerSpec: fc.Arbitrary<InnerSpec> = fc.record({
  hot: fc.boolean(),
  marble: fc.oneof(marble("xyz", 8), fc.constantFrom("(xy|)", "|", "#", "(x#)")),
});

const switchScenario = fc.record({
  outerHot: fc.boolean(),
  outer: marble("0123", 10),
  inners: fc.array(innerSpec, { minLength: 4, maxLength: 4 }),
  unsubscribeAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  variant: fc.integer({ min: 0, max: switchVariants.length - 1 }),
});

type SwitchScenario = typeof switchScenario extends fc.Arbitrary<infer S> ? S : never;

function runSwitch(
  r: Recorder,
  s: SwitchScenario,
  op: (p: (k: string) => Observable<string>) => (o: Observable<string>) => Observable<string>,
): void {
  const inners = s.inners.map((spec, i) =>
    spec.hot
      ? r.hot(`inner${i}`, spec.marble, undefined, new Error(`inner${i}`))
      : r.cold(`inner${i}`, spec.marble, undefined, new Error(`inner${i}`)),
  );
  const outer = s.outerHot
    ? r.hot("outer", s.outer, undefined, new Error("outer"))
    : r.cold("outer", s.outer, undefined, new Error("outer"));
  r.observe("result", outer.pipe(op((k) => inners[Number(k)]!)), { unsubscribeAt: s.unsubscribeAt });
}

describe("generated scenarios", () => {
  it(`switchMapDeferred matches switchMap (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(switchScenario, (s) => {
        const variant = switchVariants[s.variant]!;
        const expected = record((r) => runSwitch(r, s, (p) => switchMap(p)));
        let releaseAt = (frame: number): number => frame;
        const ours = record((r) => {
          const made = variant.make(r);
          releaseAt = made.releaseAt;
          runSwitch(r, s, (p) => made.op(p));
        });
        expect(ours).toEqual(deferReleases(expected, ["inner0", "inner1", "inner2", "inner3"], releaseAt));
      }),
      { numRuns },
    );
  }, 120_000);

  const finalizeScenario = fc.record({
    hot: fc.boolean(),
    source: marble("abc", 10),
    count: fc.integer({ min: 1, max: 3 }),
    unsubscribeAt: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
    variant: fc.integer({ min: 0, max: finalizeVariants.length - 1 }),
  });
  type FinalizeScenario = typeof finalizeScenario extends fc.Arbitrary<infer S> ? S : never;

  function runFinalize(
    r: Recorder,
    s: FinalizeScenario,
    op: (cb: () => void) => (o: Observable<string>) => Observable<string>,
  ): void {
    let result: Observable<string> = s.hot
      ? r.hot("source", s.source, undefined, new Error("source"))
      : r.cold("source", s.source, undefined, new Error("source"));
    for (let i = 0; i < s.count; i++) result = result.pipe(op(() => r.log(`cb ${i}`)));
    r.observe("result", result, { unsubscribeAt: s.unsubscribeAt });
  }

  const withoutCallbacks = (t: Trace): Trace => ({ ...t, events: t.events.filter((e) => !/ cb /.test(e)) });
  const callbacks = (t: Trace): string[] => t.events.filter((e) => / cb /.test(e));

  it(`finalizeWhen matches finalize (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(finalizeScenario, (s) => {
        const variant = finalizeVariants[s.variant]!;
        const expected = record((r) => runFinalize(r, s, (cb) => finalize(cb)));
        let releaseAt = (frame: number): number => frame;
        const ours = record((r) => {
          const made = variant.make(r);
          releaseAt = made.releaseAt;
          runFinalize(r, s, (cb) => made.op(cb));
        });
        if (variant.synchronous) {
          expect(ours).toEqual(expected);
          return;
        }
        expect(withoutCallbacks(ours)).toEqual(withoutCallbacks(expected));
        expect(callbacks(ours)).toEqual(
          callbacks(expected).map((e) => {
            const [frame, ...rest] = e.split(" ");
            return [releaseAt(Number(frame)), ...rest].join(" ");
          }),
        );
      }),
      { numRuns },
    );
  }, 120_000);

  const shareScenario = fc.record({
    source: marble("abc", 10),
    subscribers: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 10 }),
        unsubscribeAfter: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        take: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    resets: fc.record({ error: fc.boolean(), complete: fc.boolean(), refCount: fc.boolean() }),
    variant: fc.integer({ min: 0, max: shareVariants.length - 1 }),
  });
  type ShareScenario = typeof shareScenario extends fc.Arbitrary<infer S> ? S : never;

  function runShare(r: Recorder, s: ShareScenario, reset: () => Observable<unknown> | PromiseLike<unknown>): void {
    const shared = r.cold("source", s.source, undefined, new Error("source")).pipe(
      share({
        resetOnError: s.resets.error ? reset : true,
        resetOnComplete: s.resets.complete ? reset : true,
        resetOnRefCountZero: s.resets.refCount ? reset : true,
      }),
    );
    s.subscribers.forEach((sub, i) => {
      r.observe(`subscriber${i}`, sub.take === undefined ? shared : shared.pipe(take(sub.take)), {
        subscribeAt: sub.at,
        unsubscribeAt: sub.unsubscribeAfter === undefined ? undefined : sub.at + sub.unsubscribeAfter,
      });
    });
  }

  it(`share with a gracePeriod reset matches share with a timer reset firing when the grace period ended (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(shareScenario, (s) => {
        const variant = shareVariants[s.variant]!;
        let endAt = (frame: number): number => frame;
        const ours = record((r) => {
          const made = variant.ours(r);
          endAt = made.endAt;
          runShare(r, s, made.notifier as () => Observable<unknown>);
        });
        const expected = record((r) => runShare(r, s, variant.control(r, endAt) as () => Observable<unknown>));
        expect(ours).toEqual(expected);
      }),
      { numRuns },
    );
  }, 120_000);

  const mirrorScenario = fc.record({
    hot: fc.boolean(),
    source: marble("abc", 12),
    unsubscribeAt: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
    operator: fc.constantFrom("withReadLock value", "withReadLock subscription", "retirePrevious"),
    advanceAt: fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 4 }),
  });
  type MirrorScenario = typeof mirrorScenario extends fc.Arbitrary<infer S> ? S : never;

  function runMirror(r: Recorder, s: MirrorScenario, op: (o: Observable<string>) => Observable<string>): void {
    const source = s.hot
      ? r.hot("source", s.source, undefined, new Error("source"))
      : r.cold("source", s.source, undefined, new Error("source"));
    r.observe("result", source.pipe(op), { unsubscribeAt: s.unsubscribeAt });
  }

  it(`withReadLock (both scopes) and retirePrevious mirror the source like map(identity) (${numRuns} runs)`, () => {
    fc.assert(
      fc.property(mirrorScenario, (s) => {
        const expected = record((r) =>
          runMirror(
            r,
            s,
            map((v) => v),
          ),
        );
        const domain = createManualDomain();
        const disposed: string[] = [];
        const ours = record((r) => {
          for (const frame of s.advanceAt) r.at(frame, () => domain.advance());
          const op =
            s.operator === "retirePrevious"
              ? retirePrevious<string>(domain, { dispose: (v) => void disposed.push(v) })
              : withReadLock<string>(domain, { scope: s.operator === "withReadLock value" ? "value" : "subscription" });
          runMirror(r, s, op);
        });
        expect(ours).toEqual(expected);
        // Once the result has ended nothing holds the domain: every section ended, every retirement completes.
        if (s.unsubscribeAt !== undefined || /[|#]$/.test(s.source)) {
          expect(domain.advance()).toBe(true);
          expect(domain.stats().pendingCallbacks).toBe(0);
        }
      }),
      { numRuns },
    );
  }, 120_000);
});
