/**
 * Recipe: borrow-free reads with `RcuRef.deref`, and read sections under structured concurrency.
 *
 * Inside `Rcu.read`, `RcuRef.deref(ref)` returns the current value with no reference count and no finalizer —
 * the RCU read path. The value stays valid until the section ends, even if a writer swaps it meanwhile: the old
 * value is released only after a grace period, which the section holds. `deref` needs the `Rcu.Section` service
 * that only `Rcu.read`/`Rcu.readScoped` provide, so calling it outside a section does not compile.
 *
 * The section belongs to the fiber's context, so structured children (`Effect.forEach` with concurrency,
 * `forkChild`, `race`, `timeout`) inherit it: inside them, waiting for a grace period fails at once with
 * `SELF_DEADLOCK` instead of hanging, and `Rcu.acquireRelease` releases are deferred instead of awaited.
 */
import { Rcu, RcuRef } from "@rcu/effect";
import { Effect, Fiber } from "effect";

interface Config {
  readonly version: number;
  released: boolean;
}

const loadConfig = (version: number, log: string[]) =>
  Effect.acquireRelease(
    Effect.sync((): Config => ({ version, released: false })),
    (config) =>
      Effect.sync(() => {
        config.released = true;
        log.push(`config v${config.version} released`);
      }),
  );

export const program = Effect.gen(function* () {
  const log: string[] = [];
  const config = yield* RcuRef.make({ acquire: loadConfig(1, log) }).pipe(Effect.orDie);

  // Three requests read the config inside one section, concurrently; the second reloads it mid-way.
  const seen = yield* Rcu.read(
    Effect.forEach(
      [1, 2, 3],
      (request) =>
        Effect.gen(function* () {
          const before = yield* RcuRef.deref(config);
          if (request === 2) yield* RcuRef.set(config, loadConfig(2, log));
          yield* Effect.yieldNow;
          // Still the value this request saw, and not released: the section holds the grace period.
          return { request, version: before.version, released: before.released };
        }),
      { concurrency: 3 },
    ),
  );
  log.push("section ended");

  // A child of a section cannot wait for a grace period: that would wait for its own parent.
  const childWait = yield* Rcu.read(Effect.flatMap(Effect.forkChild(Rcu.synchronize), Fiber.join)).pipe(
    Effect.flip,
    Effect.map((error) => error.code),
  );

  yield* Rcu.barrier; // the old config's release ran after the grace period
  const current = yield* Rcu.read(RcuRef.deref(config));
  return { seen, childWait, current: current.version, log };
});

export function main() {
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Rcu.layer())));
}
