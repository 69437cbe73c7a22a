import { createDomain, isRcuError } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import { of, tap } from "rxjs";
import { describe, expect, it } from "vitest";
import { withReadLock } from "./with-read-lock.js";
import { at, createTestScheduler } from "./test-support/test-scheduler.js";

describe("withReadLock", () => {
  describe("scope: 'value' (default)", () => {
    it("mirrors complete and error, and delivers each value inside a read section", () => {
      const domain = createManualDomain();
      const scheduler = createTestScheduler();
      const insideDelivery: boolean[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const probe = tap(() => {
          // A grace period started during delivery cannot end while the subscriber is still inside.
          domain.endGracePeriod(); // finish one left running by the previous delivery (its readers are gone)
          domain.startGracePeriod();
          insideDelivery.push(domain.endGracePeriod());
        });
        expectObservable(cold("-a-b|").pipe(withReadLock(domain), probe)).toBe("-a-b|");
        expectObservable(cold("-a#").pipe(withReadLock(domain), probe)).toBe("-a#");
        expectObservable(cold("-a-b-c").pipe(withReadLock(domain), probe), "^--!").toBe("-a-");
      });
      expect(insideDelivery).toEqual([false, false, false, false]);
      expect(domain.endGracePeriod()).toBe(true); // and it ends once the delivery returned
      expect(domain.stats().readers).toBe(0);
    });

    it("holds no section between values", () => {
      const domain = createManualDomain();
      const scheduler = createTestScheduler();
      const ended: boolean[] = [];
      scheduler.run(({ cold }) => {
        cold("-a---b").pipe(withReadLock(domain)).subscribe();
        at(scheduler, 3, () => ended.push(domain.advance()));
      });
      expect(ended).toEqual([true]);
    });

    it("works on a loop domain", async () => {
      const domain = createDomain();
      const seen: number[] = [];
      of(1, 2, 3)
        .pipe(withReadLock(domain))
        .subscribe((v) => seen.push(v));
      expect(seen).toEqual([1, 2, 3]);
      await domain.close();
    });
  });

  describe("scope: 'subscription'", () => {
    const cases = [
      { name: "complete", source: "-a-b|", subs: undefined, expected: "-a-b|", free: 4 },
      { name: "error", source: "-a-b#", subs: undefined, expected: "-a-b#", free: 4 },
      { name: "unsubscribe", source: "-a-b-c-d", subs: "^--!", expected: "-a-", free: 3 },
    ] as const;
    for (const c of cases) {
      it(`holds one section for the subscription's life, released on ${c.name}`, () => {
        const domain = createManualDomain();
        const scheduler = createTestScheduler();
        const ended: Array<[number, boolean]> = [];
        scheduler.run(({ cold, expectObservable }) => {
          for (let frame = 1; frame <= 6; frame++) {
            at(scheduler, frame, () => ended.push([frame, domain.advance()]));
          }
          expectObservable(cold(c.source).pipe(withReadLock(domain, { scope: "subscription" })), c.subs).toBe(
            c.expected,
          );
        });
        // The first grace period flips at 1 (the subscription is inside since 0) and can end only after it is released.
        const firstEnd = ended.find(([, done]) => done)?.[0];
        expect(firstEnd).toBe(c.free + 1);
        expect(domain.stats().readers).toBe(0);
      });
    }

    it("releases exactly once when the source completes synchronously", () => {
      const domain = createManualDomain();
      const seen: number[] = [];
      of(1, 2)
        .pipe(withReadLock(domain, { scope: "subscription" }))
        .subscribe((v) => seen.push(v));
      expect(seen).toEqual([1, 2]);
      expect(domain.stats().readers).toBe(0);
      expect(domain.advance()).toBe(true);
    });

    it("works on an srcu domain", async () => {
      const domain = createDomain({ flavor: "srcu" });
      const subscription = of(1)
        .pipe(
          withReadLock(domain, { scope: "subscription" }),
          tap(() => expect(domain.stats().readers).toBe(1)),
        )
        .subscribe();
      subscription.unsubscribe();
      expect(domain.stats().readers).toBe(0);
      await domain.close();
    });

    it("refuses something that is not a domain with INVALID_OPTION", () => {
      expect(() => withReadLock(undefined as never)).toThrow(
        expect.objectContaining({ code: "INVALID_OPTION" }) as Error,
      );
    });

    it("is refused for a loop domain, and unknown scopes are refused, with INVALID_OPTION", async () => {
      const loop = createDomain();
      let error: unknown;
      try {
        withReadLock(loop, { scope: "subscription" });
      } catch (err) {
        error = err;
      }
      expect(isRcuError(error, "INVALID_OPTION")).toBe(true);
      expect((error as Error).message).toMatch(/srcu/);
      expect(() => withReadLock(createManualDomain(), { scope: "values" as "value" })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTION" }) as Error,
      );
      await loop.close();
    });
  });
});
