import { assert, describe, it, layer } from "@effect/vitest";
import { createDomain, type RcuDomain } from "@rcu/core";
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Scheduler, Scope } from "effect";
import { TestClock } from "effect/testing";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import { captureLogs, scopeWithRelease, turns } from "./test-support/resources.js";

const readers = Effect.map(Effect.service(Rcu), ({ domain }) => domain.stats().readers);

/** Forks `Rcu.read(never)` and waits until the section is open; returns the fiber. */
const holdReader = Effect.gen(function* () {
  const entered = yield* Deferred.make<void>();
  const fiber = yield* Effect.forkChild(Rcu.read(Effect.andThen(Deferred.succeed(entered, undefined), Effect.never)));
  yield* Deferred.await(entered);
  return fiber;
});

const failureCode = <A, R>(effect: Effect.Effect<A, RcuError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.code));

describe("Rcu layers", () => {
  it.effect("Rcu.layer creates an 'srcu' domain owned by the layer and closes it with the layer", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make();
      const context = yield* Layer.buildWithScope(Rcu.layer({ name: "owned" }), scope);
      const { domain } = Context.get(context, Rcu);
      assert.strictEqual(domain.flavor, "srcu");
      assert.strictEqual(domain.name, "owned");
      yield* Scope.close(scope, Exit.void);
      const error = yield* Effect.flip(Effect.try({ try: () => domain.defer(() => {}), catch: (e) => e }));
      assert.strictEqual((error as { code?: string }).code, "CLOSED");
    }),
  );

  it.effect("Rcu.layer rejects the 'loop' flavour with ASYNC_SECTION and a message that says what to do", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(Rcu.layer({ flavor: "loop" as "srcu" })).pipe(Effect.scoped));
      assert.strictEqual(error._tag, "RcuError");
      assert.strictEqual(error.code, "ASYNC_SECTION");
      assert.match(error.message, /use flavor 'srcu'/i);
    }),
  );

  it.effect("Rcu.layer maps core's option errors to RcuError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(Rcu.layer({ stallTimeoutMs: -1 })).pipe(Effect.scoped));
      assert.strictEqual(error.code, "INVALID_OPTION");
    }),
  );

  it.effect("Rcu.layerFrom rejects a 'loop' domain and accepts an 'srcu' one without closing it", () =>
    Effect.gen(function* () {
      const loop = createDomain({ flavor: "loop" });
      const loopError = yield* Effect.flip(Layer.build(Rcu.layerFrom(loop)).pipe(Effect.scoped));
      assert.strictEqual(loopError.code, "ASYNC_SECTION");

      const srcu = createDomain({ flavor: "srcu" });
      const ran: Array<string> = [];
      yield* Rcu.defer(Effect.sync(() => ran.push("deferred"))).pipe(
        Effect.andThen(Rcu.barrier),
        Effect.provide(Rcu.layerFrom(srcu)),
      );
      assert.deepStrictEqual(ran, ["deferred"]);
      // The layer is gone; the domain it did not own still works.
      srcu.defer(() => void ran.push("still open"));
      yield* Effect.promise(() => srcu.barrier());
      assert.deepStrictEqual(ran, ["deferred", "still open"]);
      yield* Effect.promise(() => Promise.all([loop.close(), srcu.close()]));
    }),
  );

  it.effect("closing Rcu.layer waits for everything deferred, including a deferred effect still running", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const started = yield* Deferred.make<void>();
      const gate = yield* Deferred.make<void>();
      const scope = yield* Scope.make();
      const context = yield* Layer.buildWithScope(Rcu.layer(), scope);
      yield* Rcu.defer(
        Effect.gen(function* () {
          yield* Deferred.succeed(started, undefined);
          yield* Deferred.await(gate);
          log.push("deferred finished");
        }),
      ).pipe(Effect.provide(context));
      yield* Deferred.await(started);
      const closing = yield* Effect.forkChild(
        Scope.close(scope, Exit.void).pipe(Effect.andThen(Effect.sync(() => log.push("layer closed")))),
      );
      yield* turns(5);
      assert.isUndefined(closing.pollUnsafe(), "the layer's close must wait for the deferred effect");
      assert.deepStrictEqual(log, []);
      yield* Deferred.succeed(gate, undefined);
      yield* Fiber.join(closing);
      assert.deepStrictEqual(log, ["deferred finished", "layer closed"]);
    }),
  );
});

layer(Rcu.layerManual)("Rcu read sections (manual domain)", (it) => {
  it.effect("a grace period cannot end while an Rcu.read section is open; interrupting it releases the section", () =>
    Effect.gen(function* () {
      const reader = yield* holdReader;
      assert.strictEqual(yield* readers, 1);
      yield* RcuManual.startGracePeriod;
      assert.isFalse(yield* RcuManual.endGracePeriod);
      yield* Fiber.interrupt(reader);
      assert.strictEqual(yield* readers, 0);
      assert.isTrue(yield* RcuManual.endGracePeriod);
    }),
  );

  it.effect("an interruption at any step of Rcu.read, even between exit hook and entry, leaves the section once", () =>
    Effect.gen(function* () {
      let entered = 0;
      const body = Effect.andThen(
        Effect.sync(() => void entered++),
        Effect.never,
      );
      for (let steps = 0; steps < 24; steps++) {
        // With a budget of three operations the reader's run loop takes a step or two and then yields to the
        // scheduler, so each of the parent's yields lets it go a little further: interrupting after `steps` of
        // them lands on every step boundary of Rcu.read in turn, including the one between the exit hook and the
        // entry. (With two it makes no progress at all: an inlined continuation counts as an operation too.)
        const reader = yield* Effect.forkChild(
          Rcu.read(body).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, 3)),
        );
        for (let i = 0; i < steps; i++) yield* Effect.yieldNow;
        yield* Fiber.interrupt(reader);
        const exit = yield* Fiber.await(reader);
        // Leaving twice would make core throw (a defect here); never leaving would leave a reader behind.
        assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause), `after ${steps} steps`);
        assert.strictEqual(yield* readers, 0, `a reader left behind after ${steps} steps`);
      }
      // The sweep went past the entry too, not only through the steps before it.
      assert.isAbove(entered, 0);
      assert.isBelow(entered, 24);
      assert.isTrue(yield* RcuManual.advance);
    }),
  );

  it.effect(
    "one Rcu.read effect, nested in itself and run by many fibers at once, keeps every run's section apart",
    () =>
      Effect.gen(function* () {
        // The same effect value runs nested three deep on each of 24 fibers; a third of them are interrupted at
        // staggered points. Every run must see its own section open for as long as it runs and leave it exactly
        // once, however the runs of that one effect interleave.
        const Depth = Context.Reference<number>("test/Depth", { defaultValue: () => 0 });
        let closedWhileRunning = 0;
        let finished = 0;
        const body = Effect.gen(function* () {
          const section = yield* Rcu.Section;
          for (let i = 0; i < 4; i++) {
            yield* Effect.yieldNow;
            if (!section.open) closedWhileRunning++;
          }
          finished++;
        });
        const same: Effect.Effect<void, never, Rcu> = Rcu.read(
          Effect.flatMap(Depth, (depth) =>
            depth === 0
              ? body
              : Effect.gen(function* () {
                  const outer = yield* Rcu.Section;
                  yield* Effect.provideService(same, Depth, depth - 1);
                  if (!outer.open) closedWhileRunning++;
                }),
          ),
        );
        for (let round = 0; round < 3; round++) {
          const fibers = yield* Effect.forEach(
            Array.from({ length: 24 }, (_, i) => i),
            () =>
              Effect.forkChild(
                Effect.provideService(same, Depth, 3).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, 3)),
              ),
          );
          for (let i = 0; i < fibers.length; i += 3) {
            for (let y = 0; y < i % 7; y++) yield* Effect.yieldNow;
            yield* Fiber.interrupt(fibers[i]!);
          }
          const exits = yield* Effect.forEach(fibers, Fiber.await);
          for (const [i, exit] of exits.entries()) {
            if (i % 3 !== 0) assert.isTrue(Exit.isSuccess(exit), `fiber ${i}: ${String(exit)}`);
            else assert.isTrue(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause), `fiber ${i}`);
          }
          assert.strictEqual(yield* readers, 0, `a reader left behind in round ${round}`);
        }
        assert.strictEqual(closedWhileRunning, 0);
        assert.isAtLeast(finished, 3 * 16);
        assert.isTrue(yield* RcuManual.advance);
      }),
  );

  it.effect("the section is left when the effect fails or dies", () =>
    Effect.gen(function* () {
      const failed = yield* Effect.exit(Rcu.read(Effect.fail("boom")));
      assert.isTrue(Exit.isFailure(failed));
      const died = yield* Effect.exit(Rcu.read(Effect.die(new Error("defect"))));
      assert.isTrue(Exit.isFailure(died));
      assert.strictEqual(yield* readers, 0);
      assert.isTrue(yield* RcuManual.advance);
    }),
  );

  it.effect("Rcu.read returns the effect's value and nests", () =>
    Effect.gen(function* () {
      const value = yield* Rcu.read(Rcu.read(Effect.map(readers, (n) => ({ inside: n }))));
      assert.deepStrictEqual(value, { inside: 2 });
      assert.strictEqual(yield* readers, 0);
    }),
  );

  it.effect("Rcu.readScoped holds the section until the scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make();
      yield* Rcu.readScoped.pipe(Scope.provide(scope));
      yield* RcuManual.startGracePeriod;
      assert.isFalse(yield* RcuManual.endGracePeriod);
      yield* Scope.close(scope, Exit.void);
      assert.isTrue(yield* RcuManual.endGracePeriod);
    }),
  );

  it.effect("a section that started after the grace period does not hold it", () =>
    Effect.gen(function* () {
      yield* RcuManual.startGracePeriod;
      const reader = yield* holdReader;
      assert.isTrue(yield* RcuManual.endGracePeriod);
      yield* Fiber.interrupt(reader);
    }),
  );

  it.effect("Rcu.synchronize waits for a grace period; interrupting it stops the wait", () =>
    Effect.gen(function* () {
      const waiters = Effect.map(Effect.service(Rcu), ({ domain }) => domain.stats().waiters);
      const reader = yield* holdReader;
      const before = yield* waiters;
      const waiting = yield* Effect.forkChild(Rcu.synchronize);
      yield* Effect.yieldNow;
      assert.strictEqual(yield* waiters, before + 1);
      assert.isFalse(yield* RcuManual.advance);
      assert.isUndefined(waiting.pollUnsafe());
      yield* Fiber.interrupt(waiting);
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(waiting)));
      assert.strictEqual(yield* waiters, before, "the interruption aborted core's wait");
      yield* Fiber.interrupt(reader);
      assert.isTrue(yield* RcuManual.endGracePeriod);

      const next = yield* Effect.forkChild(Rcu.synchronize);
      yield* Effect.yieldNow;
      assert.isTrue(yield* RcuManual.advance);
      yield* Fiber.join(next);
    }),
  );

  it.effect("waiting for a grace period inside this fiber's own section fails with SELF_DEADLOCK", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* Rcu.read(failureCode(Rcu.synchronize)), "SELF_DEADLOCK");
      assert.strictEqual(yield* Rcu.read(failureCode(Rcu.barrier)), "SELF_DEADLOCK");
      const scoped = yield* Effect.scoped(Effect.andThen(Rcu.readScoped, failureCode(Rcu.synchronize)));
      assert.strictEqual(scoped, "SELF_DEADLOCK");
    }),
  );

  it.effect("Rcu.defer runs after a grace period, with the caller's services, not before", () =>
    Effect.gen(function* () {
      class Greeting extends Context.Service<Greeting, string>()("test/Greeting") {}
      const ran: Array<string> = [];
      const reader = yield* holdReader;
      yield* Rcu.defer(Effect.flatMap(Effect.service(Greeting), (g) => Effect.sync(() => ran.push(g)))).pipe(
        Effect.provideService(Greeting, "hello"),
      );
      assert.isFalse(yield* RcuManual.advance);
      assert.deepStrictEqual(ran, []);
      yield* Fiber.interrupt(reader);
      assert.isTrue(yield* RcuManual.endGracePeriod);
      assert.deepStrictEqual(ran, ["hello"]);
    }),
  );

  it.effect("Rcu.barrier from inside a deferred effect fails with INSIDE_CALLBACK instead of waiting for itself", () =>
    Effect.gen(function* () {
      const codes: Array<string> = [];
      yield* Rcu.defer(Effect.flatMap(failureCode(Rcu.barrier), (code) => Effect.sync(() => codes.push(code))));
      yield* RcuManual.advance;
      yield* Rcu.barrier;
      assert.deepStrictEqual(codes, ["INSIDE_CALLBACK"]);
    }),
  );

  it.effect("Rcu.retire disposes after a grace period", () =>
    Effect.gen(function* () {
      const disposed: Array<string> = [];
      yield* Rcu.retire({ [Symbol.dispose]: () => void disposed.push("sync") });
      yield* Rcu.retire({ [Symbol.asyncDispose]: () => Promise.resolve(void disposed.push("async")) });
      assert.deepStrictEqual(disposed, []);
      yield* RcuManual.advance;
      yield* Rcu.barrier;
      assert.sameMembers(disposed, ["sync", "async"]);
    }),
  );
});

layer(Rcu.layerManual)("Rcu.acquireRelease (manual domain)", (it) => {
  it.effect("the release waits for a grace period, runs in reverse order, and the scope close returns after it", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const scope = yield* Scope.make();
      const a = yield* Rcu.acquireRelease(
        Effect.sync(() => {
          log.push("acquire a");
          return { name: "a", alive: true };
        }),
        (r) =>
          Effect.sync(() => {
            r.alive = false;
            log.push(`release ${r.name}`);
          }),
      ).pipe(Scope.provide(scope));
      yield* Rcu.acquireRelease(Effect.succeed("b"), (name) => Effect.sync(() => log.push(`release ${name}`))).pipe(
        Scope.provide(scope),
      );
      const reader = yield* holdReader;
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void));
      yield* Effect.yieldNow;
      assert.isFalse(yield* RcuManual.advance, "the reader holds the grace period");
      yield* Effect.yieldNow;
      assert.deepStrictEqual(log, ["acquire a"], "no release while a reader may hold the value");
      assert.isTrue(a.alive);
      yield* Fiber.interrupt(reader);
      assert.isTrue(yield* RcuManual.endGracePeriod);
      yield* Effect.yieldNow;
      assert.deepStrictEqual(log, ["acquire a", "release b"]);
      assert.isUndefined(closing.pollUnsafe(), "b's release is done, a's waits for its own grace period");
      assert.isTrue(yield* RcuManual.advance);
      yield* Fiber.join(closing);
      assert.deepStrictEqual(log, ["acquire a", "release b", "release a"]);
      assert.isFalse(a.alive);
    }),
  );

  it.effect("a scope closed inside this fiber's own read section defers the release instead of deadlocking", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      yield* Rcu.read(
        Effect.scoped(Rcu.acquireRelease(Effect.succeed("r"), () => Effect.sync(() => log.push("released")))),
      );
      assert.deepStrictEqual(log, []);
      yield* RcuManual.advance;
      yield* Rcu.barrier;
      assert.deepStrictEqual(log, ["released"]);
    }),
  );
});

describe("failures of deferred work", () => {
  it.effect("a failing Rcu.defer effect is logged through Effect's logger and reported to onError", () =>
    Effect.gen(function* () {
      const lines: Array<string> = [];
      const reported: Array<unknown> = [];
      const domain: RcuDomain = createDomain({ flavor: "srcu", onError: (error) => reported.push(error) });
      yield* Effect.gen(function* () {
        yield* Rcu.defer(Effect.fail("disk on fire"));
        yield* Rcu.defer(Effect.sync(() => lines.push("next one still ran")));
        yield* Rcu.barrier;
      }).pipe(Effect.provide(Layer.merge(Rcu.layerFrom(domain), captureLogs(lines))));
      yield* Effect.promise(() => domain.close());
      assert.isTrue(
        lines.some((line) => /Error: Rcu\.defer: a deferred effect failed.*disk on fire/s.test(line)),
        lines.join("\n"),
      );
      assert.include(lines, "next one still ran");
      assert.strictEqual(reported.length, 1);
      assert.strictEqual((reported[0] as { code?: string }).code, "CALLBACK_FAILED");
    }),
  );

  it.effect("without onError, Rcu.layer sends core's reports to Effect's logger, each failure once", () => {
    const lines: Array<string> = [];
    return Effect.gen(function* () {
      yield* Rcu.retire({
        [Symbol.dispose]() {
          throw new Error("dispose failed");
        },
      });
      yield* Rcu.defer(Effect.fail("deferred failed"));
      yield* Rcu.barrier;
    }).pipe(
      Effect.provide(Rcu.layer()),
      Effect.provide(captureLogs(lines)),
      Effect.andThen(
        Effect.sync(() => {
          const errors = lines.filter((line) => line.startsWith("Error"));
          assert.strictEqual(errors.length, 2, lines.join("\n"));
          assert.isTrue(
            errors.some((line) => /@rcu\/core reported.*dispose failed/s.test(line)),
            lines.join("\n"),
          );
          assert.isTrue(errors.some((line) => /Rcu\.defer: a deferred effect failed.*deferred failed/s.test(line)));
        }),
      ),
    );
  });

  it.effect("TestClock drives time inside deferred effects", () =>
    Effect.gen(function* () {
      const ran: Array<string> = [];
      yield* Rcu.defer(
        Effect.andThen(
          Effect.sleep("1 hour"),
          Effect.sync(() => ran.push("after an hour")),
        ),
      );
      yield* RcuManual.advance;
      assert.deepStrictEqual(ran, []);
      yield* TestClock.adjust("1 hour");
      yield* Rcu.barrier;
      assert.deepStrictEqual(ran, ["after an hour"]);
    }).pipe(Effect.provide(Rcu.layerManual)),
  );
});

describe("Rcu.layerManual close", () => {
  it.effect("the layer's close runs the grace periods still needed and waits for everything deferred", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const scope = yield* Scope.make();
      const context = yield* Layer.buildWithScope(Rcu.layerManual, scope);
      yield* Effect.gen(function* () {
        yield* Rcu.defer(
          Effect.andThen(
            Effect.promise(() => Promise.resolve()),
            Effect.sync(() => log.push("a")),
          ),
        );
        yield* RcuManual.startGracePeriod;
        yield* Rcu.defer(Effect.sync(() => log.push("b"))); // needs the grace period after the running one
      }).pipe(Effect.provide(context));
      assert.deepStrictEqual(log, []);
      yield* Scope.close(scope, Exit.void);
      assert.deepStrictEqual(log, ["a", "b"]);
      const { domain } = Context.get(context, Rcu);
      assert.strictEqual(domain.stats().pendingCallbacks, 0);
    }),
  );
});

describe("with a real 'srcu' domain", () => {
  it.effect("a read section spans async steps (here a TestClock sleep) and holds synchronize until it ends", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const reader = yield* Effect.forkChild(
        Rcu.read(
          Effect.andThen(
            Effect.sleep("1 second"),
            Effect.sync(() => log.push("reader done")),
          ),
        ),
      );
      yield* Effect.yieldNow;
      const waiting = yield* Effect.forkChild(
        Effect.andThen(
          Rcu.synchronize,
          Effect.sync(() => log.push("grace period over")),
        ),
      );
      yield* turns(5);
      assert.deepStrictEqual(log, [], "the grace period waits for the sleeping reader");
      yield* TestClock.adjust("1 second");
      yield* Fiber.join(reader);
      yield* Fiber.join(waiting);
      assert.deepStrictEqual(log, ["reader done", "grace period over"]);
    }).pipe(Effect.provide(Rcu.layer())),
  );

  it.effect("Rcu.acquireRelease's release waits for a reader that was inside when the scope closed", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const scope = yield* scopeWithRelease(log);
      const reader = yield* holdReader;
      const closing = yield* Effect.forkChild(
        Effect.andThen(
          Scope.close(scope, Exit.void),
          Effect.sync(() => log.push("scope closed")),
        ),
      );
      yield* turns(5);
      assert.deepStrictEqual(log, []);
      yield* Fiber.interrupt(reader);
      yield* Fiber.join(closing);
      assert.deepStrictEqual(log, ["released", "scope closed"]);
    }).pipe(Effect.provide(Rcu.layer())),
  );
});

describe("Rcu layers with hostile arguments", () => {
  const throwingGetters = (): object =>
    new Proxy(
      {},
      {
        get: () => {
          throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
        },
        ownKeys: () => ["name"],
        getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true, value: "x" }),
      },
    );
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const codeOf = (exit: Exit.Exit<unknown, RcuError>): string | undefined =>
    Exit.isFailure(exit)
      ? exit.cause.reasons.map((r) => (Cause.isFailReason(r) ? r.error.code : "defect")).join()
      : undefined;

  it.effect("Rcu.layer: options that throw when read are INVALID_OPTION, not a defect", () =>
    Effect.gen(function* () {
      for (const options of [throwingGetters(), revoked()]) {
        const exit = yield* Effect.exit(Layer.build(Rcu.layer(options as never)).pipe(Effect.scoped));
        assert.strictEqual(codeOf(exit), "INVALID_OPTION");
      }
    }),
  );

  it.effect("Rcu.layerFrom: a domain-shaped object core did not make, or a revoked proxy, is INVALID_OPTION", () =>
    Effect.gen(function* () {
      const forged = {
        flavor: "srcu",
        readLock: () => {},
        synchronize: () => {},
        defer: () => {},
        barrier: () => {},
        close: () => {},
        stats: () => {},
      };
      for (const domain of [forged, revoked()]) {
        const exit = yield* Effect.exit(
          Effect.suspend(() => Layer.build(Rcu.layerFrom(domain as never))).pipe(Effect.scoped),
        );
        assert.strictEqual(codeOf(exit), "INVALID_OPTION");
      }
    }),
  );

  it.effect("Rcu.defer of something that is not an Effect dies at once with INVALID_OPTION; nothing is deferred", () =>
    Effect.gen(function* () {
      const pending = Effect.map(Effect.service(Rcu), ({ domain }) => domain.stats().pendingCallbacks);
      for (const value of [42, undefined, Object.create(null) as object]) {
        const exit = yield* Effect.exit(Rcu.defer(value as unknown as Effect.Effect<void>));
        const defect = Exit.isFailure(exit) ? exit.cause.reasons.find(Cause.isDieReason)?.defect : undefined;
        assert.strictEqual((defect as { code?: string } | undefined)?.code, "INVALID_OPTION");
        assert.strictEqual(yield* pending, 0);
      }
    }).pipe(Effect.provide(Rcu.layerManual)),
  );
});
