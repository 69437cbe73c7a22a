import { assert, describe, it, layer } from "@effect/vitest";
import { createDomain } from "@rcu/core";
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import * as RcuRef from "./RcuRef.js";
import { tracked } from "./test-support/resources.js";

/**
 * `Rcu.layerManual` in tests written the way users write them: no helpers, the resources live in the test's own
 * scope, and the test's scope and the layer close after the body. Closing drives the manual domain.
 */
const timeout = 10_000;
const log: Array<string> = [];

describe("Rcu.layerManual in @effect/vitest layer() tests", () => {
  layer(Rcu.layerManual, { timeout })("as users write them", (it) => {
    it.effect(
      "RcuRef.make + RcuRef.set in the test's scope",
      () =>
        Effect.gen(function* () {
          const ref = yield* RcuRef.make({ acquire: tracked(log, "a1") });
          yield* RcuRef.set(ref, tracked(log, "a2"));
          yield* RcuRef.set(ref, tracked(log, "a3"));
          const value = yield* RcuRef.get(ref);
          assert.strictEqual(value.name, "a3");
        }),
      timeout,
    );

    it.effect(
      "Rcu.acquireRelease in the test's scope",
      () =>
        Effect.gen(function* () {
          const conn = yield* Rcu.acquireRelease(
            Effect.sync(() => {
              log.push("acquire b");
              return { open: true };
            }),
            (c) =>
              Effect.sync(() => {
                c.open = false;
                log.push("release b");
              }),
          );
          assert.isTrue(conn.open);
        }),
      timeout,
    );

    it.effect(
      "the previous tests' scopes closed: every value was released once, after the test",
      () =>
        Effect.sync(() => {
          assert.deepStrictEqual(log, [
            "acquire a2",
            "acquire a3",
            "release a2",
            "release a3",
            "acquire b",
            "release b",
          ]);
        }),
      timeout,
    );
  });
});

describe("closing with a leaked reader", () => {
  it.effect(
    "fails with a coded STALL defect after a bound instead of spinning, and does not release the value",
    () =>
      Effect.gen(function* () {
        const released: Array<string> = [];
        const layerScope = yield* Scope.make();
        const context = yield* Layer.buildWithScope(Rcu.layerManual, layerScope);
        const scope = yield* Scope.make();
        yield* Rcu.acquireRelease(Effect.succeed("conn"), () => Effect.sync(() => released.push("conn"))).pipe(
          Scope.provide(scope),
          Effect.provide(context),
        );
        const entered = yield* Deferred.make<void>();
        const leaked = yield* Effect.forkChild(
          Rcu.read(Effect.andThen(Deferred.succeed(entered, undefined), Effect.never)).pipe(Effect.provide(context)),
        );
        yield* Deferred.await(entered);
        const exit = yield* Effect.exit(Scope.close(scope, Exit.void));
        assert.isTrue(Exit.isFailure(exit));
        const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
        assert.strictEqual((defect as RcuError)._tag, "RcuError");
        assert.strictEqual((defect as RcuError).code, "STALL");
        assert.match((defect as RcuError).message, /read section is still open \(1 reader/);
        assert.deepStrictEqual(released, [], "a value a reader may hold is never released");
        yield* Fiber.interrupt(leaked);
        yield* Scope.close(layerScope, Exit.void);
      }),
    timeout,
  );
});

describe("hostile input", () => {
  const code = <A, E extends RcuError, R>(layer: Layer.Layer<A, E, R>) =>
    Effect.flip(Layer.build(layer).pipe(Effect.scoped)).pipe(Effect.map((error) => error.code));

  it.effect(
    "Rcu.layer(null) and non-object options fail with INVALID_OPTION",
    () =>
      Effect.gen(function* () {
        assert.strictEqual(yield* code(Rcu.layer(null as never)), "INVALID_OPTION");
        assert.strictEqual(yield* code(Rcu.layer(42 as never)), "INVALID_OPTION");
        assert.strictEqual(yield* code(Rcu.layer({ maxConcurrentDisposals: Number.NaN })), "INVALID_OPTION");
      }),
    timeout,
  );

  it.effect(
    "Rcu.layerFrom of something that is not a domain fails with INVALID_OPTION, not ASYNC_SECTION",
    () =>
      Effect.gen(function* () {
        for (const fake of [{}, null, undefined, { flavor: "srcu" }, "srcu"]) {
          const error = yield* Effect.flip(Layer.build(Rcu.layerFrom(fake as never)).pipe(Effect.scoped));
          assert.strictEqual(error.code, "INVALID_OPTION", JSON.stringify(fake) ?? "undefined");
          assert.match(error.message, /expected an RcuDomain/);
        }
        const real = createDomain({ flavor: "srcu" });
        const context = yield* Layer.build(Rcu.layerFrom(real)).pipe(Effect.scoped);
        assert.strictEqual(Context.get(context, Rcu).domain, real);
        yield* Effect.promise(() => real.close());
      }),
    timeout,
  );

  it.effect(
    "RcuRef.make with idleTimeToLive -1 or NaN fails with INVALID_OPTION",
    () =>
      Effect.gen(function* () {
        for (const idleTimeToLive of [-1, Number.NaN, "-1 millis"] as const) {
          const error = yield* Effect.flip(RcuRef.make({ acquire: Effect.succeed(1), idleTimeToLive }));
          assert.strictEqual(error.code, "INVALID_OPTION", String(idleTimeToLive));
          assert.match(error.message, /idleTimeToLive must be a non-negative duration/);
        }
        const ok = yield* Effect.exit(RcuRef.make({ acquire: Effect.succeed(1), idleTimeToLive: Infinity }));
        assert.isTrue(Exit.isSuccess(ok));
      }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
    timeout,
  );
});
