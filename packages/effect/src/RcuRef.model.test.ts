/**
 * A model-based property test of RcuRef: random interleavings of borrows (some inside read sections), swaps,
 * invalidations and grace-period steps on a manual domain. After every step, no value may be released while a
 * borrower still holds it or while a read section that borrowed it is still open; at the end every acquired
 * value is released exactly once.
 */
import * as fc from "fast-check";
import { Effect, Exit, Fiber, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
import { closeBorrow, closeSection, tracked, type ModelReader } from "./test-support/resources.js";

type Op =
  | { readonly t: "get"; readonly inSection: boolean }
  | { readonly t: "closeBorrow"; readonly i: number }
  | { readonly t: "closeSection"; readonly i: number }
  | { readonly t: "set" }
  | { readonly t: "failedSet" }
  | { readonly t: "invalidate" }
  | { readonly t: "advance" }
  | { readonly t: "start" }
  | { readonly t: "end" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("get" as const), inSection: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("closeBorrow" as const), i: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("closeSection" as const), i: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.constant({ t: "set" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "failedSet" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "invalidate" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "advance" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "start" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "end" as const }) },
);

const run = (ops: ReadonlyArray<Op>, idleTimeToLive: "none" | "infinite") =>
  Effect.gen(function* () {
    const log: Array<string> = [];
    let n = 0;
    const refScope = yield* Scope.make();
    const ref = yield* RcuRef.make({
      acquire: Effect.suspend(() => tracked(log, `g${++n}`)),
      ...(idleTimeToLive === "infinite" ? { idleTimeToLive: Infinity } : {}),
    }).pipe(Scope.provide(refScope));
    const borrowers: Array<ModelReader> = [];
    const pick = (i: number) => (borrowers.length === 0 ? undefined : borrowers[i % borrowers.length]);
    let sets = 0;

    const check = (step: string) => {
      for (const b of borrowers) {
        if ((b.borrowOpen || b.sectionOpen) && !b.value.alive) {
          throw new Error(`after ${step}: ${b.value.name} was released while a reader could still use it`);
        }
      }
    };

    for (const o of ops) {
      switch (o.t) {
        case "get": {
          let section: Scope.Closeable | undefined;
          if (o.inSection) {
            section = yield* Scope.make();
            yield* Rcu.readScoped.pipe(Scope.provide(section));
          }
          const borrow = yield* Scope.make();
          const value = yield* RcuRef.get(ref).pipe(Scope.provide(borrow));
          borrowers.push({ value, borrow, section, borrowOpen: true, sectionOpen: section !== undefined });
          break;
        }
        case "closeBorrow":
          yield* closeBorrow(pick(o.i));
          break;
        case "closeSection":
          yield* closeSection(pick(o.i));
          break;
        case "set":
          yield* RcuRef.set(ref, tracked(log, `s${++sets}`));
          break;
        case "failedSet":
          yield* Effect.exit(RcuRef.set(ref, Effect.fail("nope")));
          break;
        case "invalidate":
          yield* RcuRef.invalidate(ref);
          break;
        case "advance":
          yield* RcuManual.advance;
          break;
        case "start":
          yield* RcuManual.startGracePeriod;
          break;
        case "end":
          yield* RcuManual.endGracePeriod;
          break;
      }
      check(JSON.stringify(o));
    }

    // Wind down: every reader leaves, the ref closes, grace periods pass.
    for (const b of borrowers) {
      yield* closeBorrow(b);
      yield* closeSection(b);
    }
    const closing = yield* Effect.forkChild(Scope.close(refScope, Exit.void));
    for (let i = 0; i < 4; i++) {
      yield* RcuManual.advance;
      yield* Effect.yieldNow;
    }
    yield* Fiber.join(closing);

    const acquired = log.filter((l) => l.startsWith("acquire")).map((l) => l.slice(8));
    const released = log.filter((l) => l.startsWith("release")).map((l) => l.slice(8));
    expect([...released].sort()).toEqual([...acquired].sort());
  }).pipe(Effect.provide(Rcu.layerManual));

describe("RcuRef model", () => {
  it.each(["none", "infinite"] as const)(
    "never releases a value a borrower or a section that borrowed it may use (idleTimeToLive: %s)",
    async (ttl) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => Effect.runPromise(run(ops, ttl))),
        { numRuns: 150 },
      );
    },
  );
});
