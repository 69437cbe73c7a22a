/**
 * Recipe: reloading with `RcuRef.refresh` and reacting with `RcuRef.changes`.
 *
 * `RcuRef.refresh(ref)` re-runs the ref's own `acquire` and publishes the result, make before break (as
 * `Resource.refresh` does); readers keep the old value until the new one is ready, and the old one is released
 * after its borrowers and a grace period. `RcuRef.changes(ref)` is a `Stream` of the published values (the
 * current one first), like `SubscriptionRef.changes`; handle each element inside `Rcu.read`.
 */
import { Rcu, RcuRef } from "@rcu/effect";
import { Effect, Fiber, Stream } from "effect";

export const program = Effect.gen(function* () {
  const log: string[] = [];
  let version = 0;
  // The "source": each acquire reads the next version of the config.
  const loadConfig = Effect.acquireRelease(
    Effect.sync(() => ({ version: ++version })),
    (config) => Effect.sync(() => void log.push(`released v${config.version}`)),
  );
  const config = yield* RcuRef.make({ acquire: loadConfig }).pipe(Effect.orDie);
  yield* RcuRef.refresh(config); // first load

  const watcher = yield* Effect.forkChild(
    RcuRef.changes(config).pipe(
      Stream.take(3),
      Stream.runForEach((c) => Rcu.read(Effect.sync(() => void log.push(`now serving v${c.version}`)))),
    ),
  );
  yield* Effect.yieldNow;
  yield* RcuRef.refresh(config);
  yield* Effect.yieldNow;
  yield* RcuRef.refresh(config);
  yield* Fiber.join(watcher);
  yield* Rcu.barrier;
  const current = yield* Rcu.read(RcuRef.deref(config));
  return { current: current.version, log };
});

export function main() {
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Rcu.layer())));
}
