/**
 * `finalizeWhen` against RxJS 7.8.2's `finalize`: one scenario per case of RxJS's
 * `spec/operators/finalize-spec.ts` (named after it; scenarios written here), each run with `finalize` (control)
 * and with `finalizeWhen` under every variant. With a notifier that fires at once the trace must be the
 * control's exactly; with a deferred one, everything but the callbacks is unchanged and each callback runs, in
 * the same order, at the frame its notifier fires (derived from the control's frame).
 */
import type { Observable, ObservableInput, Subscriber } from "rxjs";
import {
  NEVER,
  Observable as RxObservable,
  finalize,
  from,
  interval,
  map,
  observable as observableSymbol,
  of,
  share,
  take,
  timer,
} from "rxjs";
import { describe, expect, it } from "vitest";
import type { Recorder, Trace } from "./harness.js";
import { record } from "./harness.js";
import type { FinalizeOp } from "./variants.js";
import { finalizeVariants, recordVariant } from "./variants.js";

interface Case {
  readonly name: string;
  run(r: Recorder, op: FinalizeOp): void;
}

const control: FinalizeOp = (callback) => finalize(callback);

/** A callback that logs `cb <label>` when it runs. */
const cb = (r: Recorder, label: string) => (): void => r.log(`cb ${label}`);

/** A foreign ("interop") observable (only `Symbol.observable`), converted the way RxJS converts it. */
function interop<T>(source: Observable<T>): Observable<T> {
  const foreign = {
    [observableSymbol]: () => ({
      subscribe: (observer: Subscriber<T>) =>
        source.subscribe({
          next: (value) => observer.next(value),
          error: (err: unknown) => observer.error(err),
          complete: () => observer.complete(),
        }),
    }),
  } as unknown as ObservableInput<T>;
  return from(foreign);
}

const failing = (message: string): Observable<never> =>
  new RxObservable<never>(() => {
    throw new Error(message);
  });

const cases: Case[] = [
  {
    name: "should call finalize after complete",
    run: (r, op) => {
      of(1, 2)
        .pipe(op(cb(r, "finalize")))
        .subscribe({ complete: () => r.log("complete") });
    },
  },
  {
    name: "should call finalize after error",
    run: (r, op) => {
      of(1, 2, 3)
        .pipe(
          map((n) => {
            if (n === 2) throw new Error("two");
            return n;
          }),
          op(cb(r, "finalize")),
        )
        .subscribe({ error: () => r.log("error") });
    },
  },
  {
    name: "should call finalize upon disposal",
    run: (r, op) => {
      const subscription = timer(50)
        .pipe(op(cb(r, "finalize")))
        .subscribe();
      r.at(3, () => {
        r.log("disposing");
        subscription.unsubscribe();
      });
    },
  },
  {
    name: "should call finalize when synchronously subscribing to and unsubscribing from a shared Observable",
    run: (r, op) => {
      interval(4)
        .pipe(op(cb(r, "finalize")), share())
        .subscribe()
        .unsubscribe();
      r.log("unsubscribed");
    },
  },
  {
    name: "should call two finalize instances in succession on a shared Observable",
    run: (r, op) => {
      of(7, 8)
        .pipe(op(cb(r, "first")), op(cb(r, "second")), share())
        .subscribe();
    },
  },
  {
    name: "should handle empty",
    run: (r, op) => r.observe("result", r.hot("source", "|").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle never",
    run: (r, op) => r.observe("result", r.hot("source", "------").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle throw",
    run: (r, op) => r.observe("result", r.hot("source", "#").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle basic hot observable",
    run: (r, op) => r.observe("result", r.hot("source", "-x-y--z-|").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle basic cold observable",
    run: (r, op) => r.observe("result", r.cold("source", "--x-y-z--|").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle basic error",
    run: (r, op) => r.observe("result", r.hot("source", "-x-y--z-#").pipe(op(cb(r, "finalize")))),
  },
  {
    name: "should handle unsubscription",
    run: (r, op) =>
      r.observe("result", r.hot("source", "-x-y--z-w-|").pipe(op(cb(r, "finalize"))), { unsubscribeAt: 5 }),
  },
  {
    name: "should handle interop source observables",
    run: (r, op) => {
      const subscription = interop(NEVER)
        .pipe(op(cb(r, "finalize")))
        .subscribe();
      subscription.unsubscribe();
      r.log("unsubscribed");
    },
  },
  {
    name: "should finalize sources before sinks",
    run: (r, op) => {
      of(3)
        .pipe(op(cb(r, "source")), op(cb(r, "sink")))
        .subscribe();
    },
  },
  {
    name: "should finalize after the finalization",
    run: (r, op) => {
      const source = new RxObservable<void>(() => () => r.log("source teardown"));
      const subscription = source.pipe(op(cb(r, "finalize"))).subscribe();
      r.at(2, () => subscription.unsubscribe());
    },
  },
  {
    name: "should finalize after the finalizer with synchronous completion",
    run: (r, op) => {
      const source = new RxObservable<void>((subscriber) => {
        subscriber.complete();
        return () => r.log("source teardown");
      });
      source.pipe(op(cb(r, "finalize"))).subscribe();
    },
  },
  {
    name: "should stop listening to a synchronous observable when unsubscribed",
    run: (r, op) => {
      const source = new RxObservable<number>((subscriber) => {
        for (let i = 0; !subscriber.closed && i < 50; i++) {
          r.log(`pulled ${i}`);
          subscriber.next(i);
        }
      });
      source.pipe(op(cb(r, "finalize")), take(2)).subscribe();
    },
  },
  {
    name: "should execute finalize even with a sync thrown error",
    run: (r, op) => {
      failing("bad")
        .pipe(op(cb(r, "finalize")))
        .subscribe({ error: () => r.log("error") });
    },
  },
  {
    name: "should execute finalize in order even with a sync error",
    run: (r, op) => {
      new RxObservable<never>((subscriber) => subscriber.error(new Error("bad")))
        .pipe(op(cb(r, "1")), op(cb(r, "2")))
        .subscribe({ error: () => r.log("error") });
    },
  },
  {
    name: "should execute finalize in order even with a sync thrown error",
    run: (r, op) => {
      failing("bad")
        .pipe(op(cb(r, "1")), op(cb(r, "2")))
        .subscribe({ error: () => r.log("error") });
    },
  },
  {
    name: "should finalize in the proper order",
    run: (r, op) => {
      of(0)
        .pipe(op(cb(r, "1")), op(cb(r, "2")), op(cb(r, "3")), op(cb(r, "4")))
        .subscribe();
    },
  },
];

/** Splits a trace into its callback events and the rest. */
function split(trace: Trace): { callbacks: string[]; rest: Trace } {
  const callbacks = trace.events.filter((e) => / cb /.test(e));
  return { callbacks, rest: { ...trace, events: trace.events.filter((e) => !/ cb /.test(e)) } };
}

describe("finalizeWhen conforms to RxJS's finalize", () => {
  for (const c of cases) {
    describe(c.name, () => {
      const expected = record((r) => c.run(r, control));
      it("control (RxJS finalize) produces a non-empty trace", () => {
        expect(expected.events.length + Object.keys(expected.subscriptions).length).toBeGreaterThan(0);
      });
      for (const variant of finalizeVariants) {
        it(variant.name, () => {
          const { trace: ours, releaseAt } = recordVariant(variant, (r, op) => c.run(r, op));
          if (variant.synchronous) {
            expect(ours).toEqual(expected);
            return;
          }
          const want = split(expected);
          const got = split(ours);
          expect(got.rest).toEqual(want.rest);
          expect(got.callbacks).toEqual(
            want.callbacks.map((e) => {
              const [frame, ...rest] = e.split(" ");
              return [releaseAt(Number(frame)), ...rest].join(" ");
            }),
          );
        });
      }
    });
  }
});
