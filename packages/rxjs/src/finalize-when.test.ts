import type { RcuError } from "@rcu/core";
import { isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import { NEVER, Observable, Subject, finalize, throwError } from "rxjs";
import { describe, expect, it } from "vitest";
import { collectUnhandledErrors } from "./test-support/unhandled-errors.js";
import { finalizeWhen } from "./finalize-when.js";
import { gracePeriod } from "./grace-period.js";
import { at, createTestScheduler } from "./test-support/test-scheduler.js";

describe("finalizeWhen", () => {
  const unhandled = collectUnhandledErrors();

  it("on complete: mirrors the source, then runs the callback when the notifier emits", () => {
    const scheduler = createTestScheduler();
    const calls: number[] = [];
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const notifier = cold("---n");
      const source = cold("-a-b|");
      expectObservable(
        source.pipe(
          finalizeWhen(
            () => void calls.push(scheduler.now()),
            () => notifier,
          ),
        ),
      ).toBe("-a-b|");
      expectSubscriptions(notifier.subscriptions).toBe("----^--!");
    });
    expect(calls).toEqual([7]);
  });

  it("on error: forwards the error, then runs the callback when the notifier emits", () => {
    const scheduler = createTestScheduler();
    const calls: number[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold("-a#");
      expectObservable(
        source.pipe(
          finalizeWhen(
            () => void calls.push(scheduler.now()),
            () => cold("--n"),
          ),
        ),
      ).toBe("-a#");
    });
    expect(calls).toEqual([4]);
  });

  it("on unsubscribe: tears the source down at once, and runs the callback when the notifier emits", () => {
    const scheduler = createTestScheduler();
    const calls: number[] = [];
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-c-d");
      expectObservable(
        source.pipe(
          finalizeWhen(
            () => void calls.push(scheduler.now()),
            () => cold("----n"),
          ),
        ),
        "^--!",
      ).toBe("-a-");
      expectSubscriptions(source.subscriptions).toBe("^--!");
    });
    expect(calls).toEqual([7]);
  });

  it("refuses non-function arguments with INVALID_OPTION", () => {
    const invalid = expect.objectContaining({ code: "INVALID_OPTION" }) as Error;
    expect(() => finalizeWhen(() => undefined, NEVER as never)).toThrow(invalid);
    expect(() => finalizeWhen(undefined as never, () => NEVER)).toThrow(invalid);
  });

  it("runs the callback once, after the source's own teardown (like finalize)", () => {
    const log: string[] = [];
    const notifier = new Subject<void>();
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      return () => log.push("source teardown");
    });
    const subscription = source
      .pipe(
        finalize(() => log.push("finalize")),
        finalizeWhen(
          () => void log.push("finalizeWhen"),
          () => notifier,
        ),
      )
      .subscribe();
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(log).toEqual(["source teardown", "finalize"]);
    notifier.next();
    notifier.next();
    expect(log).toEqual(["source teardown", "finalize", "finalizeWhen"]);
    expect(notifier.observed).toBe(false);
  });

  it("a notifier that completes without emitting still runs the callback; one that never emits holds it", () => {
    const scheduler = createTestScheduler();
    const calls: string[] = [];
    scheduler.run(({ cold }) => {
      cold("-|")
        .pipe(
          finalizeWhen(
            () => void calls.push(`empty@${scheduler.now()}`),
            () => cold("--|"),
          ),
        )
        .subscribe();
      cold("-|")
        .pipe(
          finalizeWhen(
            () => void calls.push("never"),
            () => NEVER,
          ),
        )
        .subscribe();
    });
    expect(calls).toEqual(["empty@3"]);
  });

  it("with gracePeriod(domain): the callback waits for readers that were inside at teardown", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const calls: number[] = [];
    const ended: boolean[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      let guard: Disposable | undefined;
      at(scheduler, 1, () => (guard = domain.readLock())); // a consumer still uses the last value
      at(scheduler, 3, () => ended.push(domain.advance())); // blocked by that reader
      at(scheduler, 5, () => guard?.[Symbol.dispose]());
      at(scheduler, 6, () => ended.push(domain.endGracePeriod()));
      expectObservable(
        cold("-a|").pipe(
          finalizeWhen(
            () => void calls.push(scheduler.now()),
            () => gracePeriod(domain),
          ),
        ),
      ).toBe("-a|");
    });
    expect(ended).toEqual([false, true]);
    expect(calls).toEqual([6]);
  });

  it("reports a throwing callback, a rejecting callback, a throwing notifier() and a failing notifier; the callback always runs", async () => {
    const scheduler = createTestScheduler();
    const calls: string[] = [];
    scheduler.run(({ cold }) => {
      const throwing = (message: string) => (): never => {
        throw new Error(message);
      };
      cold("|")
        .pipe(finalizeWhen(throwing("callback threw"), () => cold("n")))
        .subscribe();
      cold("|")
        .pipe(finalizeWhen(() => void calls.push("notifier threw"), throwing("notifier() threw")))
        .subscribe();
      cold("|")
        .pipe(
          finalizeWhen(
            () => void calls.push("notifier failed"),
            () => throwError(() => new Error("notifier failed")),
          ),
        )
        .subscribe();
    });
    const rejected = new Subject<void>();
    new Observable<never>((s) => s.complete())
      .pipe(
        finalizeWhen(
          () => Promise.reject(new Error("callback rejected")),
          () => rejected,
        ),
      )
      .subscribe();
    rejected.next();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toEqual(["notifier threw", "notifier failed"]);
    // A throwing notifier() is wrapped in a coded RcuError whose cause is what it threw.
    const wrapped = unhandled.filter((err): err is RcuError => isRcuError(err));
    expect(wrapped.map((err) => err.code)).toEqual(["CALLBACK_FAILED"]);
    const unwrap = (err: unknown): string => ((isRcuError(err) ? err.cause : err) as Error).message;
    expect(unhandled.map(unwrap).sort()).toEqual([
      "callback rejected",
      "callback threw",
      "notifier failed",
      "notifier() threw",
    ]);
  });

  it("a hand-written thenable from the callback counts once: fulfilled then rejected reports nothing, rejected twice reports once", async () => {
    const notify = new Subject<void>();
    const settleBoth = {
      then(onFulfilled?: (value: void) => unknown, onRejected?: (reason: unknown) => unknown): unknown {
        onFulfilled?.(undefined);
        onRejected?.(new Error("rejected after fulfilling"));
        return undefined;
      },
    };
    const rejectTwice = {
      then(_onFulfilled?: (value: void) => unknown, onRejected?: (reason: unknown) => unknown): unknown {
        onRejected?.(new Error("rejected twice"));
        onRejected?.(new Error("rejected twice"));
        return undefined;
      },
    };
    for (const result of [settleBoth, rejectTwice]) {
      new Observable<never>((s) => s.complete())
        .pipe(
          finalizeWhen(
            () => result as PromiseLike<void>,
            () => notify,
          ),
        )
        .subscribe();
    }
    notify.next();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(unhandled.map((err) => (err as Error).message)).toEqual(["rejected twice"]);
  });

  it("with () => gracePeriod(domain), a throwing or rejecting callback is reported through the domain's onError", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const ran: string[] = [];
    const source = new Subject<number>();
    const throws = (): void => {
      ran.push("throws");
      throw new Error("sync boom");
    };
    const rejects = async (): Promise<void> => {
      ran.push("rejects");
      throw new Error("async boom");
    };
    source.pipe(finalizeWhen(throws, () => gracePeriod(domain))).subscribe();
    source.pipe(finalizeWhen(rejects, () => gracePeriod(domain))).subscribe();
    source
      .pipe(
        finalizeWhen(
          () => void ran.push("fine"),
          () => gracePeriod(domain),
        ),
      )
      .subscribe();
    source.complete();
    expect(ran).toEqual([]);
    expect(() => domain.advance()).not.toThrow();
    expect(ran).toEqual(["throws", "rejects", "fine"]);
    await domain.barrier();
    expect(errors.map((err) => ((err as Error).cause as Error).message).sort()).toEqual(["async boom", "sync boom"]);
    expect(unhandled).toEqual([]);
  });

  it("with () => gracePeriod(domain) on a closed domain, runs the callback at once", async () => {
    const domain = createManualDomain();
    await domain.close();
    const ran: string[] = [];
    new Subject<number>()
      .pipe(
        finalizeWhen(
          () => void ran.push("ran"),
          () => gracePeriod(domain),
        ),
      )
      .subscribe()
      .unsubscribe();
    expect(ran).toEqual(["ran"]);
  });
});
