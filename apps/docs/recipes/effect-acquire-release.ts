/**
 * Recipe: Effect `Rcu.acquireRelease`.
 *
 * `Effect.acquireRelease` runs the release as soon as the scope closes — even if another fiber, inside a read
 * section, is still using the resource. `Rcu.acquireRelease` has the same shape, but its finalizer first waits
 * for a grace period (every read section open at that moment has ended) and then releases. It stays structured:
 * closing the scope returns only after the release has run.
 */
import { Rcu } from "@rcu/effect";
import { Deferred, Effect, Exit, Fiber, Scope } from "effect";

export class Cache {
  closed = false;
  private readonly data = new Map([["answer", 42]]);
  get(key: string): number | undefined {
    if (this.closed) throw new Error("cache used after close");
    return this.data.get(key);
  }
}

export const program = Effect.gen(function* () {
  const log: string[] = [];
  const scope = yield* Scope.make();
  const cache = yield* Rcu.acquireRelease(
    Effect.sync(() => new Cache()),
    (c) =>
      Effect.sync(() => {
        c.closed = true;
        log.push("released");
      }),
  ).pipe(Scope.provide(scope));

  // A reader enters a read section and keeps using the cache until `go`.
  const entered = yield* Deferred.make<void>();
  const go = yield* Deferred.make<void>();
  const reader = yield* Effect.forkChild(
    Rcu.read(
      Effect.gen(function* () {
        yield* Deferred.succeed(entered, undefined);
        yield* Deferred.await(go);
        log.push(`reader got ${cache.get("answer")}`);
      }),
    ),
  );
  yield* Deferred.await(entered);

  const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void)); // the owner shuts down
  yield* Effect.sleep("10 millis");
  log.push(`scope closing; released: ${cache.closed}`);

  yield* Deferred.succeed(go, undefined);
  yield* Fiber.join(reader);
  yield* Fiber.join(closing); // returns after the release has run
  log.push(`scope closed; released: ${cache.closed}`);
  return log;
});

export function main() {
  return Effect.runPromise(program.pipe(Effect.provide(Rcu.layer({ name: "cache" }))));
}
