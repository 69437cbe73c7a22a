import { createDomain, isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import type { Subscription } from "rxjs";
import { firstValueFrom, share } from "rxjs";
import { describe, expect, it } from "vitest";
import { gracePeriod } from "./grace-period.js";
import { at, createTestScheduler } from "./test-support/test-scheduler.js";

const v = { v: undefined };

describe("gracePeriod", () => {
  it("emits once and completes when the grace period started at subscribe time ends", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      at(scheduler, 3, () => domain.advance());
      expectObservable(gracePeriod(domain)).toBe("---(v|)", v);
    });
    expect(domain.stats().waiters).toBe(0);
    expect(domain.stats().pendingCallbacks).toBe(0);
  });

  it("waits for a reader that was inside at subscribe time, and only for it", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const ended: boolean[] = [];
    const guard = domain.readLock();
    scheduler.run(({ expectObservable }) => {
      at(scheduler, 2, () => ended.push(domain.advance())); // flips; the old reader blocks the end
      at(scheduler, 3, () => domain.readLock()); // a reader entering after the flip does not block it (never unlocked)
      at(scheduler, 4, () => ended.push(domain.endGracePeriod()));
      at(scheduler, 5, () => guard.unlock());
      at(scheduler, 6, () => ended.push(domain.endGracePeriod()));
      expectObservable(gracePeriod(domain)).toBe("------(v|)", v);
    });
    expect(ended).toEqual([false, false, true]);
  });

  it("does not emit for a grace period that was already in progress when it subscribed", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      at(scheduler, 0, () => domain.startGracePeriod());
      at(scheduler, 2, () => domain.endGracePeriod()); // ends the one started before the subscription
      at(scheduler, 4, () => domain.advance()); // the one covering the subscriber
      expectObservable(gracePeriod(domain), "-^").toBe("----(v|)", v);
    });
  });

  it("each subscription waits for its own grace period", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const gp = gracePeriod(domain);
      at(scheduler, 2, () => domain.advance());
      at(scheduler, 5, () => domain.advance());
      expectObservable(gp, "^").toBe("--(v|)", v);
      expectObservable(gp, "-^").toBe("--(v|)", v);
      expectObservable(gp, "---^").toBe("-----(v|)", v);
    });
  });

  it("unsubscribing before the grace period ends cancels the wait: nothing emits, nothing stays registered", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    let nexts = 0;
    scheduler.run(({ expectObservable }) => {
      const gp = gracePeriod(domain);
      expectObservable(gp, "^--!").toBe("----");
      at(scheduler, 1, () => {
        const subscription = gp.subscribe(() => nexts++);
        subscription.unsubscribe();
      });
      at(scheduler, 5, () => domain.advance());
      expectObservable(gp, "------^").toBe("-------", v); // a later subscriber is not released by the old grace period
    });
    expect(nexts).toBe(0);
    domain.advance();
    expect(domain.stats().waiters).toBe(0);
    expect(domain.stats().pendingCallbacks).toBe(0);
  });

  it("churning subscriptions keep at most one deferred callback per domain", () => {
    const domain = createManualDomain();
    for (let i = 0; i < 1_000; i++) gracePeriod(domain).subscribe().unsubscribe();
    expect(domain.stats().pendingCallbacks).toBeLessThanOrEqual(1);
    domain.advance();
    expect(domain.stats().pendingCallbacks).toBe(0);
    expect(domain.stats().waiters).toBe(0);
  });

  it("is a drop-in reset notifier for share: resubscribing before the grace period ends keeps the connection", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("abcdefghijklmnopqrstuvwxyz");
      const shared = source.pipe(share({ resetOnRefCountZero: () => gracePeriod(domain) }));
      expectObservable(shared, "^--!").toBe("abc");
      expectObservable(shared, "-----^--!").toBe("-----fgh"); // same upstream: no reset happened
      at(scheduler, 10, () => domain.advance()); // now the upstream is torn down
      expectObservable(shared, "------------^-!").toBe("------------ab"); // a fresh upstream
      at(scheduler, 16, () => domain.advance());
      expectSubscriptions(source.subscriptions).toBe(["^---------!", "------------^---!"]);
    });
  });

  it("share keeps the connection while a reader still holds a shared value", () => {
    const domain = createManualDomain();
    const scheduler = createTestScheduler();
    const ended: boolean[] = [];
    scheduler.run(({ cold, expectSubscriptions }) => {
      const source = cold("abcdefghij");
      const shared = source.pipe(share({ resetOnRefCountZero: () => gracePeriod(domain) }));
      let guard: Disposable | undefined;
      at(scheduler, 0, () => {
        const subscription = shared.subscribe(() => {
          guard ??= domain.readLock(); // the consumer keeps the first value, inside a section
        });
        at(scheduler, 2, () => subscription.unsubscribe());
      });
      at(scheduler, 3, () => ended.push(domain.advance()));
      at(scheduler, 5, () => guard?.[Symbol.dispose]());
      at(scheduler, 6, () => ended.push(domain.endGracePeriod()));
      expectSubscriptions(source.subscriptions).toBe("^-----!");
    });
    expect(ended).toEqual([false, true]);
  });

  it("refuses something that is not a domain with INVALID_OPTION", () => {
    for (const bad of [undefined, null, {}, { defer: () => undefined }]) {
      expect(() => gracePeriod(bad as never)).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }) as Error);
    }
  });

  it("errors with the domain's CLOSED error after close", async () => {
    const domain = createManualDomain();
    await domain.close();
    const error = await firstValueFrom(gracePeriod(domain)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isRcuError(error, "CLOSED")).toBe(true);
  });

  it("on a real srcu domain, emits only after a reader holding across await has left", async () => {
    const domain = createDomain({ flavor: "srcu" });
    const order: string[] = [];
    const guard = domain.readLock();
    const ended = firstValueFrom(gracePeriod(domain)).then(() => order.push("grace period"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    order.push("reader leaves");
    guard.unlock();
    await ended;
    expect(order).toEqual(["reader leaves", "grace period"]);
    await domain.close();
  });

  it("emits inside the domain's callback: more work may be deferred there, barrier() is refused", async () => {
    const domain = createManualDomain();
    const ran: string[] = [];
    let barrier: Promise<void> | undefined;
    gracePeriod(domain).subscribe(() => {
      domain.defer(() => void ran.push("deferred from the emission"));
      barrier = domain.barrier();
    });
    domain.advance();
    const error = await barrier?.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isRcuError(error, "INSIDE_CALLBACK")).toBe(true);
    domain.advance();
    expect(ran).toEqual(["deferred from the emission"]);
  });

  it("barrier() waits for every wait registered before it, even one for a later grace period", async () => {
    const domain = createManualDomain();
    const emitted: string[] = [];
    gracePeriod(domain).subscribe(() => emitted.push("first"));
    domain.startGracePeriod(); // the first one's grace period is running: the next subscriber needs the one after
    gracePeriod(domain).subscribe(() => emitted.push("second"));
    let barrierDone = false;
    const barrier = domain.barrier().then(() => (barrierDone = true));
    domain.endGracePeriod();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(emitted).toEqual(["first"]);
    expect(barrierDone).toBe(false); // still waiting for the second subscriber's grace period
    domain.advance();
    await barrier;
    expect(emitted).toEqual(["first", "second"]);
  });

  it("emits for waiters still registered when the domain closes (close drains the wait)", async () => {
    const domain = createDomain({ flavor: "srcu" });
    let emitted = 0;
    gracePeriod(domain).subscribe(() => emitted++);
    await domain.close();
    expect(emitted).toBe(1);
  });

  it("property: emits exactly once, never before the readers active at subscribe time have left; cancels cleanly", () => {
    const op = fc.oneof(
      fc.constant({ kind: "subscribe" as const }),
      fc.record({ kind: fc.constant("unsubscribe" as const), pick: fc.nat() }),
      fc.constant({ kind: "lock" as const }),
      fc.record({ kind: fc.constant("unlock" as const), pick: fc.nat() }),
      fc.constant({ kind: "advance" as const }),
      fc.constant({ kind: "start" as const }),
      fc.constant({ kind: "end" as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const domain = createManualDomain();
        const readers: Disposable[] = [];
        const violations: string[] = [];
        interface Sub {
          subscription?: Subscription;
          readonly readersAtSubscribe: Disposable[];
          emitted: number;
          cancelled: boolean;
        }
        const subs: Sub[] = [];
        for (const o of ops) {
          if (o.kind === "subscribe") {
            const sub: Sub = { readersAtSubscribe: [...readers], emitted: 0, cancelled: false };
            sub.subscription = gracePeriod(domain).subscribe(() => {
              sub.emitted++;
              if (sub.cancelled) violations.push("emitted after unsubscribe");
              if (sub.readersAtSubscribe.some((r) => readers.includes(r))) {
                violations.push("emitted while a reader from subscribe time is inside");
              }
            });
            subs.push(sub);
          } else if (o.kind === "unsubscribe" && subs.length > 0) {
            const sub = subs[o.pick % subs.length]!;
            sub.cancelled = true;
            sub.subscription?.unsubscribe();
          } else if (o.kind === "lock") readers.push(domain.readLock());
          else if (o.kind === "unlock" && readers.length > 0)
            readers.splice(o.pick % readers.length, 1)[0]![Symbol.dispose]();
          else if (o.kind === "advance") domain.advance();
          else if (o.kind === "start") domain.startGracePeriod();
          else if (o.kind === "end") domain.endGracePeriod();
        }
        for (const r of readers.splice(0)) r[Symbol.dispose]();
        domain.advance();
        domain.advance();
        expect(violations).toEqual([]);
        for (const sub of subs) expect(sub.emitted).toBe(sub.cancelled ? Math.min(sub.emitted, 1) : 1);
        expect(domain.stats().waiters).toBe(0);
        expect(domain.stats().pendingCallbacks).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
