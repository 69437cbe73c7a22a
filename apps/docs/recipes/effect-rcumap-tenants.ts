/**
 * Recipe: per-tenant resources with `RcuMap`.
 *
 * `RcuMap` is Effect's `RcMap` with the RCU guarantee per key: concurrent first `get`s of a key share one
 * acquisition (which completes even if the first caller is interrupted); a value that is replaced (`set`),
 * invalidated or idles out is released only after its borrowers have left and a grace period has passed, exactly
 * once. Inside `Rcu.read`, `RcuMap.deref` reads a key's value with no borrow at all (`Option.none()` while it is
 * absent or still being acquired).
 */
import { Rcu, RcuMap } from "@rcu/effect";
import { Effect, Option } from "effect";

interface TenantDb {
  readonly tenant: string;
  readonly generation: number;
  closed: boolean;
}

export const program = Effect.gen(function* () {
  const log: string[] = [];
  let generation = 0;
  const open = (tenant: string) =>
    Effect.acquireRelease(
      Effect.sync((): TenantDb => {
        log.push(`open ${tenant}#${++generation}`);
        return { tenant, generation, closed: false };
      }),
      (db) =>
        Effect.sync(() => {
          db.closed = true;
          log.push(`close ${db.tenant}#${db.generation}`);
        }),
    );

  const tenants = yield* RcuMap.make({ lookup: open, idleTimeToLive: "1 minute" });

  // Ten concurrent requests for the same tenant share one connection.
  yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.scoped(RcuMap.get(tenants, "acme")), {
    concurrency: "unbounded",
  });

  // A request reads inside a section while an operator rotates the tenant's credentials.
  const seen = yield* Rcu.read(
    Effect.gen(function* () {
      const before = Option.getOrThrow(yield* RcuMap.deref(tenants, "acme"));
      yield* RcuMap.set(tenants, "acme", open("acme"));
      yield* Effect.yieldNow;
      return { generation: before.generation, closedDuringSection: before.closed };
    }),
  );
  yield* Rcu.barrier; // the old connection is closed after the grace period
  const keys = yield* RcuMap.keys(tenants);
  return { seen, keys, log };
});

export function main() {
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Rcu.layer())));
}
