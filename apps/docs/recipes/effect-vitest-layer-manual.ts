/**
 * Recipe: `@effect/vitest` tests on `Rcu.layerManual`, written the natural way.
 *
 * In a test file this is:
 *
 *     layer(Rcu.layerManual)("config", (it) => {
 *       it.effect("reloads", () => reloads)
 *       it.effect("opens a connection", () => opensAConnection)
 *     })
 *
 * Each test body makes its resources in the test's own scope (`RcuRef.make` + `RcuRef.set`,
 * `Rcu.acquireRelease`) and does not step grace periods itself. When the test's scope closes, the releases wait
 * for grace periods of the manual domain — and closing a scope on a manual domain drives them (one per event-loop
 * turn), so the test finishes, and so does the layer's close. A reader left open (a leaked section) makes the
 * close fail with `RcuError` `STALL` after a bound instead of hanging.
 *
 * `main()` runs the two bodies the way `layer()` does (one layer, each body in its own scope, then the layer's
 * close) and returns what was released when.
 */
import { Rcu, RcuRef } from "@rcu/effect";
import { Effect, Exit, Layer, Scope } from "effect";

export const log: string[] = [];

const resource = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      log.push(`acquire ${name}`);
      return { name };
    }),
    () => Effect.sync(() => void log.push(`release ${name}`)),
  );

/** A test body: a ref in the test's scope, two reloads. */
export const reloads = Effect.gen(function* () {
  const config = yield* RcuRef.make({ acquire: resource("config v1") });
  yield* RcuRef.set(config, resource("config v2"));
  yield* RcuRef.set(config, resource("config v3"));
  const current = yield* RcuRef.get(config);
  return current.name;
});

/** A test body: a connection whose release waits for a grace period. */
export const opensAConnection = Effect.gen(function* () {
  const connection = yield* Rcu.acquireRelease(resource("connection"), () =>
    Effect.sync(() => void log.push("connection closed")),
  );
  return connection.name;
});

export async function main() {
  const results = await Effect.runPromise(
    Effect.gen(function* () {
      const layerScope = yield* Scope.make();
      const context = yield* Layer.buildWithScope(Rcu.layerManual, layerScope);
      const first = yield* Effect.scoped(reloads).pipe(Effect.provide(context));
      log.push("test 1 done");
      const second = yield* Effect.scoped(opensAConnection).pipe(Effect.provide(context));
      log.push("test 2 done");
      yield* Scope.close(layerScope, Exit.void);
      log.push("layer closed");
      return [first, second];
    }),
  );
  return { results, log: [...log] };
}
