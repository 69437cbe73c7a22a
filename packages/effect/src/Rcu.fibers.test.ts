import { assert, describe, it } from "@effect/vitest";
import { Deferred, Effect, Exit, Fiber, Scope } from "effect";
import { TestClock } from "effect/testing";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
import { scopeWithRelease, tracked, turns } from "./test-support/resources.js";

/**
 * Read sections under structured concurrency. Every test runs with a vitest timeout: a regression here is a hang,
 * and the timeout turns it into a failure.
 */
const timeout = 10_000;

const failureCode = <A, R>(effect: Effect.Effect<A, RcuError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.code));

const waiters = Effect.map(Effect.service(Rcu), ({ domain }) => domain.stats().waiters);

describe("a read section is inherited by structured children", () => {
  it.effect(
    "forkChild + join of Rcu.synchronize fails at once with SELF_DEADLOCK",
    () =>
      Effect.gen(function* () {
        const code = yield* Rcu.read(Effect.flatMap(Effect.forkChild(failureCode(Rcu.synchronize)), Fiber.join));
        assert.strictEqual(code, "SELF_DEADLOCK");
        // Nested: a child of a child.
        const nested = yield* Rcu.read(
          Effect.forkChild(Effect.flatMap(Effect.forkChild(failureCode(Rcu.barrier)), Fiber.join)).pipe(
            Effect.flatMap(Fiber.join),
          ),
        );
        assert.strictEqual(nested, "SELF_DEADLOCK");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Effect.all with concurrency: Rcu.synchronize fails with SELF_DEADLOCK",
    () =>
      Effect.gen(function* () {
        const [code] = yield* Rcu.read(Effect.all([failureCode(Rcu.synchronize), Effect.void], { concurrency: 2 }));
        assert.strictEqual(code, "SELF_DEADLOCK");
        // Also after an async step inside the child (the check is not tied to the fork's first synchronous run).
        const [later] = yield* Rcu.read(
          Effect.all(
            [Effect.andThen(Effect.sleep("1 second"), failureCode(Rcu.synchronize)), TestClock.adjust("1 second")],
            {
              concurrency: 2,
            },
          ),
        );
        assert.strictEqual(later, "SELF_DEADLOCK");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Effect.timeout around Rcu.synchronize: SELF_DEADLOCK, not a TimeoutError",
    () =>
      Effect.gen(function* () {
        const error = yield* Rcu.read(Effect.flip(Effect.timeout(Rcu.synchronize, "1 second")));
        assert.strictEqual(error._tag, "RcuError");
        assert.strictEqual((error as RcuError).code, "SELF_DEADLOCK");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Effect.raceFirst and Effect.race children inherit the section",
    () =>
      Effect.gen(function* () {
        const first = yield* Rcu.read(failureCode(Effect.raceFirst(Rcu.synchronize, Effect.never)));
        assert.strictEqual(first, "SELF_DEADLOCK");
        const raced = yield* Rcu.read(
          Effect.race(Effect.flip(Rcu.barrier), Effect.andThen(Effect.sleep("1 hour"), Effect.die("lost"))),
        );
        assert.strictEqual(raced.code, "SELF_DEADLOCK");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Effect.forEach with concurrency: children's Rcu.acquireRelease scopes close at once; releases run after the grace period, once each",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const items = [1, 2, 3, 4, 5];
        const values = yield* Rcu.read(
          Effect.forEach(
            items,
            (i) =>
              Effect.scoped(Rcu.acquireRelease(Effect.succeed(i), (n) => Effect.sync(() => log.push(`release ${n}`)))),
            { concurrency: 3 },
          ),
        );
        assert.deepStrictEqual(values, items);
        assert.deepStrictEqual(log, [], "nothing is released while the section may still read it");
        yield* RcuManual.advance;
        yield* Rcu.barrier;
        assert.sameMembers(
          log,
          items.map((i) => `release ${i}`),
        );
        yield* RcuManual.advance;
        yield* Rcu.barrier;
        assert.strictEqual(log.length, items.length, "each release ran exactly once");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "the same program on a real 'srcu' domain completes (it used to deadlock)",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        yield* Rcu.read(
          Effect.forEach(
            [1, 2, 3],
            (i) =>
              Effect.scoped(Rcu.acquireRelease(Effect.succeed(i), (n) => Effect.sync(() => log.push(`release ${n}`)))),
            { concurrency: 3 },
          ),
        );
        yield* Rcu.barrier;
        assert.sameMembers(log, ["release 1", "release 2", "release 3"]);
      }).pipe(Effect.provide(Rcu.layer())),
    timeout,
  );

  it.effect(
    "RcuRef values released by a child's scope inside a section are deferred, and released once",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const ref = yield* RcuRef.make({ acquire: tracked(log, "unused") });
        yield* RcuRef.set(ref, tracked(log, "v1"));
        // Children borrow v1, swap in v2 and give v1 back, all inside the parent's section.
        yield* Rcu.read(
          Effect.forEach(
            [1, 2],
            (i) =>
              Effect.scoped(
                Effect.andThen(RcuRef.get(ref), i === 2 ? RcuRef.set(ref, tracked(log, "v2")) : Effect.void),
              ),
            { concurrency: 2 },
          ),
        );
        assert.deepStrictEqual(log, ["acquire v1", "acquire v2"], "v1 is not released inside the section");
        yield* RcuManual.advance;
        yield* Rcu.barrier;
        assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1"]);
      }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Rcu.readScoped is inherited as well",
    () =>
      Effect.gen(function* () {
        const code = yield* Effect.scoped(
          Effect.andThen(Rcu.readScoped, Effect.flatMap(Effect.forkChild(failureCode(Rcu.synchronize)), Fiber.join)),
        );
        assert.strictEqual(code, "SELF_DEADLOCK");
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "Rcu.defer(forkChild(Rcu.barrier) + join) fails with INSIDE_CALLBACK instead of waiting for itself",
    () =>
      Effect.gen(function* () {
        const codes: Array<string> = [];
        yield* Rcu.defer(
          Effect.flatMap(Effect.forkChild(failureCode(Rcu.barrier)), Fiber.join).pipe(
            Effect.flatMap((code) => Effect.sync(() => codes.push(code))),
          ),
        );
        yield* RcuManual.advance;
        yield* Rcu.barrier;
        assert.deepStrictEqual(codes, ["INSIDE_CALLBACK"]);
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );
});

describe("the section that counts for a release is the closing fiber's", () => {
  it.effect(
    "acquired outside a section, the scope closed inside one: the release is deferred, not awaited",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const scope = yield* scopeWithRelease(log);
        yield* Rcu.read(Scope.close(scope, Exit.void));
        assert.deepStrictEqual(log, [], "deferred past the section");
        yield* RcuManual.advance;
        yield* Rcu.barrier;
        assert.deepStrictEqual(log, ["released"]);
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "acquired inside a section, the scope closed after it ended: the release waits for a grace period",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const scope = yield* Scope.make();
        yield* Rcu.read(
          Rcu.acquireRelease(Effect.succeed("conn"), () => Effect.sync(() => log.push("released"))).pipe(
            Scope.provide(scope),
          ),
        );
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
        yield* Effect.yieldNow;
        assert.deepStrictEqual(log, []);
        yield* Fiber.join(closing); // the close drives the manual domain's grace period itself
        assert.deepStrictEqual(log, ["released"]);
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );
});

describe("what does not inherit a section", () => {
  it.effect(
    "a detached fork inside a section that synchronizes waits, and completes after the section ends",
    () =>
      Effect.gen(function* () {
        const before = yield* waiters;
        const detached = yield* Rcu.read(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkDetach(Rcu.synchronize, { startImmediately: true });
            yield* Effect.yieldNow;
            yield* Effect.yieldNow;
            assert.strictEqual(yield* waiters, before + 1, "it waits for the grace period instead of failing");
            assert.isFalse(yield* RcuManual.advance, "this section holds that grace period");
            return fiber;
          }),
        );
        assert.isUndefined(detached.pollUnsafe());
        assert.isTrue(yield* RcuManual.endGracePeriod);
        const exit = yield* Fiber.await(detached);
        assert.isTrue(Exit.isSuccess(exit), String(exit));
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "a section that has ended no longer counts in a child that outlives it",
    () =>
      Effect.gen(function* () {
        const child = yield* Rcu.read(
          Effect.forkChild(Effect.andThen(Effect.sleep("1 second"), Effect.exit(Rcu.synchronize))),
        );
        yield* TestClock.adjust("1 second");
        assert.isUndefined(child.pollUnsafe(), "it waits: the parent's section is over");
        assert.isTrue(yield* RcuManual.advance);
        const exit = yield* Fiber.join(child);
        assert.isTrue(Exit.isSuccess(exit), String(exit));
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect(
    "a section of another domain does not count",
    () =>
      Effect.gen(function* () {
        const other = yield* Effect.provide(Effect.service(Rcu), Rcu.layerManual);
        const waiting = yield* Rcu.read(Effect.forkChild(Rcu.synchronize)).pipe(Effect.provideService(Rcu, other));
        yield* Effect.yieldNow;
        assert.isTrue(yield* RcuManual.advance);
        yield* Fiber.join(waiting);
      }).pipe(Effect.provide(Rcu.layerManual)),
    timeout,
  );
});

describe("a read section holds the grace period for its inherited children too", () => {
  it.effect(
    "on a real 'srcu' domain, a release waits for a structured child still reading",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const scope = yield* scopeWithRelease(log);
        const gate = yield* Deferred.make<void>();
        const reader = yield* Effect.forkChild(Rcu.read(Deferred.await(gate)));
        yield* turns(2);
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
        yield* turns(5);
        assert.deepStrictEqual(log, []);
        yield* Deferred.succeed(gate, undefined);
        yield* Fiber.join(reader);
        yield* Fiber.join(closing);
        assert.deepStrictEqual(log, ["released"]);
      }).pipe(Effect.provide(Rcu.layer())),
    timeout,
  );
});
