import { isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import { Subject, config, of, take } from "rxjs";
import { describe, expect, it } from "vitest";
import { retirePrevious } from "./retire-previous.js";
import { at, createTestScheduler } from "./test-support/test-scheduler.js";
import { TestResource } from "./test-support/test-resource.js";

function resources(...ids: string[]): Record<string, TestResource> {
  return Object.fromEntries(ids.map((id) => [id, new TestResource(id)]));
}

describe("retirePrevious", () => {
  it("mirrors the source and disposes each replaced value after a grace period, the last one on complete", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const values = resources("a", "b", "c");
    const disposed: string[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold("-a-b-b-c-|", values);
      const dispose = (r: TestResource): void => void disposed.push(`${scheduler.now()}:${r.id}`);
      at(scheduler, 2, () => domain.advance()); // nothing retired yet
      at(scheduler, 4, () => domain.advance()); // a (retired at 3)
      at(scheduler, 6, () => domain.advance()); // nothing: b seen twice in a row is not retired
      at(scheduler, 8, () => domain.advance()); // b (retired at 7)
      at(scheduler, 10, () => domain.advance()); // c (retired at 9, on complete)
      expectObservable(source.pipe(retirePrevious(domain, { dispose }))).toBe("-a-b-b-c-|", values);
    });
    expect(disposed).toEqual(["4:a", "8:b", "10:c"]);
  });

  it("disposes the current value after a grace period when the source errors", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const values = resources("a", "b");
    const disposed: string[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const dispose = (r: TestResource): void => void disposed.push(`${scheduler.now()}:${r.id}`);
      at(scheduler, 5, () => domain.advance()); // a and b (error at 4 retired b)
      expectObservable(cold("-a-b#", values).pipe(retirePrevious(domain, { dispose }))).toBe("-a-b#", values);
    });
    expect(disposed).toEqual(["5:a", "5:b"]);
  });

  it("disposes the current value after a grace period when unsubscribed", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const values = resources("a", "b");
    const disposed: string[] = [];
    scheduler.run(({ hot, expectObservable }) => {
      const dispose = (r: TestResource): void => void disposed.push(`${scheduler.now()}:${r.id}`);
      at(scheduler, 4, () => domain.advance()); // b is still current: only a
      at(scheduler, 7, () => domain.advance()); // b, retired by the unsubscription at 5
      expectObservable(hot("-a-b---a", values).pipe(retirePrevious(domain, { dispose })), "^----!").toBe(
        "-a-b-",
        values,
      );
    });
    expect(disposed).toEqual(["4:a", "7:b"]);
  });

  it("keeps a replaced value alive while a reader that received it is inside a section", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const values = resources("a", "b");
    const ended: boolean[] = [];
    scheduler.run(({ cold }) => {
      let guard: Disposable | undefined;
      cold("-a-b-----|", values)
        .pipe(retirePrevious(domain))
        .subscribe((r) => {
          if (r.id === "a") guard = domain.readLock(); // the consumer keeps `a` past the next emission
        });
      at(scheduler, 4, () => ended.push(domain.advance()));
      at(scheduler, 5, () => expect(values.a!.alive).toBe(true));
      at(scheduler, 6, () => guard?.[Symbol.dispose]());
      at(scheduler, 7, () => ended.push(domain.endGracePeriod()));
    });
    expect(ended).toEqual([false, true]);
    expect(values.a!.disposeCount).toBe(1);
    expect(values.b!.alive).toBe(true); // retired on complete (at 9)
    domain.advance();
    expect(values.b!.disposeCount).toBe(1);
  });

  it("a value emitted again while its disposal is pending becomes current again and is disposed once, later", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const values = resources("a", "b", "c");
    const disposed: string[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const dispose = (r: TestResource): void => void disposed.push(`${scheduler.now()}:${r.id}`);
      at(scheduler, 4, () => domain.advance()); // a was retired at 2 but came back at 3: only b
      at(scheduler, 6, () => domain.advance()); // a, retired again at 5
      at(scheduler, 8, () => domain.advance()); // c
      expectObservable(cold("-aba-c|", values).pipe(retirePrevious(domain, { dispose }))).toBe("-aba-c|", values);
    });
    expect(disposed).toEqual(["4:b", "6:a", "8:c"]);
  });

  it("never disposes the same object twice, even when a disposed value is emitted again", () => {
    const domain = createManualDomain();
    const values = resources("a", "b");
    const source = new Subject<TestResource>();
    const subscription = source.pipe(retirePrevious(domain)).subscribe();
    source.next(values.a!);
    source.next(values.b!);
    domain.advance(); // a disposed
    source.next(values.a!); // a misbehaving source re-emits a disposed object
    source.next(values.b!);
    subscription.unsubscribe();
    domain.advance();
    domain.advance();
    expect(values.a!.disposeCount).toBe(1);
    expect(values.b!.disposeCount).toBe(1);
  });

  it("default disposal prefers Symbol.asyncDispose, falls back to Symbol.dispose, and ignores plain values", async () => {
    const domain = createManualDomain();
    const calls: string[] = [];
    const both = {
      [Symbol.dispose]: () => void calls.push("both: dispose"),
      [Symbol.asyncDispose]: async () => void calls.push("both: asyncDispose"),
    };
    const sync = { [Symbol.dispose]: () => void calls.push("sync: dispose") };
    const source = new Subject<object | number>();
    source.pipe(retirePrevious(domain)).subscribe();
    source.next(both);
    source.next(sync);
    source.next(42);
    source.next({ plain: true });
    source.complete();
    domain.advance();
    await domain.barrier();
    expect(calls).toEqual(["both: asyncDispose", "sync: dispose"]);
  });

  it("reports a throwing or rejecting disposer through the domain's onError and keeps disposing the others", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const disposed: string[] = [];
    const source = new Subject<string>();
    source
      .pipe(
        retirePrevious(domain, {
          dispose: (id) => {
            if (id === "throws") throw new Error("boom");
            if (id === "rejects") return Promise.reject(new Error("async boom"));
            disposed.push(id);
            return undefined;
          },
        }),
      )
      .subscribe();
    for (const id of ["throws", "ok1", "rejects", "ok2"]) source.next(id);
    source.complete();
    expect(() => domain.advance()).not.toThrow();
    await domain.barrier();
    expect(disposed).toEqual(["ok1", "ok2"]);
    expect(errors).toHaveLength(2);
    expect(errors.every((err) => isRcuError(err, "CALLBACK_FAILED"))).toBe(true);
    expect(errors.map((err) => ((err as Error).cause as Error).message).sort()).toEqual(["async boom", "boom"]);
  });

  it("refuses a non-domain or a non-function dispose with INVALID_OPTION", () => {
    const invalid = expect.objectContaining({ code: "INVALID_OPTION" }) as Error;
    expect(() => retirePrevious({} as never)).toThrow(invalid);
    expect(() => retirePrevious(createManualDomain(), { dispose: "close" as never })).toThrow(invalid);
  });

  it("a value re-emitted synchronously from the consumer of its replacement stays current and alive", () => {
    const domain = createManualDomain();
    const values = resources("a", "b");
    const source = new Subject<TestResource>();
    const seen: string[] = [];
    const subscription = source.pipe(retirePrevious(domain)).subscribe((r) => {
      seen.push(r.id);
      if (r.id === "b" && seen.length === 2) source.next(values.a!); // back to a, while b is being delivered
    });
    source.next(values.a!);
    source.next(values.b!);
    domain.advance();
    domain.advance();
    expect(seen).toEqual(["a", "b", "a"]);
    expect(values.a!.disposeCount).toBe(0); // current again: never retired
    expect(values.b!.disposeCount).toBe(1);
    subscription.unsubscribe();
    domain.advance();
    expect(values.a!.disposeCount).toBe(1);
  });

  it("retires the current value when a downstream take() unsubscribes synchronously", () => {
    const domain = createManualDomain();
    const values = resources("a", "b");
    const source = new Subject<TestResource>();
    const seen: string[] = [];
    source.pipe(retirePrevious(domain), take(1)).subscribe((r) => seen.push(r.id));
    source.next(values.a!);
    source.next(values.b!); // nobody listens any more: never seen, never retired
    domain.advance();
    expect(seen).toEqual(["a"]);
    expect(values.a!.disposeCount).toBe(1);
    expect(values.b!.disposeCount).toBe(0);
  });

  it("on a closed domain, disposes at once what can no longer wait, and errors with CLOSED on a new value", async () => {
    const domain = createManualDomain();
    const values = resources("a", "b", "c");
    const source = new Subject<TestResource>();
    let error: unknown;
    source.pipe(retirePrevious(domain)).subscribe({ error: (err: unknown) => (error = err) });
    source.next(values.a!);
    await domain.close();
    source.next(values.b!); // a cannot wait for a grace period any more
    expect(isRcuError(error, "CLOSED")).toBe(true);
    expect(values.a!.disposeCount).toBe(1);
    expect(values.b!.disposeCount).toBe(1); // the teardown after the error disposed b as well, without throwing

    const quiet = new Subject<TestResource>();
    const subscription = quiet.pipe(retirePrevious(domain)).subscribe();
    quiet.next(values.c!);
    expect(() => subscription.unsubscribe()).not.toThrow();
    expect(values.c!.disposeCount).toBe(1);
  });

  it("property: nothing is disposed twice, nothing while a reader holds it, everything emitted is disposed at the end", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("emit" as const), id: fc.integer({ min: 0, max: 5 }), hold: fc.boolean() }),
      fc.record({ kind: fc.constant("advance" as const) }),
      fc.record({ kind: fc.constant("start" as const) }),
      fc.record({ kind: fc.constant("unlockOldest" as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, endWithError) => {
        const domain = createManualDomain();
        const pool = Array.from({ length: 6 }, (_, i) => new TestResource(String(i)));
        // Open sections and the values each one received.
        const holders: Array<{ guard: Disposable; value: TestResource }> = [];
        const violations: string[] = [];
        const emitted = new Set<TestResource>();
        const source = new Subject<TestResource>();
        let holdNext = false;
        const subscription = source
          .pipe(
            retirePrevious(domain, {
              dispose: (r) => {
                if (holders.some((h) => h.value === r)) violations.push(`${r.id} disposed while held`);
                if (r.disposeCount > 0) violations.push(`${r.id} disposed twice`);
                r[Symbol.dispose]();
              },
            }),
          )
          .subscribe({
            next: (r) => {
              if (holdNext) holders.push({ guard: domain.readLock(), value: r });
            },
            error: () => undefined,
          });
        for (const s of steps) {
          if (s.kind === "emit") {
            const r = pool[s.id]!;
            if (r.disposeCount > 0) continue; // a well-behaved source does not re-emit disposed values
            emitted.add(r);
            holdNext = s.hold;
            source.next(r);
          } else if (s.kind === "advance") domain.advance();
          else if (s.kind === "start") domain.startGracePeriod();
          else holders.shift()?.guard[Symbol.dispose]();
        }
        if (endWithError) source.error(new Error("end"));
        else subscription.unsubscribe();
        for (const h of holders.splice(0)) h.guard[Symbol.dispose]();
        domain.advance();
        domain.advance();
        expect(violations).toEqual([]);
        for (const r of emitted) expect(r.disposeCount).toBe(1);
        expect(domain.stats().pendingCallbacks).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("follows a hand-written thenable from dispose that rejects on a later job: reported to onError, awaited by barrier", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      const source = new Subject<object>();
      const subscription = source
        .pipe(
          retirePrevious(domain, {
            // `then` returns nothing and calls back from another job, with a value whose String() throws
            dispose: () =>
              ({
                then: (_ok: () => void, fail: (err: unknown) => void) => {
                  setImmediate(() => fail(Object.create(null)));
                },
              }) as PromiseLike<void>,
          }),
        )
        .subscribe();
      source.next({});
      subscription.unsubscribe();
      domain.advance();
      expect(domain.stats().pendingCallbacks, "the disposal is still followed").toBe(1);
      await domain.barrier();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    expect(uncaught).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(isRcuError(errors[0], "CALLBACK_FAILED")).toBe(true);
  });

  it("on a closed domain, a disposer that throws a non-Error is reported as a coded error", async () => {
    const domain = createManualDomain();
    await domain.close();
    const unhandled: unknown[] = [];
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      const thrown = Object.create(null) as object;
      of({})
        .pipe(
          retirePrevious(domain, {
            dispose: () => {
              throw thrown; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
            },
          }),
        )
        .subscribe();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(unhandled).toHaveLength(1);
      expect(isRcuError(unhandled[0], "CALLBACK_FAILED")).toBe(true);
      expect((unhandled[0] as Error).cause).toBe(thrown);
    } finally {
      config.onUnhandledError = null;
    }
  });
});
