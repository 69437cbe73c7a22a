import { assert, layer } from "@effect/vitest";
import { Deferred, Effect, Fiber, Stream } from "effect";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
import { tracked, type Tracked } from "./test-support/resources.js";

const timeout = 10_000;

layer(Rcu.layerManual, { timeout })("RcuRef.refresh and RcuRef.changes (manual domain)", (it) => {
  it.effect(
    "refresh re-runs the ref's own acquire and publishes it, make before break",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        let n = 0;
        const ref = yield* RcuRef.make({ acquire: Effect.suspend(() => tracked(log, `v${++n}`)) });
        const first = yield* Rcu.read(RcuRef.deref(ref));
        yield* RcuRef.refresh(ref);
        const second = yield* Rcu.read(RcuRef.deref(ref));
        assert.strictEqual(first.name, "v1");
        assert.strictEqual(second.name, "v2");
        assert.deepStrictEqual(log, ["acquire v1", "acquire v2"], "v1 waits for a grace period");
        yield* RcuManual.advance;
        assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1"]);
        assert.isTrue(second.alive);
      }),
    timeout,
  );

  it.effect(
    "a failed refresh keeps the current value",
    () =>
      Effect.gen(function* () {
        let fail = false;
        const ref = yield* RcuRef.make({
          acquire: Effect.suspend(() => (fail ? Effect.fail("source down") : Effect.succeed("ok"))),
        });
        yield* RcuRef.refresh(ref);
        fail = true;
        assert.strictEqual(yield* Effect.flip(RcuRef.refresh(ref)), "source down");
        assert.strictEqual(yield* Rcu.read(RcuRef.deref(ref)), "ok");
      }),
    timeout,
  );

  it.effect(
    "a reader that dereferences during a refresh keeps a live value until its section ends",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        let n = 0;
        const gate = yield* Deferred.make<void>();
        const started = yield* Deferred.make<void>();
        // The second acquire blocks until the test opens the gate: a refresh in progress.
        const ref = yield* RcuRef.make({
          acquire: Effect.suspend(() => {
            const name = `v${++n}`;
            return name === "v2"
              ? Effect.andThen(
                  Deferred.succeed(started, undefined),
                  Effect.andThen(Deferred.await(gate), tracked(log, name)),
                )
              : tracked(log, name);
          }),
        });
        yield* RcuRef.refresh(ref);
        const refreshing = yield* Effect.forkChild(RcuRef.refresh(ref));
        yield* Deferred.await(started);
        const seen = yield* Deferred.make<Tracked>();
        const done = yield* Deferred.make<void>();
        const reader = yield* Effect.forkChild(
          Rcu.read(
            Effect.gen(function* () {
              const value = yield* RcuRef.deref(ref);
              yield* Deferred.succeed(seen, value);
              yield* Deferred.await(done);
              return value.alive;
            }),
          ),
        );
        const during = yield* Deferred.await(seen);
        assert.strictEqual(during.name, "v1", "the refresh has not published yet");
        yield* Deferred.succeed(gate, undefined);
        yield* Fiber.join(refreshing);
        assert.strictEqual((yield* Rcu.read(RcuRef.deref(ref))).name, "v2");
        assert.isFalse(yield* RcuManual.advance, "the reader's section holds v1's grace period");
        assert.isTrue(during.alive);
        yield* Deferred.succeed(done, undefined);
        assert.isTrue(yield* Fiber.join(reader));
        assert.isTrue(yield* RcuManual.endGracePeriod);
        assert.isFalse(during.alive);
      }),
    timeout,
  );

  it.effect(
    "changes emits the current value, then every published one; it ends when the ref's scope closes",
    () =>
      Effect.gen(function* () {
        const seen: Array<string> = [];
        const collected = yield* Effect.scoped(
          Effect.gen(function* () {
            const ref = yield* RcuRef.make({ acquire: Effect.succeed("lazy") });
            yield* RcuRef.set(ref, Effect.succeed("a"));
            const consumer = yield* Effect.forkChild(
              RcuRef.changes(ref).pipe(
                Stream.runForEach((value) => Rcu.read(Effect.sync(() => void seen.push(value)))),
              ),
            );
            yield* Effect.yieldNow;
            yield* RcuRef.set(ref, Effect.succeed("b"));
            yield* Effect.yieldNow;
            yield* RcuRef.invalidate(ref);
            yield* Rcu.read(RcuRef.deref(ref)); // a first acquisition after invalidate is published too
            yield* Effect.yieldNow;
            return consumer;
          }),
        );
        yield* Fiber.join(collected);
        assert.deepStrictEqual(seen, ["a", "b", "lazy"]);
      }),
    timeout,
  );
});
