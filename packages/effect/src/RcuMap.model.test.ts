/**
 * A model-based property test of RcuMap against a reference model: random interleavings of borrows (some inside
 * read sections), borrow-free `deref`s inside sections, concurrent first gets that are interrupted while the
 * lookup runs, `set`s (some failing), invalidations, idle expiry (TestClock) and grace-period steps, on a manual
 * domain. The model is the set of readers and what each may still use: after every step no value is released
 * while a borrower holds it or while a section that saw it (borrowed or dereferenced) is open, and no value is
 * released twice; at the end every acquired value has been released exactly once.
 */
import * as fc from "fast-check";
import { Effect, Exit, Fiber, Option, Scope } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, it } from "vitest";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuMap from "./RcuMap.js";
import { closeBorrow, closeSection, type ModelReader, type Tracked } from "./test-support/resources.js";

const key = fc.constantFrom("a", "b", "c");

type Op =
  | { readonly t: "get"; readonly k: string; readonly inSection: boolean }
  | { readonly t: "deref"; readonly k: string }
  | { readonly t: "interruptedGet"; readonly k: string }
  | { readonly t: "closeBorrow"; readonly i: number }
  | { readonly t: "closeSection"; readonly i: number }
  | { readonly t: "set"; readonly k: string; readonly fail: boolean }
  | { readonly t: "invalidate"; readonly k: string }
  | { readonly t: "expire" }
  | { readonly t: "advance" }
  | { readonly t: "start" }
  | { readonly t: "end" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("get" as const), k: key, inSection: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("deref" as const), k: key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("interruptedGet" as const), k: key }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("closeBorrow" as const), i: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("closeSection" as const), i: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("set" as const), k: key, fail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("invalidate" as const), k: key }) },
  { weight: 1, arbitrary: fc.constant({ t: "expire" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "advance" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "start" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "end" as const }) },
);

const run = (ops: ReadonlyArray<Op>, idleTimeToLive: "none" | "10 seconds") =>
  Effect.gen(function* () {
    const releases = new Map<string, number>();
    const acquired: Array<string> = [];
    let n = 0;
    const resource = (name: string) =>
      Effect.acquireRelease(
        Effect.sync((): Tracked => {
          acquired.push(name);
          return { name, alive: true };
        }),
        (v) =>
          Effect.sync(() => {
            v.alive = false;
            releases.set(v.name, (releases.get(v.name) ?? 0) + 1);
          }),
      );
    const mapScope = yield* Scope.make();
    const map = yield* RcuMap.make({
      lookup: (k: string) => Effect.andThen(Effect.yieldNow, resource(`${k}${++n}`)),
      ...(idleTimeToLive === "none" ? {} : { idleTimeToLive }),
    }).pipe(Scope.provide(mapScope), Effect.orDie);

    const readers: Array<ModelReader> = [];
    const pick = (i: number) => (readers.length === 0 ? undefined : readers[i % readers.length]);
    const check = (step: string) => {
      for (const r of readers) {
        if ((r.borrowOpen || r.sectionOpen) && !r.value.alive) {
          throw new Error(`after ${step}: ${r.value.name} was released while a reader could still use it`);
        }
      }
      for (const [name, count] of releases) {
        if (count !== 1) throw new Error(`after ${step}: ${name} released ${count} times`);
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
          const value = yield* RcuMap.get(map, o.k).pipe(Scope.provide(borrow));
          readers.push({ value, borrow, section, borrowOpen: true, sectionOpen: section !== undefined });
          break;
        }
        case "deref": {
          const section = yield* Scope.make();
          const token = yield* Rcu.readScoped.pipe(Scope.provide(section));
          const seen = yield* RcuMap.deref(map, o.k).pipe(Effect.provideService(Rcu.Section, token));
          if (Option.isSome(seen)) {
            readers.push({ value: seen.value, borrow: undefined, section, borrowOpen: false, sectionOpen: true });
          } else {
            yield* Scope.close(section, Exit.void);
          }
          break;
        }
        case "interruptedGet": {
          const fiber = yield* Effect.forkChild(Effect.scoped(RcuMap.get(map, o.k)));
          yield* Effect.yieldNow;
          yield* Fiber.interrupt(fiber);
          break;
        }
        case "closeBorrow":
          yield* closeBorrow(pick(o.i));
          break;
        case "closeSection":
          yield* closeSection(pick(o.i));
          break;
        case "set":
          yield* Effect.exit(RcuMap.set(map, o.k, o.fail ? Effect.fail("nope") : resource(`${o.k}s${++n}`)));
          break;
        case "invalidate":
          yield* RcuMap.invalidate(map, o.k);
          break;
        case "expire":
          yield* TestClock.adjust("11 seconds");
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
      // Let interrupted first gets' acquisitions finish on their own fibers.
      yield* Effect.yieldNow;
      yield* Effect.yieldNow;
      check(JSON.stringify(o));
    }

    // Wind down: every reader leaves, the map closes (driving grace periods), every value goes exactly once.
    for (const r of readers) {
      yield* closeBorrow(r);
      yield* closeSection(r);
    }
    yield* Scope.close(mapScope, Exit.void);
    yield* RcuManual.advance;
    yield* Rcu.barrier;
    check("close");
    expect([...releases.keys()].sort()).toEqual([...acquired].sort());
  }).pipe(Effect.provide(Rcu.layerManual), Effect.provide(TestClock.layer()));

describe("RcuMap model", () => {
  it.each(["none", "10 seconds"] as const)(
    "never releases a value a borrower or a section that saw it may use; each value once (idleTimeToLive: %s)",
    async (ttl) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => Effect.runPromise(run(ops, ttl))),
        { numRuns: 100 },
      );
    },
    60_000,
  );
});
