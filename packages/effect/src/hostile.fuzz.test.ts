/**
 * The adversarial suite of `@rcu/effect`: one fast-check property per public entry point, fed hostile values
 * (non-Error throws, revoked proxies, thenables of every shape, throwing getters, forged and closed domains, odd
 * numbers and keys) as layer options, domains, resources to retire, and as what acquires and releases fail or die
 * with. Each asserts that the program succeeds or fails with a coded `RcuError` (a defect only where it is the
 * user's own hostile value re-raised as a die); that nothing escapes as an uncaught exception or unhandled
 * rejection (reports go to Effect's logger, captured here); that every acquired value is released exactly once;
 * and that layers and scopes close (every run is bounded by a timeout). `Rcu.layerManual` drives grace periods.
 * The hostile values are `@rcu/core`'s.
 */
import { it } from "@effect/vitest";
import { createDomain, type RcuDomain } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import { Cause, Effect, Exit, Fiber, Layer, Scope } from "effect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect } from "vitest";
import {
  callbackBehaviour,
  either,
  hostile,
  hostileOptions,
  noEscapes,
  pinFuzzSeed,
  type Behaviour,
  type Hostile,
} from "../../core/src/test-support/hostile.js";
import { Rcu } from "./Rcu.js";
import { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuMap from "./RcuMap.js";
import * as RcuRef from "./RcuRef.js";
import { captureLogs } from "./test-support/resources.js";

const RUNS = 300;
pinFuzzSeed("effect hostile.fuzz");
const TIMEOUT = 60_000;

const coded = (err: unknown): boolean => {
  try {
    return err instanceof RcuError && typeof err.code === "string" && err.message.length > 0;
  } catch {
    return false; // a revoked proxy
  }
};

/**
 * The exit of a program is a success, or fails only with coded `RcuError`s; a failure or defect of another kind is
 * accepted only when `userDefect` recognises it (the user's own value, failed with or re-raised as a die), an
 * interruption only when `interrupts`.
 */
/** `Cause.pretty`, unless printing the cause throws (a hostile value whose `message` getter throws). */
function pretty(cause: Cause.Cause<unknown>): string {
  try {
    return Cause.pretty(cause);
  } catch {
    return "[unprintable cause]";
  }
}

function expectCleanExit(
  exit: Exit.Exit<unknown, unknown>,
  userDefect: (defect: unknown) => boolean = () => false,
  interrupts = false,
): void {
  if (Exit.isSuccess(exit)) return;
  for (const reason of exit.cause.reasons) {
    if (Cause.isFailReason(reason)) {
      expect(coded(reason.error) || userDefect(reason.error), `failed with ${pretty(exit.cause)}`).toBe(true);
    } else if (Cause.isDieReason(reason)) {
      expect(userDefect(reason.defect), `died with ${pretty(exit.cause)}`).toBe(true);
    } else expect(interrupts, `interrupted: ${pretty(exit.cause)}`).toBe(true);
  }
}

/** Runs `program` on a manual-domain layer with logs captured, bounded in time; returns its exit. */
async function runManual<A, E>(
  program: Effect.Effect<A, E, Rcu | RcuManual | Scope.Scope>,
  lines: string[],
): Promise<Exit.Exit<A, E | Cause.TimeoutError>> {
  return Effect.runPromiseExit(
    program.pipe(
      Effect.scoped,
      Effect.provide(Rcu.layerManual),
      Effect.timeout("5 seconds"),
      Effect.provide(captureLogs(lines)),
    ),
  );
}

/** Asserts nothing escaped and the run did not time out (a hang is a failure). */
function expectNoTimeout(exit: Exit.Exit<unknown, unknown>): void {
  if (Exit.isFailure(exit)) {
    const timedOut = exit.cause.reasons.some((r) => Cause.isFailReason(r) && Cause.isTimeoutError(r.error));
    expect(timedOut, "the program did not hang").toBe(false);
  }
}

let loopDomain: RcuDomain;
let closedDomain: RcuDomain;
beforeAll(async () => {
  loopDomain = createDomain({ onError: () => {} });
  closedDomain = createDomain({ flavor: "srcu", onError: () => {} });
  await closedDomain.close();
});
afterAll(async () => {
  await loopDomain.close();
});

describe("adversarial: layers", { timeout: TIMEOUT }, () => {
  it.effect("Rcu.layer(options) builds or fails with a coded RcuError, and its scope closes", () =>
    Effect.promise(async () => {
      const options = hostileOptions({
        flavor: fc.constantFrom("srcu", "loop", "manual"),
        name: fc.string({ maxLength: 6 }),
        onError: fc.constant(() => {}),
        stallTimeoutMs: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        debug: fc.boolean(),
        maxConcurrentDisposals: fc.integer({ min: 1, max: 8 }),
        settleTimeoutMs: fc.integer({ min: 1, max: 1000 }),
      });
      await fc.assert(
        fc.asyncProperty(options, async (opts) => {
          const lines: string[] = [];
          const escaped = await noEscapes(async () => {
            let layer: Layer.Layer<Rcu, RcuError> | undefined;
            try {
              layer = Rcu.layer(opts.make() as never);
            } catch (err) {
              expect.fail(`Rcu.layer threw ${String(err instanceof Error ? err.message : typeof err)}`);
            }
            const exit = await Effect.runPromiseExit(
              Layer.build(layer).pipe(Effect.scoped, Effect.timeout("5 seconds"), Effect.provide(captureLogs(lines))),
            );
            expectNoTimeout(exit);
            expectCleanExit(exit);
          });
          expect(escaped).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    }),
  );

  it.effect("Rcu.layerFrom(domain) builds or fails with a coded RcuError, whatever the domain is", () =>
    Effect.promise(async () => {
      const thrower = (): never => {
        throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
      };
      const domains: fc.Arbitrary<Hostile> = fc.oneof(
        hostile,
        fc.constantFrom<Hostile>(
          {
            label: "forged srcu domain",
            make: () => ({
              flavor: "srcu",
              readLock: thrower,
              synchronize: thrower,
              defer: thrower,
              barrier: thrower,
              close: thrower,
              stats: thrower,
            }),
          },
          { label: "a real domain as prototype", make: () => Object.create(createManualDomain()) as object },
          { label: "loop domain", make: () => loopDomain },
          { label: "closed srcu domain", make: () => closedDomain },
          { label: "manual domain", make: () => createManualDomain() },
        ),
      );
      await fc.assert(
        fc.asyncProperty(domains, async (domain) => {
          const lines: string[] = [];
          const escaped = await noEscapes(async () => {
            let layer: Layer.Layer<Rcu, RcuError> | undefined;
            try {
              layer = Rcu.layerFrom(domain.make() as never);
            } catch (err) {
              expect.fail(`Rcu.layerFrom threw ${err instanceof Error ? err.message : typeof err}`);
            }
            const exit = await Effect.runPromiseExit(
              Layer.build(layer).pipe(Effect.scoped, Effect.timeout("5 seconds"), Effect.provide(captureLogs(lines))),
            );
            expectNoTimeout(exit);
            expectCleanExit(exit);
          });
          expect(escaped).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    }),
  );
});

/** An effect acting out `b`: succeed with, fail with, or die with a hostile value (or succeed with a sane one). */
type Outcome = { readonly k: "ok" } | { readonly k: "fail" | "die" | "throw"; readonly b: Behaviour };
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Outcome>({ k: "ok" }) },
  fc.record({ k: fc.constantFrom("fail" as const, "die" as const, "throw" as const), b: callbackBehaviour }),
);
function acted(o: Outcome): Effect.Effect<void, unknown> {
  switch (o.k) {
    case "ok":
      return Effect.void;
    case "fail":
      return Effect.fail(o.b.value);
    case "die":
      return Effect.die(o.b.value);
    default:
      return Effect.sync(() => {
        throw o.b.value; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
      });
  }
}
const userValue = (o: Outcome) => (defect: unknown) => o.k !== "ok" && Object.is(defect, o.b.value);

describe("adversarial: deferred work", { timeout: TIMEOUT }, () => {
  it.effect(
    "Rcu.defer runs each effect once whatever it fails or dies with; Rcu.retire disposes each object once",
    () =>
      Effect.promise(async () => {
        const disposable = fc.record({ sync: fc.boolean(), b: fc.option(callbackBehaviour, { nil: undefined }) });
        await fc.assert(
          fc.asyncProperty(
            fc.array(outcome, { maxLength: 4 }),
            fc.array(
              fc.oneof(
                hostile.map((h) => ({ h })),
                disposable,
              ),
              { maxLength: 4 },
            ),
            async (deferred, retired) => {
              const lines: string[] = [];
              const ran = deferred.map(() => 0);
              const disposed: number[] = [];
              const escaped = await noEscapes(async () => {
                const exit = await runManual(
                  Effect.gen(function* () {
                    for (const [i, o] of deferred.entries()) {
                      yield* Rcu.defer(Effect.suspend(() => (ran[i]!++, acted(o))));
                    }
                    for (const [i, r] of retired.entries()) {
                      disposed.push(0);
                      let resource: unknown;
                      if ("h" in r) resource = r.h.make();
                      else {
                        const dispose = () => {
                          disposed[i]!++;
                          if (r.b === undefined) return undefined;
                          if (r.b.throws) throw r.b.value; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
                          return r.b.value;
                        };
                        resource = r.sync ? { [Symbol.dispose]: dispose } : { [Symbol.asyncDispose]: dispose };
                      }
                      const exit = yield* Effect.exit(Rcu.retire(resource as Disposable));
                      expectCleanExit(exit);
                      if (!("h" in r)) expect(Exit.isSuccess(exit)).toBe(true);
                    }
                    yield* RcuManual.advance;
                    yield* RcuManual.advance;
                  }),
                  lines,
                );
                expectNoTimeout(exit);
                expectCleanExit(exit);
              });
              expect(escaped).toEqual([]);
              expect(ran, "each deferred effect ran once").toEqual(deferred.map(() => 1));
              for (const [i, r] of retired.entries()) if (!("h" in r)) expect(disposed[i], "disposed once").toBe(1);
            },
          ),
          { numRuns: RUNS },
        );
      }),
  );

  it.effect(
    "Rcu.defer(hostile value) defers it if it is an Effect, or dies with a coded error and defers nothing",
    () =>
      Effect.promise(async () => {
        await fc.assert(
          fc.asyncProperty(hostile, async (h) => {
            const lines: string[] = [];
            const escaped = await noEscapes(async () => {
              const exit = await runManual(
                Effect.gen(function* () {
                  const deferred = yield* Effect.exit(Rcu.defer(h.make() as Effect.Effect<void>));
                  expectCleanExit(deferred, (d) => coded(d) && (d as RcuError).code === "INVALID_OPTION");
                  const { domain } = yield* Effect.service(Rcu);
                  if (Exit.isFailure(deferred)) expect(domain.stats().pendingCallbacks).toBe(0);
                  yield* RcuManual.advance;
                }),
                lines,
              );
              expectNoTimeout(exit);
              expectCleanExit(exit);
            });
            expect(escaped).toEqual([]);
            expect(
              lines.filter((l) => l.includes("TypeError")),
              "no TypeError from our own code is logged",
            ).toEqual([]);
          }),
          { numRuns: RUNS },
        );
      }),
  );

  it.effect("Rcu.acquireRelease: a value acquired is released once, whatever acquire and release do", () =>
    Effect.promise(async () => {
      await fc.assert(
        fc.asyncProperty(outcome, outcome, fc.boolean(), async (acquire, release, inSection) => {
          const lines: string[] = [];
          let acquired = 0;
          let released = 0;
          const escaped = await noEscapes(async () => {
            const exit = await runManual(
              Effect.gen(function* () {
                const scope = yield* Scope.make();
                const body = Rcu.acquireRelease(
                  Effect.map(acted(acquire), () => void acquired++),
                  () => Effect.suspend(() => (released++, acted(release))).pipe(Effect.orDie),
                ).pipe(Scope.provide(scope));
                const got = yield* Effect.exit(body);
                expectCleanExit(got, userValue(acquire));
                const closing = inSection ? Rcu.read(Scope.close(scope, Exit.void)) : Scope.close(scope, Exit.void);
                const closeFiber = yield* Effect.forkChild(closing);
                for (let i = 0; i < 10 && closeFiber.pollUnsafe() === undefined; i++) {
                  yield* RcuManual.advance;
                  yield* Effect.yieldNow;
                }
                yield* Effect.exit(Fiber.join(closeFiber));
                yield* RcuManual.advance;
              }),
              lines,
            );
            expectNoTimeout(exit);
            expectCleanExit(exit);
          });
          expect(escaped).toEqual([]);
          expect(released, "released once per acquired value").toBe(acquired);
        }),
        { numRuns: RUNS },
      );
    }),
  );
});

/** Values acquired by a ref or map, each released once. */
class Ledger {
  acquired = 0;
  readonly releases = new Map<number, number>();
  acquire(o: Outcome): Effect.Effect<number, unknown, Scope.Scope> {
    return Effect.andThen(
      acted(o),
      Effect.acquireRelease(
        Effect.sync(() => {
          const id = ++this.acquired;
          this.releases.set(id, 0);
          return id;
        }),
        (id) => Effect.sync(() => void this.releases.set(id, this.releases.get(id)! + 1)),
      ),
    );
  }
  expectEachReleasedOnce(): void {
    for (const [id, n] of this.releases) expect(n, `value ${id} released ${n} times`).toBe(1);
  }
}

const durations = fc.constantFrom<unknown>(0, 1, "1 second", Infinity, "0 millis");

describe("adversarial: RcuRef", { timeout: TIMEOUT }, () => {
  it.effect(
    "RcuRef.make(options) works or fails with a coded error; set with failing acquires releases every value once",
    () =>
      Effect.promise(async () => {
        const options = hostileOptions({ acquire: fc.constant("ledger"), idleTimeToLive: durations });
        await fc.assert(
          fc.asyncProperty(options, fc.array(outcome, { maxLength: 5 }), fc.boolean(), async (opts, sets, borrow) => {
            const lines: string[] = [];
            const ledger = new Ledger();
            const escaped = await noEscapes(async () => {
              const exit = await runManual(
                Effect.gen(function* () {
                  let made: unknown = opts.make();
                  try {
                    if (
                      made !== null &&
                      typeof made === "object" &&
                      (made as { acquire?: unknown }).acquire === "ledger"
                    ) {
                      made = { ...made, acquire: ledger.acquire({ k: "ok" }) };
                    }
                  } catch {
                    // a revoked proxy or a throwing getter: pass it as it is
                  }
                  const refScope = yield* Scope.make();
                  const ref = yield* Effect.exit(
                    RcuRef.make(made as RcuRef.MakeOptions<number, unknown, Scope.Scope>).pipe(Scope.provide(refScope)),
                  );
                  expectCleanExit(ref);
                  if (Exit.isSuccess(ref)) {
                    const readers = yield* Scope.make();
                    for (const o of sets) {
                      const set = yield* Effect.exit(RcuRef.set(ref.value, ledger.acquire(o)));
                      expectCleanExit(set, userValue(o), true);
                      if (borrow) yield* Effect.exit(RcuRef.get(ref.value).pipe(Scope.provide(readers)));
                      yield* RcuManual.advance;
                    }
                    yield* Effect.exit(RcuRef.get(ref.value).pipe(Effect.scoped));
                    yield* Scope.close(readers, Exit.void);
                  }
                  yield* Scope.close(refScope, Exit.void);
                  yield* RcuManual.advance;
                }),
                lines,
              );
              expectNoTimeout(exit);
              expectCleanExit(exit);
            });
            expect(escaped).toEqual([]);
            ledger.expectEachReleasedOnce();
          }),
          { numRuns: RUNS },
        );
      }),
  );
});

/** `Cause.isExceededCapacityError`, false for a user's value that throws when inspected. */
function isCapacityError(err: unknown): boolean {
  try {
    return Cause.isExceededCapacityError(err);
  } catch {
    return false;
  }
}

describe("adversarial: RcuMap", { timeout: TIMEOUT }, () => {
  const keys: fc.Arbitrary<Hostile> = fc.oneof(
    hostile,
    fc.constantFrom<Hostile>(
      { label: "NaN", make: () => NaN },
      { label: "-0", make: () => -0 },
      { label: "0", make: () => 0 },
      {
        label: "throwing toString/toPrimitive",
        make: () => ({
          toString: () => {
            throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
          },
          [Symbol.toPrimitive]: () => {
            throw Symbol("no"); // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
          },
        }),
      },
    ),
  );

  it.effect(
    "RcuMap.make(options) works or fails with a coded error; hostile keys and lookups release every value once",
    () =>
      Effect.promise(async () => {
        const options = hostileOptions({
          lookup: fc.constant("ledger"),
          idleTimeToLive: durations,
          capacity: fc.integer({ min: 1, max: 3 }),
        });
        await fc.assert(
          fc.asyncProperty(
            options,
            fc.array(
              fc.record({ key: fc.oneof(keys, either(fc.integer({ min: 0, max: 2 }))), o: outcome, set: fc.boolean() }),
              {
                maxLength: 6,
              },
            ),
            async (opts, steps) => {
              const lines: string[] = [];
              const ledger = new Ledger();
              const escaped = await noEscapes(async () => {
                const exit = await runManual(
                  Effect.gen(function* () {
                    const made = opts.make();
                    let outcomes: Outcome[] = [];
                    let options: unknown = made;
                    let ledgerLookup = false;
                    try {
                      if (
                        made !== null &&
                        typeof made === "object" &&
                        (made as { lookup?: unknown }).lookup === "ledger"
                      ) {
                        options = { ...made, lookup: () => ledger.acquire(outcomes.shift() ?? { k: "ok" }) };
                        ledgerLookup = true;
                      }
                    } catch {
                      // a revoked proxy or a throwing getter: pass it as it is
                    }
                    const mapScope = yield* Scope.make();
                    const map = yield* Effect.exit(
                      RcuMap.make(
                        options as RcuMap.MakeOptions<unknown, number, unknown, Scope.Scope> & { capacity: number },
                      ).pipe(Scope.provide(mapScope)),
                    );
                    expectCleanExit(map);
                    if (Exit.isSuccess(map)) {
                      const readers = yield* Scope.make();
                      for (const s of steps) {
                        const key = s.key.make();
                        outcomes = [s.o];
                        const done: Exit.Exit<unknown, unknown> = s.set
                          ? yield* Effect.exit(RcuMap.set(map.value, key, ledger.acquire(s.o)))
                          : yield* Effect.exit(RcuMap.get(map.value, key).pipe(Scope.provide(readers)));
                        // a capacity error is a typed failure of its own (Cause.ExceededCapacityError)
                        if (Exit.isFailure(done)) {
                          for (const r of done.cause.reasons) {
                            if (Cause.isFailReason(r) && isCapacityError(r.error)) continue;
                            // a key that cannot be hashed is refused with a coded defect, as other misuse of the map
                            const badKey = (d: unknown) => coded(d) && (d as RcuError).code === "INVALID_OPTION";
                            // a hostile lookup that throws: its own value, re-raised as a die
                            const ownThrow = (d: unknown) => !ledgerLookup && !(d instanceof TypeError);
                            expectCleanExit(
                              Exit.failCause(Cause.fromReasons([r])),
                              (d) => userValue(s.o)(d) || badKey(d) || ownThrow(d),
                              true,
                            );
                          }
                        }
                        yield* RcuManual.advance;
                      }
                      yield* Scope.close(readers, Exit.void);
                    }
                    yield* Scope.close(mapScope, Exit.void);
                    yield* RcuManual.advance;
                  }),
                  lines,
                );
                expectNoTimeout(exit);
                expectCleanExit(exit);
              });
              expect(escaped).toEqual([]);
              ledger.expectEachReleasedOnce();
            },
          ),
          { numRuns: RUNS },
        );
      }),
  );
});
