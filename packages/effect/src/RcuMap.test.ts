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

describe("RcuMap with hostile options, lookups and keys", () => {
  it.effect("options that throw when read, or a lookup that is not a function, are INVALID_OPTION", () =>
    Effect.gen(function* () {
      const throwing = {
        lookup: () => Effect.succeed(1),
        get capacity(): never {
          throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
        },
      };
      for (const options of [throwing, { lookup: 42 }]) {
        const error = yield* Effect.flip(
          RcuMap.make(options as RcuMap.MakeOptions<unknown, unknown, never, never> & { capacity?: undefined }),
        );
        assert.strictEqual(error.code, "INVALID_OPTION");
      }
    }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
  );

  it.effect(
    "a lookup that throws (or returns no Effect) dies, and leaves the key free for the next get",
    () =>
      Effect.gen(function* () {
        const thrown = Object.create(null) as object;
        let calls = 0;
        const map = yield* RcuMap.make({
          lookup: (key: string): Effect.Effect<string> => {
            calls++;
            if (calls === 1) throw thrown; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
            if (calls === 2) return 42 as never;
            return Effect.succeed(key);
          },
        });
        const first = yield* Effect.exit(Effect.scoped(RcuMap.get(map, "k")));
        assert.deepStrictEqual(
          Exit.isFailure(first) && first.cause.reasons.map((r) => Cause.isDieReason(r) && r.defect === thrown),
          [true],
        );
        const second = yield* Effect.exit(Effect.scoped(RcuMap.get(map, "k")));
        const defect = Exit.isFailure(second) ? second.cause.reasons.find(Cause.isDieReason)?.defect : undefined;
        assert.strictEqual((defect as { code?: string } | undefined)?.code, "INVALID_OPTION");
        const third = yield* Effect.scoped(RcuMap.get(map, "k")).pipe(Effect.timeout("1 second"));
        assert.strictEqual(third, "k");
        assert.deepStrictEqual(yield* RcuMap.keys(map), []);
      }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
    timeout,
  );

  it.effect("a key that cannot be hashed is refused with a coded defect before anything is acquired", () =>
    Effect.gen(function* () {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      let calls = 0;
      const map = yield* RcuMap.make({ lookup: () => Effect.sync(() => ++calls) });
      for (const run of [
        Effect.scoped(RcuMap.get(map, proxy)),
        RcuMap.set(
          map,
          proxy,
          Effect.sync(() => ++calls),
        ),
        RcuMap.invalidate(map, proxy),
      ]) {
        const exit = yield* Effect.exit(run);
        const defect = Exit.isFailure(exit) ? exit.cause.reasons.find(Cause.isDieReason)?.defect : undefined;
        assert.strictEqual((defect as { code?: string } | undefined)?.code, "INVALID_OPTION");
      }
      assert.strictEqual(calls, 0);
    }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
  );
});
