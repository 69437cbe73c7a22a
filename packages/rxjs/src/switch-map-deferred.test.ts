import { createDomain, isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import type { Observable } from "rxjs";
import { Observable as RxObservable, Subject, UnsubscriptionError, config, of, switchMap } from "rxjs";
import { describe, expect, it } from "vitest";
import { gracePeriod } from "./grace-period.js";
import { switchMapDeferred } from "./switch-map-deferred.js";
import { at, createTestScheduler } from "./test-support/test-scheduler.js";
import { TestResource } from "./test-support/test-resource.js";

const identity = <X>(x: X): X => x;

describe("switchMapDeferred", () => {
  it("subscribes the new inner first and unsubscribes the old one when releaseWhen emits", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-y-z-w-v-u-t-s-r|");
      const b = cold("1-2-3-4|");
      const notifier = cold("---n");
      const source = hot<Observable<string>>("-a-----b-------|", { a, b });
      expectObservable(source.pipe(switchMapDeferred(identity, { releaseWhen: () => notifier }))).toBe(
        "-x-y-z-1-2-3-4-|",
      );
      expectSubscriptions(a.subscriptions).toBe("-^--------!"); // switchMap would stop it at 7
      expectSubscriptions(b.subscriptions).toBe("-------^------!");
      expectSubscriptions(notifier.subscriptions).toBe("-------^--!");
    });
  });

  it("plain switchMap, for comparison, unsubscribes the old inner at the switch", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-y-z-w-v-u-t-s-r|");
      const b = cold("1-2-3-4|");
      const source = hot<Observable<string>>("-a-----b-------|", { a, b });
      expectObservable(source.pipe(switchMap(identity))).toBe("-x-y-z-1-2-3-4-|");
      expectSubscriptions(a.subscriptions).toBe("-^-----!");
    });
  });

  it("with { domain }, unsubscribes each replaced inner after a grace period, the last one after unsubscribe", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-x-x-x-x-x-x-x-x-x-x-x");
      const b = cold("y-y-y-y-y-y-y-y-y-y-y-y");
      const c = cold("z-z-z-z-z-z-z-z-z-z-z-z");
      const source = hot<Observable<string>>("-a---b---c----|", { a, b, c });
      at(scheduler, 7, () => domain.advance()); // releases a (replaced at 5)
      at(scheduler, 12, () => domain.advance()); // releases b (replaced at 9)
      at(scheduler, 18, () => domain.advance()); // releases c (the result was unsubscribed at 16)
      expectObservable(source.pipe(switchMapDeferred(identity, { domain })), "^---------------!").toBe(
        "-x-x-y-y-z-z-z-z",
      );
      expectSubscriptions(a.subscriptions).toBe("-^-----!");
      expectSubscriptions(b.subscriptions).toBe("-----^------!");
      expectSubscriptions(c.subscriptions).toBe("---------^--------!");
    });
    expect(domain.stats().waiters).toBe(0);
    expect(domain.stats().pendingCallbacks).toBe(0);
  });

  it("completes when the outer and the current inner complete; a pending release still happens afterwards", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-x-x-x-x-x-x-x");
      const b = cold("y-|");
      const source = hot<Observable<string>>("-a--b|", { a, b });
      at(scheduler, 8, () => domain.advance());
      expectObservable(source.pipe(switchMapDeferred(identity, { domain }))).toBe("-x-xy-|");
      expectSubscriptions(a.subscriptions).toBe("-^------!");
      expectSubscriptions(b.subscriptions).toBe("----^-!");
    });
  });

  it("errors when the outer errors, and releases the current inner after a grace period", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-x-x-x-x-x-x");
      const source = hot<Observable<string>>("-a--#", { a });
      at(scheduler, 7, () => domain.advance());
      expectObservable(source.pipe(switchMapDeferred(identity, { domain }))).toBe("-x-x#");
      expectSubscriptions(a.subscriptions).toBe("-^-----!");
    });
  });

  it("errors when the current inner errors; a replaced inner's error is dropped, as with switchMap", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x---#");
      const b = cold("-y-y-y-#");
      const source = hot<Observable<string>>("-a-b", { a, b });
      const notifier = cold("------n");
      expectObservable(source.pipe(switchMapDeferred(identity, { releaseWhen: () => notifier }))).toBe("-x--y-y-y-#");
      expectSubscriptions(a.subscriptions).toBe("-^---!"); // errored at 5 while released: nothing reaches the result
      expectSubscriptions(notifier.subscriptions).toBe("---^-!"); // the release was cancelled by that error
    });
  });

  it("a replaced inner that completes on its own cancels its pending release", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x--|");
      const b = cold("y-y-y-y-y-y-y");
      const source = hot<Observable<string>>("-a-b", { a, b });
      const notifier = cold("-----n");
      expectObservable(source.pipe(switchMapDeferred(identity, { releaseWhen: () => notifier }))).toBe(
        "-x-y-y-y-y-y-y-y",
      );
      expectSubscriptions(a.subscriptions).toBe("-^--!");
      expectSubscriptions(notifier.subscriptions).toBe("---^!");
    });
    expect(domain.stats().waiters).toBe(0);
  });

  it("errors when project throws, and still releases the current inner after the notifier", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-x-x-x-x-x");
      const source = hot("-a-b", { a, b: undefined });
      const notifier = cold("--n");
      const project = (inner: Observable<string> | undefined): Observable<string> => {
        if (inner === undefined) throw new Error("bad value");
        return inner;
      };
      expectObservable(source.pipe(switchMapDeferred(project, { releaseWhen: () => notifier }))).toBe(
        "-x-#",
        undefined,
        new Error("bad value"),
      );
      expectSubscriptions(a.subscriptions).toBe("-^---!");
    });
  });

  it("passes the outer index to project, like switchMap", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot("-a-b-c|");
      expectObservable(source.pipe(switchMapDeferred((v, i) => of(`${v}${i}`), { domain }))).toBe("-a-b-c|", {
        a: "a0",
        b: "b1",
        c: "c2",
      });
    });
  });

  it("a notifier that emits synchronously releases right after the new inner is subscribed", () => {
    const log: string[] = [];
    const inner = (id: string): Observable<string> =>
      new RxObservable<string>(() => {
        log.push(`subscribe ${id}`);
        return () => log.push(`unsubscribe ${id}`);
      });
    const source = new Subject<string>();
    const subscription = source.pipe(switchMapDeferred(inner, { releaseWhen: () => of(0) })).subscribe();
    source.next("a");
    source.next("b");
    subscription.unsubscribe();
    expect(log).toEqual(["subscribe a", "subscribe b", "unsubscribe a", "unsubscribe b"]);
  });

  it("handles a re-entrant outer value pushed while the new inner is still subscribing (rxjs#7455)", () => {
    const domain = createManualDomain();
    const log: string[] = [];
    const source = new Subject<number>();
    const inner = (n: number): Observable<number> =>
      new RxObservable<number>((subscriber) => {
        log.push(`subscribe ${n}`);
        subscriber.next(n); // synchronous: the consumer below pushes the next outer value from here
        return () => log.push(`unsubscribe ${n}`);
      });
    const seen: number[] = [];
    const subscription = source.pipe(switchMapDeferred(inner, { domain })).subscribe((n) => {
      seen.push(n);
      if (n < 3) source.next(n + 1);
    });
    source.next(1);
    expect(seen).toEqual([1, 2, 3]);
    expect(log).toEqual(["subscribe 1", "subscribe 2", "subscribe 3"]);
    domain.advance();
    expect(log.slice(3).sort()).toEqual(["unsubscribe 1", "unsubscribe 2"]);
    subscription.unsubscribe();
    domain.advance();
    expect(log.slice(5)).toEqual(["unsubscribe 3"]);
  });

  it("a releaseWhen notifier error errors the result and releases at once; after teardown it is reported", () => {
    const scheduler = createTestScheduler();
    const unhandled: unknown[] = [];
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold("x-x-x-x-x-x");
        const b = cold("y-y-y-y-y-y");
        const source = hot<Observable<string>>("-a-b", { a, b });
        expectObservable(source.pipe(switchMapDeferred(identity, { releaseWhen: () => cold("-#") }))).toBe("-x-y#");
        expectSubscriptions(a.subscriptions).toBe("-^--!"); // the notifier failed at 4: released at once
        expectSubscriptions(b.subscriptions).toBe("---^-!"); // released at teardown; that notifier failed too
      });
    } finally {
      config.onUnhandledError = null;
    }
    expect(unhandled).toEqual(["error"]); // the second failure had no subscriber left to receive it
  });

  it("reports an inner's teardown error through the domain's onError", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const source = new Subject<number>();
    const failing = new RxObservable<string>(() => () => {
      throw new Error("teardown failed");
    });
    source.pipe(switchMapDeferred(() => failing, { domain })).subscribe();
    source.next(1);
    source.next(2);
    expect(() => domain.advance()).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(isRcuError(errors[0], "CALLBACK_FAILED")).toBe(true);
    expect((errors[0] as Error).cause).toBeInstanceOf(UnsubscriptionError);
  });

  it("recognises releaseWhen: () => gracePeriod(domain) as { domain }: teardown errors reach the domain's onError", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold("x-x-x-x-x-x");
      const b = cold("y-y-y-y-y-y");
      const source = hot<Observable<string>>("-a-b", { a, b });
      at(scheduler, 6, () => domain.advance());
      expectObservable(
        source.pipe(switchMapDeferred(identity, { releaseWhen: () => gracePeriod(domain) })),
        "^------!",
      ).toBe("-x-y-y-");
      expectSubscriptions(a.subscriptions).toBe("-^----!");
    });
    const source = new Subject<number>();
    const failing = new RxObservable<string>(() => () => {
      throw new Error("teardown failed");
    });
    source.pipe(switchMapDeferred(() => failing, { releaseWhen: () => gracePeriod(domain) })).subscribe();
    source.next(1);
    source.next(2);
    expect(() => domain.advance()).not.toThrow();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).cause).toBeInstanceOf(UnsubscriptionError);
  });

  it("on a real srcu domain, barrier() after unsubscribing waits until every inner has been released", async () => {
    const domain = createDomain({ flavor: "srcu" });
    const log: string[] = [];
    const inner = (id: string): Observable<string> => new RxObservable<string>(() => () => log.push(id));
    const source = new Subject<string>();
    const subscription = source.pipe(switchMapDeferred(inner, { domain })).subscribe();
    source.next("a");
    source.next("b"); // a's release waits for one grace period
    domain.startPoll();
    await new Promise((resolve) => setImmediate(resolve)); // that grace period may now be running
    subscription.unsubscribe(); // b's release may need the grace period after it
    await domain.barrier();
    expect(log.sort()).toEqual(["a", "b"]);
    await domain.close();
  });

  it("refuses options without exactly one of domain and releaseWhen", () => {
    const domain = createManualDomain();
    const bad = [
      {},
      { domain, releaseWhen: () => of(0) },
      { releaseWhen: 5 },
      { domain: {} },
      undefined,
    ] as unknown as Parameters<typeof switchMapDeferred>[1][];
    for (const options of bad) {
      expect(() => switchMapDeferred(() => of(0), options)).toThrow(
        expect.objectContaining({ code: "INVALID_OPTION" }) as Error,
      );
    }
    expect(() => switchMapDeferred(of(0) as never, { domain })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION" }) as Error,
    );
  });

  it("on a closed domain, a switch releases the old inner at once and errors with CLOSED; teardown stays quiet", async () => {
    const domain = createManualDomain();
    const log: string[] = [];
    const inner = (id: string): Observable<string> =>
      new RxObservable<string>(() => () => log.push(`unsubscribe ${id}`));
    const source = new Subject<string>();
    let error: unknown;
    source.pipe(switchMapDeferred(inner, { domain })).subscribe({ error: (err: unknown) => (error = err) });
    source.next("a");
    await domain.close();
    source.next("b");
    expect(isRcuError(error, "CLOSED")).toBe(true);
    expect(log).toEqual(["unsubscribe a", "unsubscribe b"]);
  });

  it("property: every inner is torn down exactly once, never while a reader holds its value, and nothing stays registered", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("next" as const), hold: fc.boolean() }),
      fc.record({ kind: fc.constant("advance" as const) }),
      fc.record({ kind: fc.constant("start" as const) }),
      fc.record({ kind: fc.constant("unlockOldest" as const) }),
      fc.record({ kind: fc.constant("completeCurrent" as const) }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.constantFrom("unsubscribe", "error", "complete"),
        (steps, end) => {
          const domain = createManualDomain();
          const holders: Array<{ guard: Disposable; value: TestResource }> = [];
          const created: TestResource[] = [];
          const violations: string[] = [];
          const completers: Array<() => void> = [];
          let completing = false; // an inner completing tears itself down: that is the inner's business, not ours
          let holdNext = false;
          const inner = (id: number): Observable<TestResource> =>
            new RxObservable<TestResource>((subscriber) => {
              const resource = new TestResource(String(id));
              created.push(resource);
              completers.push(() => {
                completing = true;
                subscriber.complete();
                completing = false;
              });
              subscriber.next(resource);
              return () => {
                if (!completing && holders.some((h) => h.value === resource))
                  violations.push(`${resource.id} torn down while held`);
                if (!resource.alive) violations.push(`${resource.id} torn down twice`);
                resource[Symbol.dispose]();
              };
            });
          const source = new Subject<number>();
          const subscription = source.pipe(switchMapDeferred(inner, { domain })).subscribe({
            next: (r) => {
              if (holdNext) holders.push({ guard: domain.readLock(), value: r });
            },
            error: () => undefined,
          });
          let n = 0;
          for (const s of steps) {
            if (s.kind === "next") {
              holdNext = s.hold;
              source.next(n++);
            } else if (s.kind === "advance") domain.advance();
            else if (s.kind === "start") domain.startGracePeriod();
            else if (s.kind === "completeCurrent") completers.at(-1)?.();
            else holders.shift()?.guard[Symbol.dispose]();
          }
          if (end === "error") source.error(new Error("end"));
          else if (end === "complete") {
            source.complete();
            completers.at(-1)?.();
          } else subscription.unsubscribe();
          for (const h of holders.splice(0)) h.guard[Symbol.dispose]();
          domain.advance();
          domain.advance();
          expect(violations).toEqual([]);
          for (const r of created) expect(r.disposeCount).toBe(1);
          expect(domain.stats().waiters).toBe(0);
          expect(domain.stats().pendingCallbacks).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("errors with INVALID_OPTION when project returns something that is not an ObservableInput", () => {
    const domain = createManualDomain();
    const errors: unknown[] = [];
    of(1)
      .pipe(switchMapDeferred(() => 42 as never, { domain }))
      .subscribe({ error: (err: unknown) => errors.push(err) });
    expect(errors).toHaveLength(1);
    expect(isRcuError(errors[0], "INVALID_OPTION")).toBe(true);
    expect((errors[0] as Error).message).toContain("project returned 42");
  });

  it("follows a hand-written thenable (whose then returns nothing) from project or releaseWhen, once", async () => {
    // settles on a later job, and its `then` returns nothing (RxJS chains on what `then` returns)
    const thenable = <T>(value: T): PromiseLike<T> =>
      ({
        then: (ok: (v: T) => void) => {
          queueMicrotask(() => ok(value));
        },
      }) as PromiseLike<T>;
    const unhandled: unknown[] = [];
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      const values: unknown[] = [];
      const errors: unknown[] = [];
      const resource = new TestResource("a");
      const source = new Subject<number>();
      source
        .pipe(
          switchMapDeferred(
            (n) => (n === 0 ? new RxObservable<TestResource>(() => () => resource.unsubscribe()) : thenable(n)),
            { releaseWhen: () => thenable(undefined) },
          ),
        )
        .subscribe({ next: (v) => values.push(v), error: (err: unknown) => errors.push(err) });
      source.next(0);
      source.next(1);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(values).toEqual([1]);
      expect(resource.disposeCount, "released when the thenable notifier resolved").toBe(1);
      expect(errors).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      config.onUnhandledError = null;
    }
  });

  it("a releaseWhen() that returns a revoked proxy errors the subscriber with INVALID_OPTION", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const errors: unknown[] = [];
    const source = new Subject<number>();
    source
      .pipe(switchMapDeferred(() => new RxObservable<number>(), { releaseWhen: () => proxy as never }))
      .subscribe({ error: (err: unknown) => errors.push(err) });
    source.next(0);
    source.next(1); // releases the first inner
    expect(errors).toHaveLength(1);
    expect(isRcuError(errors[0], "INVALID_OPTION")).toBe(true);
  });
});
