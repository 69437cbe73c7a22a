/**
 * `gracePeriod(domain)` as `share`'s reset notifier against RxJS 7.8.2's `share`: one scenario per case of
 * RxJS's `spec/operators/share-spec.ts` (named after it; scenarios written here). Every reset notifier of a case
 * becomes a slot; ours fills it with `gracePeriod(domain)` on a manual domain whose grace periods end up to `d`
 * frames after they are asked for, the control with RxJS's `timer` firing when that grace period ended. The
 * traces (values, side effects, unhandled errors, subscription frames) must be identical. Cases whose notifier
 * errors use `gracePeriod` on a closed domain (it errors at subscribe) against `throwError` of the same error.
 */
import { createManualDomain } from "@rcu/core/testing";
import type { Observable, ShareConfig } from "rxjs";
import {
  Observable as RxObservable,
  Subject,
  concat,
  config,
  defer,
  map,
  mergeMap,
  onErrorResumeNextWith,
  pipe,
  repeat,
  retry,
  share,
  startWith,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwError,
  toArray,
  withLatestFrom,
} from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gracePeriod } from "../../src/grace-period.js";
import type { Recorder, Trace } from "./harness.js";
import { record, show } from "./harness.js";
import type { ResetNotifier } from "./variants.js";
import { shareVariants } from "./variants.js";

type Configure = (reset: ResetNotifier) => ShareConfig<unknown>;

interface Case {
  readonly name: string;
  run(r: Recorder, configure: Configure, reset: ResetNotifier): void;
}

let onUnhandled: ((err: unknown) => void) | undefined;
beforeEach(() => {
  config.onUnhandledError = (err) => onUnhandled?.(err);
});
afterEach(() => {
  config.onUnhandledError = null;
  onUnhandled = undefined;
});

function traced(run: (r: Recorder) => void): Trace {
  return record((r) => {
    onUnhandled = (err) => r.log(`unhandled ${show(err)}`);
    run(r);
  });
}

const shared = <T>(configure: Configure, reset: ResetNotifier) => share<T>(configure(reset) as ShareConfig<T>);

/** The cases run once per way of plugging the notifier in (the upstream loops over equivalent option sets). */
const mirrorCases: Case[] = [
  {
    name: "should mirror a simple source Observable",
    run: (r, c, n) => r.observe("result", r.cold("source", "-1--2-3---4-|").pipe(shared(c, n))),
  },
  {
    name: "should share a single subscription",
    run: (r, c, n) => {
      const source = new RxObservable<never>(() => r.log("subscribed")).pipe(shared(c, n));
      source.subscribe();
      source.subscribe();
    },
  },
  {
    name: "should not change the output of the observable when error",
    run: (r, c, n) => r.observe("result", r.hot("source", "-x-^-a--b--c-#").pipe(shared(c, n))),
  },
  {
    name: "should not change the output of the observable when successful with cold observable",
    run: (r, c, n) => r.observe("result", r.cold("source", "--a-b---c-|").pipe(shared(c, n))),
  },
  {
    name: "should not change the output of the observable when error with cold observable",
    run: (r, c, n) => r.observe("result", r.cold("source", "--a-b---c-#").pipe(shared(c, n))),
  },
  {
    name: "should retry just fine",
    run: (r, c, n) => r.observe("result", r.cold("source", "--a-b-#").pipe(shared(c, n), retry(1))),
  },
  {
    name: "should share the same values to multiple observers",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2--3---4-|").pipe(shared(c, n));
      r.observe("first", s, { subscribeAt: 0 });
      r.observe("second", s, { subscribeAt: 3 });
      r.observe("third", s, { subscribeAt: 7 });
    },
  },
  {
    name: "should share an error from the source to multiple observers",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2--3---4-#").pipe(shared(c, n));
      r.observe("first", s, { subscribeAt: 0 });
      r.observe("second", s, { subscribeAt: 3 });
      r.observe("third", s, { subscribeAt: 7 });
    },
  },
  {
    name: "should share the same values to multiple observers, but is unsubscribed explicitly and early",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2--3---4-|").pipe(shared(c, n));
      r.observe("first", s, { subscribeAt: 0, unsubscribeAt: 8 });
      r.observe("second", s, { subscribeAt: 3, unsubscribeAt: 8 });
      r.observe("third", s, { subscribeAt: 6, unsubscribeAt: 8 });
    },
  },
  {
    name: "should share an empty source",
    run: (r, c, n) => r.observe("result", r.cold("source", "|").pipe(shared(c, n))),
  },
  {
    name: "should share a never source",
    run: (r, c, n) => r.observe("result", r.cold("source", "---").pipe(shared(c, n))),
  },
  {
    name: "should share a throw source",
    run: (r, c, n) => r.observe("result", r.cold("source", "#").pipe(shared(c, n))),
  },
  {
    name: "should connect when first subscriber subscribes",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2-3----4-|").pipe(shared(c, n));
      r.observe("first", s, { subscribeAt: 2 });
      r.observe("second", s, { subscribeAt: 6 });
    },
  },
  {
    name: "should disconnect when last subscriber unsubscribes",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2-3----4-|").pipe(shared(c, n));
      r.observe("first", s, { subscribeAt: 2, unsubscribeAt: 9 });
      r.observe("second", s, { subscribeAt: 6, unsubscribeAt: 11 });
    },
  },
  {
    name: "should not break unsubscription chain when last subscriber unsubscribes",
    run: (r, c, n) => {
      const s = r.cold("source", "-1-2-3----4-|").pipe(
        mergeMap((v) => [v]),
        shared(c, n),
        mergeMap((v) => [v]),
      );
      r.observe("first", s, { subscribeAt: 2, unsubscribeAt: 9 });
      r.observe("second", s, { subscribeAt: 6, unsubscribeAt: 11 });
    },
  },
  {
    name: "should be retryable when cold source is synchronous",
    run: (r, c, n) => {
      const s = r.cold("source", "(ab#)").pipe(shared(c, n));
      r.observe("first", s.pipe(retry(1)), { subscribeAt: 0 });
      r.observe("second", s.pipe(retry(1)), { subscribeAt: 1 });
    },
  },
  {
    name: "should be repeatable when cold source is synchronous",
    run: (r, c, n) => {
      const s = r.cold("source", "(ab|)").pipe(shared(c, n));
      r.observe("first", s.pipe(repeat(2)), { subscribeAt: 0 });
      r.observe("second", s.pipe(repeat(2)), { subscribeAt: 1 });
    },
  },
  {
    name: "should be retryable",
    run: (r, c, n) => {
      const s = r.cold("source", "-a-b--c-#").pipe(shared(c, n));
      r.observe("first", s.pipe(retry(2)), { subscribeAt: 0 });
      r.observe("second", s.pipe(retry(2)), { subscribeAt: 3 });
    },
  },
  {
    name: "should be repeatable",
    run: (r, c, n) => {
      const s = r.cold("source", "-a-b--c-|").pipe(shared(c, n));
      r.observe("first", s.pipe(repeat(2)), { subscribeAt: 0 });
      r.observe("second", s.pipe(repeat(2)), { subscribeAt: 3 });
    },
  },
  {
    name: "should not change the output of the observable when never",
    run: (r, c, n) => r.observe("result", r.cold("source", "-----").pipe(shared(c, n))),
  },
  {
    name: "should not change the output of the observable when empty",
    run: (r, c, n) => r.observe("result", r.cold("source", "|").pipe(shared(c, n))),
  },
  {
    name: "should stop listening to a synchronous observable when unsubscribed",
    run: (r, c, n) => {
      new RxObservable<number>((subscriber) => {
        for (let i = 0; !subscriber.closed && i < 50; i++) {
          r.log(`pulled ${i}`);
          subscriber.next(i);
        }
      })
        .pipe(shared(c, n), take(2))
        .subscribe();
    },
  },
  {
    name: "should not fail on reentrant subscription",
    run: (r, c, n) => {
      const source = r.cold("source", "(abc|)", { a: 1, b: 2, c: 4 });
      const again = defer(() => result).pipe(startWith(0));
      const result: Observable<number> = source.pipe(
        withLatestFrom(again),
        map(([x, y]) => x + y),
        shared(c, n),
      );
      r.observe("result", result);
    },
  },
];

const configs: { readonly name: string; readonly configure: Configure }[] = [
  { name: "resetOnRefCountZero", configure: (reset) => ({ resetOnRefCountZero: reset }) },
  {
    name: "every reset",
    configure: (reset) => ({ resetOnError: reset, resetOnComplete: reset, resetOnRefCountZero: reset }),
  },
];

/** Cases that say where the notifier goes themselves (`configure` is not used). */
const configuredCases: Case[] = [
  {
    name: "should not reset on error if configured to do so",
    run: (r, _c, n) =>
      r.observe("result", r.hot("source", "--a--b--c--d--e--f--#").pipe(take(3), share({ resetOnError: n }), repeat())),
  },
  {
    name: "should not reset on complete if configured to do so",
    run: (r, _c, n) => {
      const stop = new Subject<void>();
      let count = 0;
      const result = r.cold("source", "--a--b--#").pipe(
        takeUntil(stop),
        share({ resetOnComplete: n }),
        retry(),
        tap(() => {
          if (++count === 5) stop.next();
        }),
      );
      r.observe("result", result, { unsubscribeAt: 40 });
    },
  },
  {
    name: "should not reset on refCount 0 if configured to do so",
    run: (r, _c, n) => {
      const result = r.hot("source", "--v--v--E-v--v--C--v--v---v--").pipe(
        tap((v) => {
          if (v === "E") throw new Error("E");
        }),
        takeWhile((v) => v !== "C"),
        share({ resetOnRefCountZero: n }),
        retry(),
        repeat(),
      );
      r.observe("result", result, { unsubscribeAt: 24 });
    },
  },
  {
    name: "should be referentially-transparent",
    run: (r, _c, n) => {
      const partial = pipe(share<string>({ resetOnRefCountZero: n }));
      r.observe("first", r.cold("one", "-1-2-3-|").pipe(partial));
      r.observe("second", r.cold("two", "-4-5-6-|").pipe(partial));
    },
  },
  {
    name: "should use the connector function provided",
    run: (r, _c, n) => {
      const result = r.hot("source", "--v--v--E-v--v--C--v--v----v--v--").pipe(
        tap((v) => {
          if (v === "E") throw new Error("E");
        }),
        takeWhile((v) => v !== "C"),
        share({
          connector: () => {
            r.log("connector");
            return new Subject<string>();
          },
          resetOnRefCountZero: n,
        }),
        retry(),
        repeat(),
      );
      r.observe("first", result, { unsubscribeAt: 22 });
      r.observe("second", result, { subscribeAt: 25, unsubscribeAt: 31 });
    },
  },
  {
    name: "should reset on refCount 0 when synchronously resubscribing to a firehose and using a sync reset notifier",
    run: (r, _c, n) => {
      const source = new RxObservable<number>((subscriber) => {
        r.log("subscribed");
        for (let i = 0; i < 3 && !subscriber.closed; i++) subscriber.next(i);
        if (!subscriber.closed) subscriber.complete();
      });
      r.observe("result", source.pipe(share({ resetOnRefCountZero: n }), take(2), repeat(2), toArray()));
    },
  },
  {
    name: "should reset on refCount 0 when synchronously resubscribing and using a sync reset notifier",
    run: (r, _c, n) => {
      const s = r.hot("source", "--1--2--3--(45)--6--|").pipe(share({ resetOnRefCountZero: n }), take(2));
      r.observe("result", concat(s, s), { unsubscribeAt: 12 });
    },
  },
  {
    name: "should not reset on refCount 0 when synchronously resubscribing and using a deferred reset notifier",
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--2--3--4--5--|").pipe(share({ resetOnRefCountZero: n }), take(3));
      r.observe("result", concat(s, s), { unsubscribeAt: 30 });
    },
  },
  {
    name: "should reset on refCount 0 only after reset notifier emitted",
    run: (r, _c, n) => {
      const s = r.hot("source", "--1--2--3--4--5--6--|").pipe(share({ resetOnRefCountZero: n }), take(2));
      const pause1 = r.cold("pause1", "-|");
      const pause2 = r.cold("pause2", "------|");
      r.observe("result", concat(s, pause1, s, pause2, s), { unsubscribeAt: 30 });
    },
  },
  {
    name: "should reset on error only after reset notifier emitted",
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--2--#").pipe(share({ resetOnError: n, resetOnRefCountZero: false }), take(2));
      const pause1 = r.cold("pause1", "------|");
      const pause2 = r.cold("pause2", "----|");
      r.observe("result", concat(s, pause1, s, pause2, s), { unsubscribeAt: 40 });
    },
  },
  {
    name: "should reset on complete only after reset notifier emitted",
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--2--|").pipe(share({ resetOnComplete: n, resetOnRefCountZero: false }), take(2));
      const pause1 = r.cold("pause1", "------|");
      const pause2 = r.cold("pause2", "----|");
      r.observe("result", concat(s, pause1, s, pause2, s), { unsubscribeAt: 40 });
    },
  },
  {
    name: 'should not call "resetOnRefCountZero" on error',
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--(2#)").pipe(
        share({
          resetOnError: n,
          resetOnRefCountZero: () => {
            r.log("resetOnRefCountZero called");
            return n();
          },
        }),
      );
      r.observe("result", concat(s.pipe(onErrorResumeNextWith(r.cold("pause", "---|"))), s), { unsubscribeAt: 30 });
    },
  },
  {
    name: 'should not call "resetOnRefCountZero" on complete',
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--(2|)").pipe(
        share({
          resetOnComplete: n,
          resetOnRefCountZero: () => {
            r.log("resetOnRefCountZero called");
            return n();
          },
        }),
      );
      r.observe("result", concat(s, r.cold("pause", "---|"), s), { unsubscribeAt: 30 });
    },
  },
];

/** The notifier errors: `gracePeriod` on a closed domain errors at subscribe; the control throws the same error. */
const erroringCases: Case[] = [
  {
    name: "should not reset on refCount 0 if reset notifier errors before emitting any value",
    run: (r, _c, n) => {
      const s = r.hot("source", "--1--2--3--4--(56)--|").pipe(share({ resetOnRefCountZero: n }), take(2));
      r.observe("result", concat(s, r.cold("pause", "----|"), s), { unsubscribeAt: 20 });
    },
  },
  {
    name: "should not reset on error if reset notifier errors before emitting any value",
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--2--#").pipe(share({ resetOnError: n, resetOnRefCountZero: false }), take(2));
      r.observe("result", concat(s, r.cold("pause", "------|"), s), { unsubscribeAt: 20 });
    },
  },
  {
    name: "should not reset on complete if reset notifier errors before emitting any value",
    run: (r, _c, n) => {
      const s = r.cold("source", "--1--2--|").pipe(share({ resetOnComplete: n, resetOnRefCountZero: false }), take(2));
      r.observe("result", concat(s, r.cold("pause", "------|"), s), { unsubscribeAt: 20 });
    },
  },
];

const unused: Configure = () => ({});

describe("share({ reset…: () => gracePeriod(domain) }) conforms to RxJS's share with a timer reset", () => {
  for (const variant of shareVariants) {
    describe(variant.name, () => {
      for (const { name, configure } of configs) {
        describe(`notifier as ${name}`, () => {
          for (const c of mirrorCases) {
            it(c.name, () => {
              let endAt = (frame: number): number => frame;
              const ours = traced((r) => {
                const made = variant.ours(r);
                endAt = made.endAt;
                c.run(r, configure, made.notifier);
              });
              const expected = traced((r) => c.run(r, configure, variant.control(r, endAt)));
              expect(expected.events.length + Object.keys(expected.subscriptions).length).toBeGreaterThan(0);
              expect(ours).toEqual(expected);
            });
          }
        });
      }
      for (const c of configuredCases) {
        it(c.name, () => {
          let endAt = (frame: number): number => frame;
          const ours = traced((r) => {
            const made = variant.ours(r);
            endAt = made.endAt;
            c.run(r, unused, made.notifier);
          });
          const expected = traced((r) => c.run(r, unused, variant.control(r, endAt)));
          expect(expected.events.length).toBeGreaterThan(0);
          expect(ours).toEqual(expected);
        });
      }
    });
  }
  describe("a reset notifier that errors: gracePeriod on a closed domain vs throwError", () => {
    for (const c of erroringCases) {
      it(c.name, async () => {
        const domain = createManualDomain();
        await domain.close();
        const ours = traced((r) => c.run(r, unused, () => gracePeriod(domain)));
        let closedError: unknown;
        gracePeriod(domain).subscribe({ error: (err: unknown) => (closedError = err) });
        const expected = traced((r) => c.run(r, unused, () => throwError(() => closedError)));
        expect(expected.events.some((e) => e.includes("unhandled"))).toBe(true);
        expect(ours).toEqual(expected);
      });
    }
  });
});
