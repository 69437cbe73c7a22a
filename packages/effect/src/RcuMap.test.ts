import { assert, describe, it, layer } from "@effect/vitest";
import { Cause, Deferred, Effect, Exit, Fiber, Option, Scope } from "effect";
import { TestClock } from "effect/testing";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuMap from "./RcuMap.js";
import { tracked } from "./test-support/resources.js";

const timeout = 10_000;

layer(Rcu.layerManual, { timeout })("RcuMap (manual domain)", (it) => {
  it.effect(
    "get acquires a key once, shared by concurrent first gets; keys, deref and release after a grace period",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const map = yield* RcuMap.make({
          lookup: (key: string) => Effect.andThen(Effect.yieldNow, tracked(log, key)),
        });
        const scope = yield* Scope.make();
        const [a, b] = yield* Effect.all([RcuMap.get(map, "k"), RcuMap.get(map, "k")], { concurrency: 2 }).pipe(
          Scope.provide(scope),
        );
        assert.strictEqual(a, b);
        assert.deepStrictEqual(log, ["acquire k"]);
        assert.deepStrictEqual(yield* RcuMap.keys(map), ["k"]);
        assert.deepStrictEqual(yield* Rcu.read(RcuMap.deref(map, "k")), Option.some(a));
        assert.isTrue(Option.isNone(yield* Rcu.read(RcuMap.deref(map, "absent"))));
        yield* Scope.close(scope, Exit.void);
        assert.deepStrictEqual(log, ["acquire k"], "the last borrower left: retired, the grace period still runs");
        assert.deepStrictEqual(yield* RcuMap.keys(map), []);
        yield* RcuManual.advance;
        assert.deepStrictEqual(log, ["acquire k", "release k"]);
      }),
    timeout,
  );

  it.effect(
    "the first acquisition outlives an interrupted first caller and serves the next one",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const gate = yield* Deferred.make<void>();
        const map = yield* RcuMap.make({
          lookup: (key: string) => Effect.andThen(Deferred.await(gate), tracked(log, key)),
          idleTimeToLive: "1 minute",
        });
        const first = yield* Effect.forkChild(Effect.scoped(RcuMap.get(map, "k")));
        yield* Effect.yieldNow;
        yield* Fiber.interrupt(first);
        yield* Deferred.succeed(gate, undefined);
        const second = yield* Effect.scoped(RcuMap.get(map, "k"));
        assert.strictEqual(second.name, "k");
        assert.deepStrictEqual(log, ["acquire k"], "one acquisition, completed on its own fiber");
      }),
    timeout,
  );

  it.effect(
    "set never frees a value a borrower or a section holds; invalidate retires; each value released once",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const map = yield* RcuMap.make({ lookup: (key: string) => tracked(log, `${key}0`) });
        yield* RcuMap.set(map, "k", tracked(log, "k1"));
        const scope = yield* Scope.make();
        const held = yield* RcuMap.get(map, "k").pipe(Scope.provide(scope));
        const entered = yield* Deferred.make<void>();
        const done = yield* Deferred.make<void>();
        const reader = yield* Effect.forkChild(
          Rcu.read(
            Effect.gen(function* () {
              const seen = yield* RcuMap.deref(map, "k");
              yield* Deferred.succeed(entered, undefined);
              yield* Deferred.await(done);
              return Option.map(seen, (v) => v.alive);
            }),
          ),
        );
        yield* Deferred.await(entered);
        yield* RcuMap.set(map, "k", tracked(log, "k2"));
        yield* Scope.close(scope, Exit.void);
        assert.isFalse(yield* RcuManual.advance, "the reader's section holds the grace period");
        assert.isTrue(held.alive);
        yield* Deferred.succeed(done, undefined);
        assert.deepStrictEqual(yield* Fiber.join(reader), Option.some(true));
        assert.isTrue(yield* RcuManual.endGracePeriod);
        assert.isFalse(held.alive);
        yield* RcuMap.invalidate(map, "k");
        yield* RcuManual.advance;
        assert.deepStrictEqual(log, ["acquire k1", "acquire k2", "release k1", "release k2"]);
      }),
    timeout,
  );

  it.effect(
    "capacity: a new key beyond it fails with ExceededCapacityError, nothing is evicted",
    () =>
      Effect.gen(function* () {
        const map = yield* RcuMap.make({ lookup: (key: number) => Effect.succeed(key), capacity: 1 });
        yield* RcuMap.set(map, 1, Effect.succeed(1));
        const error = yield* Effect.flip(Effect.scoped(RcuMap.get(map, 2)));
        assert.isTrue(Cause.isExceededCapacityError(error));
        assert.deepStrictEqual(yield* RcuMap.keys(map), [1]);
        const bad = yield* Effect.flip(RcuMap.make({ lookup: (key: number) => Effect.succeed(key), capacity: 0 }));
        assert.strictEqual(bad.code, "INVALID_OPTION");
      }),
    timeout,
  );

  it.effect(
    "closing the map's scope releases every value once; nothing is handed out afterwards",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const scope = yield* Scope.make();
        const map = yield* RcuMap.make({ lookup: (key: string) => tracked(log, key), idleTimeToLive: "1 hour" }).pipe(
          Scope.provide(scope),
        );
        yield* Effect.scoped(RcuMap.get(map, "a"));
        yield* RcuMap.set(map, "b", tracked(log, "b"));
        yield* Scope.close(scope, Exit.void);
        assert.sameMembers(log, ["acquire a", "acquire b", "release a", "release b"]);
        assert.isTrue(Exit.hasInterrupts(yield* Effect.exit(Effect.scoped(RcuMap.get(map, "a")))));
      }),
    timeout,
  );
});

describe("RcuMap idleTimeToLive (TestClock)", () => {
  it.effect(
    "an idle value lingers, then is released after a grace period",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const map = yield* RcuMap.make({ lookup: (key: string) => tracked(log, key), idleTimeToLive: "10 seconds" });
        yield* Effect.scoped(RcuMap.get(map, "k"));
        yield* TestClock.adjust("9 seconds");
        yield* Effect.scoped(RcuMap.get(map, "k"));
        assert.deepStrictEqual(log, ["acquire k"]);
        yield* TestClock.adjust("11 seconds");
        assert.deepStrictEqual(log, ["acquire k"], "retired; the grace period has not passed");
        yield* RcuManual.advance;
        assert.deepStrictEqual(log, ["acquire k", "release k"]);
      }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
    timeout,
  );
});
