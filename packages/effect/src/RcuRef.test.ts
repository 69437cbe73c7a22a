import { assert, describe, it, layer } from "@effect/vitest";
import { Deferred, Effect, Exit, Fiber, Scope, ScopedRef } from "effect";
import { TestClock } from "effect/testing";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
import { captureLogs, tracked, type Tracked } from "./test-support/resources.js";

/** Borrows the ref's value into a fresh scope that the test closes itself. */
const borrow = <A, E>(ref: RcuRef.RcuRef<A, E>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make();
    const value = yield* RcuRef.get(ref).pipe(Scope.provide(scope));
    return { value, close: Scope.close(scope, Exit.void) };
  });

/** Makes a ref in a scope the test closes itself (a manual domain needs the test to end grace periods). */
const makeIn = <A, E, R>(options: RcuRef.MakeOptions<A, E, R>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make();
    const ref = yield* RcuRef.make(options).pipe(Scope.provide(scope), Effect.orDie);
    return { ref, scope };
  });

/** Closes a ref's scope while driving grace periods until the close returns. */
const closeDriving = (scope: Scope.Closeable) =>
  Effect.gen(function* () {
    const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
    for (let i = 0; i < 10 && closing.pollUnsafe() === undefined; i++) {
      yield* RcuManual.advance;
      yield* Effect.yieldNow;
    }
    yield* Fiber.join(closing);
  });

layer(Rcu.layerManual)("RcuRef (manual domain)", (it) => {
  it.effect("acquires lazily, once, and shares the value between borrowers", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      assert.deepStrictEqual(log, []);
      const [a, b] = yield* Effect.all([borrow(ref), borrow(ref)], { concurrency: "unbounded" });
      assert.strictEqual(a.value, b.value);
      assert.deepStrictEqual(log, ["acquire v1"]);
      yield* a.close;
      yield* b.close;
      yield* closeDriving(scope);
      assert.deepStrictEqual(log, ["acquire v1", "release v1"]);
    }),
  );

  it.effect("set never frees a value a borrower holds: released after its scope closes and a grace period", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      const reader = yield* borrow(ref);
      yield* RcuRef.set(ref, tracked(log, "v2"));
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2"]);
      assert.strictEqual((yield* Effect.scoped(RcuRef.get(ref))).name, "v2", "new borrowers get the new value");

      yield* RcuManual.advance;
      yield* RcuManual.advance;
      assert.isTrue(reader.value.alive, "grace periods alone do not free a borrowed value");
      yield* reader.close;
      assert.isTrue(reader.value.alive, "the borrower left, but a grace period has not passed yet");
      assert.isTrue(yield* RcuManual.advance);
      assert.isFalse(reader.value.alive);
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1"]);
      yield* closeDriving(scope);
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1", "release v2"]);
    }),
  );

  it.effect("a reader still inside Rcu.read after its borrow ended keeps the old value alive", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      const escaped = yield* Deferred.make<Tracked>();
      const done = yield* Deferred.make<void>();
      // The reader borrows inside a section, lets the scope close, and keeps using the value in the section.
      const reader = yield* Effect.forkChild(
        Rcu.read(
          Effect.gen(function* () {
            const value = yield* Effect.scoped(RcuRef.get(ref));
            yield* Deferred.succeed(escaped, value);
            yield* Deferred.await(done);
            return value.alive;
          }),
        ),
      );
      const value = yield* Deferred.await(escaped);
      yield* RcuRef.set(ref, tracked(log, "v2"));
      assert.isFalse(yield* RcuManual.advance, "the section blocks the grace period");
      assert.isTrue(value.alive);
      yield* Deferred.succeed(done, undefined);
      assert.isTrue(yield* Fiber.join(reader), "the reader saw a live value until its section ended");
      assert.isTrue(yield* RcuManual.endGracePeriod);
      assert.isFalse(value.alive);
      yield* closeDriving(scope);
    }),
  );

  it.effect("invalidate: the next get acquires afresh; the old value goes after its borrowers and a grace period", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      let n = 0;
      const { ref, scope } = yield* makeIn({ acquire: Effect.suspend(() => tracked(log, `v${++n}`)) });
      const first = yield* borrow(ref);
      yield* RcuRef.invalidate(ref);
      const second = yield* borrow(ref);
      assert.strictEqual(second.value.name, "v2");
      yield* RcuManual.advance;
      assert.isTrue(first.value.alive);
      yield* first.close;
      yield* RcuManual.advance;
      assert.isFalse(first.value.alive);
      assert.isTrue(second.value.alive);
      yield* second.close;
      yield* closeDriving(scope);
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1", "release v2"]);
    }),
  );

  it.effect("release order: replaced values are released oldest first, each after its own grace period", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      yield* Effect.scoped(RcuRef.get(ref));
      yield* RcuManual.advance; // v1 was only borrowed lazily: released when its borrower left
      yield* RcuRef.set(ref, tracked(log, "v2"));
      yield* RcuRef.set(ref, tracked(log, "v3"));
      yield* RcuManual.advance;
      yield* RcuRef.set(ref, tracked(log, "v4"));
      assert.deepStrictEqual(log, ["acquire v1", "release v1", "acquire v2", "acquire v3", "release v2", "acquire v4"]);
      yield* RcuManual.advance;
      yield* closeDriving(scope);
      assert.deepStrictEqual(log.slice(6), ["release v3", "release v4"]);
    }),
  );

  it.effect("a value acquired by get is released (after a grace period) when its last borrower leaves", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      let n = 0;
      const { ref, scope } = yield* makeIn({ acquire: Effect.suspend(() => tracked(log, `v${++n}`)) });
      const a = yield* borrow(ref);
      yield* a.close;
      assert.deepStrictEqual(log, ["acquire v1"]);
      const b = yield* borrow(ref);
      assert.strictEqual(b.value.name, "v2", "the idle value was retired: the next get acquires afresh");
      yield* RcuManual.advance;
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1"]);
      yield* b.close;
      yield* closeDriving(scope);
    }),
  );

  it.effect("a failed set keeps the current value", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      yield* RcuRef.set(ref, tracked(log, "v2"));
      const error = yield* Effect.flip(RcuRef.set(ref, Effect.fail("no config")));
      assert.strictEqual(error, "no config");
      assert.strictEqual((yield* Effect.scoped(RcuRef.get(ref))).name, "v2");
      yield* closeDriving(scope);
      assert.deepStrictEqual(log, ["acquire v2", "release v2"]);
    }),
  );

  it.effect("closing the ref's scope waits for queued releases, not for values still borrowed", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({ acquire: tracked(log, "v1") });
      const reader = yield* borrow(ref);
      yield* RcuRef.set(ref, tracked(log, "v2"));
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
      yield* Effect.yieldNow;
      assert.isUndefined(closing.pollUnsafe(), "v2's release waits for a grace period");
      assert.isTrue(yield* RcuManual.advance);
      yield* Fiber.join(closing);
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v2"]);
      assert.isTrue(reader.value.alive, "v1 is still borrowed: the closed ref does not free it");
      const afterClose = yield* Effect.exit(Effect.scoped(RcuRef.get(ref)));
      assert.isTrue(Exit.hasInterrupts(afterClose), "a closed ref hands out nothing");
      yield* reader.close;
      assert.isTrue(reader.value.alive);
      yield* RcuManual.advance;
      assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v2", "release v1"]);
    }),
  );

  it.effect(
    "a release that waits (an asynchronous finalizer) holds the ref's close and Rcu.barrier until it ends",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const gate = yield* Deferred.make<void>();
        const slowRelease = Effect.acquireRelease(
          Effect.sync(() => log.push("acquire slow")),
          () =>
            Effect.andThen(
              Deferred.await(gate),
              Effect.sync(() => log.push("release slow")),
            ),
        );
        const { ref, scope } = yield* makeIn<unknown, never, Scope.Scope>({ acquire: slowRelease });
        yield* RcuRef.set(ref, slowRelease);
        yield* RcuRef.set(ref, tracked(log, "v2"));
        assert.isTrue(yield* RcuManual.advance, "the grace period ends: the slow release starts and waits on the gate");
        const barrier = yield* Effect.forkChild(Rcu.barrier);
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
        for (let i = 0; i < 5; i++) {
          yield* RcuManual.advance;
          yield* Effect.yieldNow;
        }
        assert.isUndefined(barrier.pollUnsafe(), "barrier waits for the release in flight");
        assert.isUndefined(closing.pollUnsafe(), "closing the ref waits for the release in flight");
        assert.deepStrictEqual(log, ["acquire slow", "acquire v2", "release v2"], "v2 (closed with the ref) is gone");
        yield* Deferred.succeed(gate, undefined);
        yield* Fiber.join(barrier);
        for (let i = 0; i < 10 && closing.pollUnsafe() === undefined; i++) {
          yield* RcuManual.advance;
          yield* Effect.yieldNow;
        }
        yield* Fiber.join(closing);
        assert.deepStrictEqual(log, ["acquire slow", "acquire v2", "release v2", "release slow"]);
      }),
  );

  it.effect("interrupting the first get while it acquires releases what was acquired", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const started = yield* Deferred.make<void>();
      const { ref, scope } = yield* makeIn({
        acquire: Effect.andThen(
          tracked(log, "slow"),
          Effect.andThen(Deferred.succeed(started, undefined), Effect.never),
        ),
      });
      const getter = yield* Effect.forkChild(Effect.scoped(RcuRef.get(ref)));
      yield* Deferred.await(started);
      yield* Fiber.interrupt(getter);
      assert.deepStrictEqual(log, ["acquire slow", "release slow"], "never published, so released at once");
      yield* closeDriving(scope);
    }),
  );

  it.effect("a failing finalizer of a released value is logged, and the other finalizers and values still go", () => {
    const lines: Array<string> = [];
    return Effect.gen(function* () {
      const log: Array<string> = [];
      const { ref, scope } = yield* makeIn({
        acquire: Effect.gen(function* () {
          yield* Effect.addFinalizer(() => Effect.sync(() => log.push("first finalizer of bad")));
          yield* Effect.addFinalizer(() => Effect.die(new Error("close failed")));
          const bad: Tracked = { name: "bad", alive: true };
          return bad;
        }),
      });
      yield* Effect.scoped(RcuRef.get(ref)); // v "bad" is released (after a grace period) when this borrow ends
      yield* RcuRef.set(ref, tracked(log, "good"));
      yield* RcuManual.advance;
      assert.deepStrictEqual(log, ["acquire good", "first finalizer of bad"]);
      yield* closeDriving(scope);
      assert.deepStrictEqual(log, ["acquire good", "first finalizer of bad", "release good"]);
      assert.isTrue(
        lines.some((l) => /RcuRef: unhandled error.*close failed/s.test(l)),
        lines.join("\n"),
      );
    }).pipe(Effect.provide(captureLogs(lines)));
  });
});

describe("RcuRef idleTimeToLive (TestClock)", () => {
  it.effect("linger keeps an idle value for idleTimeToLive; then it is released after a grace period", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      let n = 0;
      const { ref, scope } = yield* makeIn({
        acquire: Effect.suspend(() => tracked(log, `v${++n}`)),
        idleTimeToLive: "10 seconds",
      });
      yield* Effect.scoped(RcuRef.get(ref));
      yield* TestClock.adjust("9 seconds");
      assert.strictEqual((yield* Effect.scoped(RcuRef.get(ref))).name, "v1", "re-borrowed within the linger");
      yield* TestClock.adjust("9 seconds");
      assert.strictEqual(n, 1, "re-borrowing restarted the linger");
      yield* TestClock.adjust("2 seconds");
      assert.deepStrictEqual(log, ["acquire v1"], "linger ended: retired, but the grace period has not passed");
      yield* RcuManual.advance;
      assert.deepStrictEqual(log, ["acquire v1", "release v1"]);
      assert.strictEqual((yield* Effect.scoped(RcuRef.get(ref))).name, "v2");
      yield* closeDriving(scope);
    }).pipe(Effect.provide(Rcu.layerManual)),
  );
});

describe("the ScopedRef.set hazard", () => {
  /**
   * A reader borrows the current value, the writer swaps in a new one, and the reader then uses what it holds.
   * Returns whether the reader saw a released value.
   */
  const scenario = <R>(impl: {
    readonly make: (acquire: Effect.Effect<Tracked, never, Scope.Scope>) => Effect.Effect<
      {
        readonly read: Effect.Effect<Tracked, never, Scope.Scope>;
        readonly swap: (acquire: Effect.Effect<Tracked, never, Scope.Scope>) => Effect.Effect<void>;
      },
      never,
      R | Scope.Scope
    >;
  }) =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const ref = yield* impl.make(tracked(log, "v1"));
      return yield* Effect.scoped(
        Effect.gen(function* () {
          const held = yield* ref.read;
          yield* ref.swap(tracked(log, "v2"));
          return !held.alive;
        }),
      );
    });

  it.effect("ScopedRef.set frees the old value while a reader still holds it", () =>
    Effect.gen(function* () {
      const sawReleased = yield* scenario({
        make: (acquire) =>
          Effect.map(ScopedRef.fromAcquire(acquire), (ref) => ({
            read: ScopedRef.get(ref),
            swap: (next) => ScopedRef.set(ref, next),
          })),
      });
      assert.isTrue(sawReleased, "the hazard: Effect's ScopedRef released v1 under the reader");
    }),
  );

  it.effect("RcuRef.set does not", () =>
    Effect.gen(function* () {
      const sawReleased = yield* scenario({
        make: (acquire) =>
          Effect.map(Effect.orDie(RcuRef.make({ acquire })), (ref) => ({
            read: RcuRef.get(ref),
            swap: (next) => RcuRef.set(ref, next),
          })),
      }).pipe(Effect.scoped);
      assert.isFalse(sawReleased);
    }).pipe(Effect.provide(Rcu.layer())),
  );
});

describe("RcuRef.make with hostile options", () => {
  it.effect("options that throw when read, or an acquire that is not an Effect, are INVALID_OPTION", () =>
    Effect.gen(function* () {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      const throwing = {
        get acquire(): never {
          throw Symbol("getter"); // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
        },
      };
      for (const options of [proxy, throwing, { acquire: 42 }, { acquire: proxy }]) {
        const error = yield* Effect.flip(RcuRef.make(options as RcuRef.MakeOptions<unknown, never, never>));
        assert.strictEqual(error.code, "INVALID_OPTION");
      }
    }).pipe(Effect.scoped, Effect.provide(Rcu.layerManual)),
  );
});
