/**
 * `switchMapDeferred` against RxJS 7.8.2's `switchMap`: one scenario per case of RxJS's
 * `spec/operators/switchMap-spec.ts` (named after it; scenarios and marbles written here), each run with
 * `switchMap` (control) and with `switchMapDeferred` under every variant. A release that fires at once must give
 * the control's trace exactly, subscription frames included; a deferred one the trace derived by `deferReleases`.
 */
import type { Observable, ObservableInput, Subscriber } from "rxjs";
import {
  BehaviorSubject,
  Observable as RxObservable,
  concat,
  defer,
  map,
  mergeMap,
  observable as observableSymbol,
  of,
  switchMap,
  take,
  takeWhile,
} from "rxjs";
import { describe, expect, it } from "vitest";
import type { Recorder, Trace } from "./harness.js";
import { deferReleases, record } from "./harness.js";
import type { SwitchOp } from "./variants.js";
import { switchVariants, recordVariant } from "./variants.js";

interface Case {
  readonly name: string;
  /** Names of the test observables used as inners (their unsubscription is what a deferred release moves). */
  readonly inners: readonly string[];
  run(r: Recorder, op: SwitchOp): void;
  /**
   * For a release that is not synchronous: the expected trace, derived from the control's by the documented
   * rule, when `deferReleases` does not say it all (side effects of released inners).
   */
  readonly deferred?: (control: Trace, releaseAt: (frame: number) => number) => Trace;
}

const control: SwitchOp = (project) => switchMap(project);

/** A foreign ("interop") observable: only `Symbol.observable`, wrapping every observer it is given. */
function interop<T>(source: Observable<T>): ObservableInput<T> {
  return {
    [observableSymbol]: () => ({
      subscribe: (observer: Subscriber<T>) =>
        source.subscribe({
          next: (value) => observer.next(value),
          error: (err: unknown) => observer.error(err),
          complete: () => observer.complete(),
        }),
    }),
  } as unknown as ObservableInput<T>;
}

/** Three synchronous steps, each logged when it is pulled. */
function steps(r: Recorder, label: string): Observable<number> {
  return concat(
    ...[1, 2, 3].map((n) =>
      defer(() => {
        r.log(`${label} pulled ${n}`);
        return of(n);
      }),
    ),
  );
}

const cases: Case[] = [
  {
    name: "should map-and-flatten each item to an Observable",
    inners: ["inner"],
    run: (r, op) => {
      const source = r.hot("outer", "-2----4-6------|");
      const inner = r.cold("inner", "a-b-c|", { a: 1, b: 2, c: 3 });
      r.observe("result", source.pipe(op((n) => inner.pipe(map((k) => k * Number(n))))));
    },
  },
  {
    name: "should support the deprecated resultSelector",
    // Our operator has no resultSelector (deprecated in RxJS 7); the same output comes from mapping inside project.
    inners: [],
    run: (r, op) => {
      of(5, 7)
        .pipe(op((a, i) => of(a, a * 10).pipe(map((b, ii) => [a, b, i, ii]))))
        .subscribe({ next: (v) => r.log(`value ${JSON.stringify(v)}`), complete: () => r.log("complete") });
    },
  },
  {
    name: "should support a void resultSelector (still deprecated)",
    inners: [],
    run: (r, op) => {
      of(1, 4)
        .pipe(op((a) => of(a, a + 1)))
        .subscribe({ next: (v) => r.log(`value ${v}`), complete: () => r.log("complete") });
    },
  },
  {
    name: "should unsub inner observables",
    inners: [],
    run: (r, op) => {
      of("p", "q")
        .pipe(
          op(
            (x) =>
              new RxObservable<string>((subscriber) => {
                subscriber.complete();
                return () => r.log(`torn down ${x}`);
              }),
          ),
        )
        .subscribe();
    },
  },
  {
    name: "should switch inner cold observables",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c-d-e|");
      const second = r.cold("second", "--f--g--h|");
      const source = r.hot("outer", "---1-----2----------|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))));
    },
  },
  {
    name: "should raise error when projection throws",
    inners: [],
    run: (r, op) => {
      const source = r.hot("outer", "----x---y--|");
      r.observe(
        "result",
        source.pipe(
          op((): Observable<string> => {
            throw new Error("project failed");
          }),
        ),
      );
    },
  },
  {
    name: "should switch inner cold observables, outer is unsubscribed early",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c-d-e|");
      const second = r.cold("second", "--f--g--h|");
      const source = r.hot("outer", "---1-----2----------|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))), { unsubscribeAt: 12 });
    },
  },
  {
    name: "should not break unsubscription chains when result is unsubscribed explicitly",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c-d-e|");
      const second = r.cold("second", "--f--g--h|");
      const source = r.hot("outer", "---1-----2----------|");
      const result = source.pipe(
        mergeMap((k) => of(k)),
        op((k) => (k === "1" ? first : second)),
        mergeMap((v) => of(v)),
      );
      r.observe("result", result, { unsubscribeAt: 12 });
    },
  },
  {
    name: "should not break unsubscription chains with interop inners when result is unsubscribed explicitly",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c-d-e|");
      const second = r.cold("second", "--f--g--h|");
      const source = r.hot("outer", "---1-----2----------|");
      const result = source.pipe(
        mergeMap((k) => of(k)),
        op((k) => interop(k === "1" ? first : second)),
        mergeMap((v) => of(v)),
      );
      r.observe("result", result, { unsubscribeAt: 12 });
    },
  },
  {
    name: "should stop listening to a synchronous observable when unsubscribed (synchronous inner)",
    inners: [],
    run: (r, op) => {
      of(0)
        .pipe(
          op(() => steps(r, "inner")),
          takeWhile((n) => n < 2),
        )
        .subscribe((n) => r.log(`value ${n}`));
    },
    // A released inner runs until its release is due; this one is a chain of operators (not a producer the
    // operator subscribed directly), so it keeps pulling synchronously to its own completion, values dropped.
    // Expected: what the control pulls when nothing unsubscribes the inner early.
    deferred: (traceOfControl) => {
      const unbounded = record((r) => {
        of(0)
          .pipe(control(() => steps(r, "inner")))
          .subscribe();
      });
      // Synchronous, all in frame 0: after the point where the control stopped, the inner goes on pulling.
      const more = unbounded.events.filter((e) => !traceOfControl.events.includes(e));
      return { ...traceOfControl, events: [...traceOfControl.events, ...more] };
    },
  },
  {
    name: "should switch inner cold observables, inner never completes",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c-d-e|");
      const second = r.cold("second", "--f--g--h--i-");
      const source = r.hot("outer", "---1-----2----------|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))));
    },
  },
  {
    name: "should handle a synchronous switch to the second inner observable",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-c|");
      const second = r.cold("second", "--f--g|");
      const source = r.hot("outer", "--(12)------|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))));
    },
  },
  {
    name: "should switch inner cold observables, one inner throws",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.cold("first", "-a-b-#");
      const second = r.cold("second", "--f--g|");
      const source = r.hot("outer", "---1--------2---|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))));
    },
  },
  {
    name: "should switch inner hot observables",
    inners: ["first", "second"],
    run: (r, op) => {
      const first = r.hot("first", "--a--b--c--d--e--|");
      const second = r.hot("second", "-x--y--z---f---g---h--|");
      const source = r.hot("outer", "----1-----2-------------|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? first : second))));
    },
  },
  ...(
    [
      ["empty", "empty", "|", "|"],
      ["empty", "never", "|", "-"],
      ["never", "empty", "-", "|"],
      ["never", "throw", "-", "#"],
      ["empty", "throw", "|", "#"],
    ] as const
  ).map(([a, b, first, second]): Case => ({
    name: `should switch inner ${a} and ${b}`,
    inners: ["first", "second"],
    run: (r, op) => {
      const x = r.cold("first", first);
      const y = r.cold("second", second, undefined, new Error("inner failed"));
      const source = r.hot("outer", "--1-----2-----|");
      r.observe("result", source.pipe(op((k) => (k === "1" ? x : y))));
    },
  })),
  {
    name: "should handle outer empty",
    inners: [],
    run: (r, op) => {
      r.observe("result", r.cold("outer", "|").pipe(op((v) => of(v))));
    },
  },
  {
    name: "should handle outer never",
    inners: [],
    run: (r, op) => {
      r.observe("result", r.cold("outer", "-----").pipe(op((v) => of(v))));
    },
  },
  {
    name: "should handle outer throw",
    inners: [],
    run: (r, op) => {
      r.observe("result", r.cold("outer", "#", undefined, new Error("outer failed")).pipe(op((v) => of(v))));
    },
  },
  {
    name: "should handle outer error",
    inners: ["inner"],
    run: (r, op) => {
      const inner = r.cold("inner", "-a-b-c-d-e|");
      const source = r.hot("outer", "--1-----#", undefined, new Error("outer failed"));
      r.observe("result", source.pipe(op(() => inner)));
    },
  },
  {
    name: "should stop listening to a synchronous observable when unsubscribed (synchronous outer)",
    inners: [],
    run: (r, op) => {
      const source = new RxObservable<number>((subscriber) => {
        for (let i = 0; !subscriber.closed && i < 20; i++) {
          r.log(`outer pulled ${i}`);
          subscriber.next(i);
        }
      });
      source
        .pipe(
          op((n) => of(n)),
          take(4),
        )
        .subscribe((n) => r.log(`value ${n}`));
    },
  },
  {
    name: "should unsubscribe previous inner sub when getting synchronously reentrance during subscribing the inner sub",
    inners: [],
    run: (r, op) => {
      const subject = new BehaviorSubject(10);
      subject
        .pipe(
          take(4),
          op(
            (n) =>
              new RxObservable<number>((subscriber) => {
                subject.next(n + 1);
                subscriber.next(n);
                return () => r.log(`torn down ${n}`);
              }),
          ),
        )
        .subscribe((n) => r.log(`value ${n}`));
    },
    // The replaced inners (10, 11, 12) are released when replaced; a deferred release tears them down later.
    deferred: (traceOfControl, releaseAt) => ({
      ...traceOfControl,
      events: [
        ...traceOfControl.events.filter((e) => !/^0 torn down 1[012]$/.test(e)),
        // Released at frame 0 in reverse order of replacement (each release follows its successor's subscribe).
        ...["12", "11", "10"].map((n) => `${releaseAt(0)} torn down ${n}`),
      ],
    }),
  },
];

describe("switchMapDeferred conforms to RxJS's switchMap", () => {
  for (const c of cases) {
    describe(c.name, () => {
      const expected = record((r) => c.run(r, control));
      it("control (RxJS switchMap) produces a non-empty trace", () => {
        expect(expected.events.length + Object.keys(expected.subscriptions).length).toBeGreaterThan(0);
      });
      for (const variant of switchVariants) {
        it(variant.name, () => {
          const { trace: ours, releaseAt } = recordVariant(variant, (r, op) => c.run(r, op));
          const want =
            c.deferred !== undefined && !variant.synchronous
              ? c.deferred(expected, releaseAt)
              : deferReleases(expected, c.inners, releaseAt);
          expect(ours).toEqual(want);
        });
      }
    });
  }
});
