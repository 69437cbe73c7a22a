/**
 * Recipe: Effect `RcuRef` rotating a connection.
 *
 * `RcuRef` is `RcRef` with RCU's guarantee. Requests borrow the current connection for the life of their scope
 * (`RcuRef.get`); a rotation publishes a new connection (`RcuRef.set`) without waiting for them. The old connection
 * is released — its acquire scope closed, running its finalizer — only after every borrower's scope has closed
 * and a grace period has passed. No request ever sees its connection closed under it.
 */
import { Rcu, RcuRef } from "@rcu/effect";
import { Deferred, Effect, Fiber } from "effect";

export class Connection {
  closed = false;
  constructor(readonly id: number) {}
  query(sql: string): string {
    if (this.closed) throw new Error(`connection ${this.id} used after close`);
    return `#${this.id}: ${sql}`;
  }
}

export const program = Effect.gen(function* () {
  const log: string[] = [];
  let opened = 0;
  const openConnection = Effect.acquireRelease(
    Effect.sync(() => {
      const conn = new Connection(++opened);
      log.push(`open #${conn.id}`);
      return conn;
    }),
    (conn) =>
      Effect.sync(() => {
        conn.closed = true;
        log.push(`close #${conn.id}`);
      }),
  );
  const ref = yield* RcuRef.make({ acquire: openConnection });

  // A slow request borrows connection #1 and waits on `go` before querying.
  const borrowed = yield* Deferred.make<Connection>();
  const go = yield* Deferred.make<void>();
  const slowRequest = Effect.scoped(
    Effect.gen(function* () {
      const conn = yield* RcuRef.get(ref);
      yield* Deferred.succeed(borrowed, conn);
      yield* Deferred.await(go);
      return conn.query("select 1");
    }),
  );
  const fiber = yield* Effect.forkChild(Rcu.read(slowRequest));
  const first = yield* Deferred.await(borrowed);

  yield* RcuRef.set(ref, openConnection); // rotate: new requests get #2 from now on
  log.push(`rotated; #1 closed: ${first.closed}`);
  const fresh = yield* Effect.scoped(Effect.map(RcuRef.get(ref), (conn) => conn.query("select 2")));

  yield* Deferred.succeed(go, undefined);
  const slow = yield* Fiber.join(fiber); // the slow request finishes on #1
  yield* Rcu.barrier; // #1's release (after its borrower and a grace period) has run
  log.push(`after the slow request; #1 closed: ${first.closed}`);
  return { log, slow, fresh };
});

export function main() {
  // Rcu.layer(): an `srcu` domain owned by the layer, closed (and drained) with it.
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "connections" }))));
}
