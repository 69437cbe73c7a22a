/**
 * `RcuRef.deref`: the borrow-free read inside a section. Unit tests of its guarantee, and a stress test: 100 reader
 * fibers dereferencing while a writer swaps values and fibers are interrupted at random points, on a manual
 * domain whose grace periods advance as often as they can. No value may be released while a section that
 * dereferenced it is open; every value is released exactly once.
 */
import { createManualDomain } from "@rcu/core/testing";
import * as fc from "fast-check";
import { assert, describe, it, layer } from "@effect/vitest";
import { Cause, Deferred, Effect, Exit, Fiber, Scope } from "effect";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
import { tracked, type Tracked } from "./test-support/resources.js";

const timeout = 20_000;

layer(Rcu.layerManual, { timeout })("RcuRef.deref (manual domain)", (it) => {
  it.effect(
    "reads the current value; it stays valid until the section ends even if set and invalidate run meanwhile",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const ref = yield* RcuRef.make({ acquire: tracked(log, "lazy") });
        yield* RcuRef.set(ref, tracked(log, "v1"));
        const seen = yield* Deferred.make<Tracked>();
        const release = yield* Deferred.make<void>();
        const reader = yield* Effect.forkChild(
          Rcu.read(
            Effect.gen(function* () {
              const value = yield* RcuRef.deref(ref);
              yield* Deferred.succeed(seen, value);
              yield* Deferred.await(release);
              return value.alive;
            }),
          ),
        );
        const value = yield* Deferred.await(seen);
        assert.strictEqual(value.name, "v1");
        yield* RcuRef.set(ref, tracked(log, "v2"));
        yield* RcuRef.invalidate(ref);
        assert.isFalse(yield* RcuManual.advance, "the section holds the grace period");
        assert.isTrue(value.alive);
        yield* Deferred.succeed(release, undefined);
        assert.isTrue(yield* Fiber.join(reader), "alive until the section ended");
        assert.isTrue(yield* RcuManual.endGracePeriod);
        yield* Rcu.barrier;
        assert.isFalse(value.alive);
        assert.deepStrictEqual(log, ["acquire v1", "acquire v2", "release v1", "release v2"]);
      }),
    timeout,
  );

  it.effect(
    "the first deref of an empty ref acquires once, shared by concurrent readers; the value stays current",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = [];
        const ref = yield* RcuRef.make({ acquire: Effect.andThen(Effect.yieldNow, tracked(log, "v1")) });
        const values = yield* Effect.all(
          Array.from({ length: 5 }, () => Rcu.read(RcuRef.deref(ref))),
          { concurrency: "unbounded" },
        );
        assert.isTrue(values.every((v) => v === values[0]));
        assert.deepStrictEqual(log, ["acquire v1"]);
        yield* RcuManual.advance;
        assert.isTrue(values[0]!.alive, "no borrower to give it back: it stays until set/invalidate/close");
        assert.strictEqual(yield* Rcu.read(RcuRef.deref(ref)), values[0]);
      }),
    timeout,
  );

  it.effect(
    "after the section has ended, deref dies with NOT_IN_SECTION",
    () =>
      Effect.gen(function* () {
        const ref = yield* RcuRef.make({ acquire: Effect.succeed(1) });
        const section = yield* Rcu.read(Effect.service(Rcu.Section));
        assert.isFalse(section.open);
        const exit = yield* Effect.exit(RcuRef.deref(ref).pipe(Effect.provideService(Rcu.Section, section)));
        const defect = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as RcuError) : undefined;
        assert.strictEqual(defect?.code, "NOT_IN_SECTION");
        assert.match(defect?.message ?? "", /outside an open read section/);
      }),
    timeout,
  );

  it.effect(
    "a section of another domain does not protect a deref",
    () =>
      Effect.gen(function* () {
        const ref = yield* RcuRef.make({ acquire: Effect.succeed(1) });
        const other = Rcu.of({ domain: createManualDomain({ name: "other" }) });
        const exit = yield* Effect.exit(Rcu.read(RcuRef.deref(ref)).pipe(Effect.provideService(Rcu, other)));
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause));
      }),
    timeout,
  );

  it.effect(
    "Rcu.readScoped hands out its section for deref",
    () =>
      Effect.gen(function* () {
        const ref = yield* RcuRef.make({ acquire: Effect.succeed("v") });
        const value = yield* Effect.scoped(
          Effect.flatMap(Rcu.readScoped, (section) =>
            RcuRef.deref(ref).pipe(Effect.provideService(Rcu.Section, section)),
          ),
        );
        assert.strictEqual(value, "v");
      }),
    timeout,
  );
});

describe("RcuRef.deref stress: 100 fibers, swaps, interrupts", () => {
  /** A small deterministic generator, so a failing seed replays. */
  const random = (seed: number) => {
    let state = seed >>> 0 || 1;
    return () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 0x1_0000_0000;
    };
  };

  const run = (seed: number) =>
    Effect.gen(function* () {
      const next = random(seed);
      const releases = new Map<Tracked, number>();
      let acquired = 0;
      let violations = 0;
      let reads = 0;
      const value = (name: string) =>
        Effect.acquireRelease(
          Effect.sync((): Tracked => {
            acquired++;
            return { name, alive: true };
          }),
          (v) =>
            Effect.sync(() => {
              v.alive = false;
              releases.set(v, (releases.get(v) ?? 0) + 1);
            }),
        );
      const scope = yield* Scope.make();
      const ref = yield* RcuRef.make({ acquire: value("initial") }).pipe(Scope.provide(scope), Effect.orDie);

      /** One section: deref, yield a few times, check the value is alive, deref again, yield, check both. */
      const section = (yields: number) =>
        Rcu.read(
          Effect.gen(function* () {
            const first = yield* RcuRef.deref(ref);
            for (let i = 0; i < yields; i++) yield* Effect.yieldNow;
            const second = yield* RcuRef.deref(ref);
            for (let i = 0; i < yields; i++) yield* Effect.yieldNow;
            reads++;
            if (!first.alive || !second.alive) violations++;
          }),
        );
      const reader = (yields: number) => Effect.forever(section(yields));

      const fibers: Array<Fiber.Fiber<never, unknown>> = [];
      for (let i = 0; i < 100; i++) fibers.push(yield* Effect.forkChild(reader(1 + Math.floor(next() * 4))));
      for (let step = 0; step < 300; step++) {
        const action = next();
        if (action < 0.35) yield* RcuRef.set(ref, value(`v${step}`));
        else if (action < 0.45) yield* RcuRef.invalidate(ref);
        else if (action < 0.6) {
          // Interrupt a reader wherever it is (inside or outside its section) and start a new one.
          const i = Math.floor(next() * fibers.length);
          yield* Fiber.interrupt(fibers[i]!);
          fibers[i] = yield* Effect.forkChild(reader(1 + Math.floor(next() * 4)));
        }
        yield* RcuManual.advance;
        yield* Effect.yieldNow;
      }
      yield* Fiber.interruptAll(fibers);
      yield* Scope.close(scope, Exit.void);
      yield* RcuManual.advance;
      yield* Rcu.barrier;
      return { acquired, releases, violations, reads };
    }).pipe(Effect.provide(Rcu.layerManual));

  it.effect(
    "no value is released while a section that dereferenced it is open; each is released once",
    () =>
      Effect.gen(function* () {
        const seeds = fc.sample(fc.integer({ min: 1, max: 0x7fff_ffff }), { numRuns: 3, seed: 42 });
        for (const seed of seeds) {
          const { acquired, releases, violations, reads } = yield* run(seed);
          assert.isAbove(reads, 1_000, `seed ${seed}: the readers ran`);
          assert.strictEqual(violations, 0, `seed ${seed}: a section saw a released value`);
          assert.strictEqual(releases.size, acquired, `seed ${seed}: every acquired value was released`);
          assert.isTrue(
            [...releases.values()].every((n) => n === 1),
            `seed ${seed}: released exactly once`,
          );
        }
      }),
    timeout,
  );
});
