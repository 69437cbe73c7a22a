/**
 * The adversarial suite of `@rcu/pool`: one fast-check property per public entry point, fed hostile values
 * (non-Error throws, revoked proxies, thenables of every shape from `destroy`, throwing getters, huge/negative/
 * fractional numbers, `null`, symbols, bigints, forged handles). Each asserts that the call works or fails with
 * a coded `PoolError`/`RcuError`; that nothing escapes as an uncaught exception or unhandled rejection; that a
 * pool never owns more than `max` objects nor lends one object twice; and that `drain()`/`close()` resolve.
 * The hostile values are `@rcu/core`'s (one definition for the whole repository).
 */
import { describeValue, isRcuError } from "@rcu/core";
import { createSharedDomain } from "@rcu/core/shared";
import { createManualDomain, type ManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  act,
  callbackBehaviour,
  either,
  hostile,
  hostileOptions,
  microtasks,
  noEscapes,
  pinFuzzSeed,
  settlesCleanly,
  type Behaviour,
  type Hostile,
} from "../../core/src/test-support/hostile.js";
import { createPool } from "./object-pool/create-pool.js";
import { attachStructPool, createStructPool } from "./struct-pool/create-struct-pool.js";
import type { Lease } from "./object-pool/lease.js";
import { isPoolError } from "./pool-error.js";

const RUNS = 1000;
pinFuzzSeed("pool hostile.fuzz");
const TIMEOUT = 60_000;

const coded = (err: unknown): boolean => isPoolError(err) || isRcuError(err);

async function promiseSettlesCleanly(value: unknown): Promise<unknown> {
  if (!(value instanceof Promise)) return undefined;
  try {
    return await value;
  } catch (err) {
    expect(coded(err), `rejected with ${describeValue(err)}`).toBe(true);
    return undefined;
  }
}

/** Drives a manual domain until `promise` settles; fails if it does not. */
async function settle(domain: ManualDomain, promise: Promise<unknown>, what: string): Promise<void> {
  let done = false;
  const tracked = promise.then(
    () => (done = true),
    (err: unknown) => {
      done = true;
      expect(coded(err), `${what} rejected with ${describeValue(err)}`).toBe(true);
    },
  );
  for (let i = 0; i < 100 && !done; i++) {
    domain.advance();
    await microtasks();
  }
  expect(done, `${what} settled`).toBe(true);
  await tracked;
}

describe("adversarial: createPool", { timeout: TIMEOUT }, () => {
  it("createPool(options) works or throws a coded error; drain() and close() resolve", async () => {
    const options = hostileOptions({
      create: fc.constant(() => ({})),
      reset: fc.constant(() => {}),
      destroy: fc.constant(() => {}),
      max: fc.integer({ min: 1, max: 4 }),
      min: fc.integer({ min: 0, max: 2 }),
      maxFree: fc.integer({ min: 0, max: 4 }),
      typesafe: fc.boolean(),
      strict: fc.boolean(),
      debug: fc.boolean(),
      name: fc.string({ maxLength: 6 }),
      onError: fc.constant(() => {}),
    });
    await fc.assert(
      fc.asyncProperty(options, async (opts) => {
        const domain = createManualDomain({ onError: () => {}, settleTimeoutMs: 1 });
        const escaped = await noEscapes(async () => {
          let made: unknown = opts.make();
          try {
            if (made !== null && typeof made === "object") made = { ...made, domain };
          } catch {
            // a revoked proxy: pass it as it is
          }
          const pool = settlesCleanly(() => createPool(made as never), coded) as
            ReturnType<typeof createPool> | undefined;
          if (pool !== undefined) {
            const lease = settlesCleanly(() => pool.acquire(), coded) as Lease<object> | undefined;
            settlesCleanly(() => lease?.release(), coded);
            await settle(domain, pool.drain(), "drain()");
          }
          await settle(domain, domain.close(), "close()");
        });
        expect(escaped).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  type Cmd =
    | { readonly k: "acquire" | "tryAcquire" | "advance" }
    | { readonly k: "acquireAsync"; readonly options: Hostile }
    | { readonly k: "release"; readonly which: number; readonly twice: boolean };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Cmd>({ k: "acquire" }, { k: "tryAcquire" }, { k: "advance" }) },
    fc.record({
      k: fc.constant("acquireAsync" as const),
      options: fc.oneof(hostile, fc.constant<Hostile>({ label: "none", make: () => undefined })),
    }),
    { weight: 2, arbitrary: fc.record({ k: fc.constant("release" as const), which: fc.nat(8), twice: fc.boolean() }) },
  );

  it("under hostile create/reset/destroy a pool never owns more than max nor lends an object twice; drain and close resolve", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { maxLength: 30 }),
        fc.record({
          max: fc.integer({ min: 1, max: 3 }),
          typesafe: fc.boolean(),
          strict: fc.boolean(),
          create: fc.array(fc.oneof(fc.constant(undefined), fc.constant("reenter" as const), callbackBehaviour), {
            minLength: 1,
            maxLength: 3,
          }),
          reset: fc.array(fc.oneof(fc.constant(undefined), callbackBehaviour), { minLength: 1, maxLength: 3 }),
          destroy: fc.array(callbackBehaviour, { minLength: 1, maxLength: 3 }),
        }),
        async (cmds, cfg) => {
          const domain = createManualDomain({ onError: () => {}, settleTimeoutMs: 1 });
          const reported: unknown[] = [];
          let c = 0;
          let r = 0;
          let d = 0;
          const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
          const destroyed = new Set<object>();
          const escaped = await noEscapes(async () => {
            const pool = createPool<object>({
              domain,
              max: cfg.max,
              typesafe: cfg.typesafe,
              strict: cfg.strict,
              onError: (err) => reported.push(err),
              create: () => {
                const b = pick(cfg.create, c++);
                if (b === "reenter") expect(settlesCleanly(() => pool.acquire(), coded)).toBeUndefined();
                else if (b !== undefined && b.throws) throw b.value;
                return {};
              },
              reset: () => {
                const b = pick(cfg.reset, r++);
                if (b?.throws === true) throw b.value;
              },
              destroy: (value) => {
                expect(destroyed.has(value), "an object destroyed twice").toBe(false);
                destroyed.add(value);
                return act(pick(cfg.destroy, d++))() as void;
              },
            });
            const live: Array<Lease<object>> = [];
            const released: Array<Lease<object>> = [];
            const check = (): void => {
              const stats = pool.stats();
              expect(stats.owned).toBeLessThanOrEqual(cfg.max);
              const values = live.map((l) => l.value);
              expect(new Set(values).size, "one object lent twice").toBe(values.length);
            };
            const lend = (lease: unknown): void => {
              if (lease !== undefined) live.push(lease as Lease<object>);
            };
            const asyncAcquires: Array<Promise<unknown>> = [];
            for (const step of cmds) {
              if (step.k === "acquire") lend(settlesCleanly(() => pool.acquire(), coded));
              else if (step.k === "tryAcquire") lend(settlesCleanly(() => pool.tryAcquire(), coded));
              else if (step.k === "advance") domain.advance();
              else if (step.k === "acquireAsync") {
                asyncAcquires.push(promiseSettlesCleanly(pool.acquireAsync(step.options.make() as never)).then(lend));
              } else if (step.k === "release") {
                const lease = live.splice(step.which % Math.max(1, live.length), 1)[0];
                if (lease !== undefined) {
                  expect(lease.release()).toBe(true);
                  released.push(lease);
                  if (step.twice) settlesCleanly(() => expect(lease.release()).toBe(false), coded);
                }
              }
              await microtasks();
              check();
            }
            for (const lease of live.splice(0)) lease.release();
            await settle(domain, pool.drain(), "drain()");
            await Promise.all(asyncAcquires);
            for (const lease of live.splice(0)) lease.release(); // lent to a waiter before the drain
            const stats = pool.stats();
            expect(stats.owned, "every object the pool made was destroyed once").toBe(0);
            expect(destroyed.size).toBe(stats.created);
            await settle(domain, domain.close(), "close()");
          });
          expect(escaped).toEqual([]);
          for (const err of reported) expect(isPoolError(err), describeValue(err)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: struct pools", { timeout: TIMEOUT }, () => {
  it("createStructPool(options) and attachStructPool(forged handle) work or throw a coded error", async () => {
    const shared = createSharedDomain({ maxThreads: 2 });
    const real = createStructPool({ domain: shared, layout: { x: "f64" }, capacity: 2 });
    const options = hostileOptions({
      layout: fc.constantFrom({ x: "f64" }, { a: "u8", b: "i32" }, {}, { x: "f128" }),
      capacity: fc.integer({ min: -1, max: 4 }),
      typesafe: fc.boolean(),
      strict: fc.boolean(),
      freeList: fc.constantFrom("lock", "tagged", "other"),
    });
    const forged: fc.Arbitrary<Hostile> = fc.oneof(
      hostile,
      fc
        .record({
          capacity: either(fc.integer({ min: 0, max: 3 })),
          layout: either(fc.constant({ x: "f64" })),
          typesafe: either(fc.boolean()),
          freeList: either(fc.constant("lock")),
        })
        .map((r): Hostile => ({
          label: "forged struct handle",
          make: () => ({
            ...real.handle,
            capacity: r.capacity.make(),
            layout: r.layout.make(),
            typesafe: r.typesafe.make(),
            freeList: r.freeList.make(),
          }),
        })),
    );
    try {
      await fc.assert(
        fc.asyncProperty(options, forged, async (opts, handle) => {
          const escaped = await noEscapes(async () => {
            let made: unknown = opts.make();
            try {
              if (made !== null && typeof made === "object") made = { ...made, domain: shared };
            } catch {
              // a revoked proxy: pass it as it is
            }
            settlesCleanly(() => createStructPool(made as never), coded);
            const attached = settlesCleanly(() => attachStructPool(handle.make() as never, shared), coded) as
              typeof real | undefined;
            if (attached !== undefined) expect(attached.capacity).toBe(real.capacity);
          });
          expect(escaped).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    } finally {
      await shared.close();
      shared.detach();
    }
  });

  type Call = (
    pool: ReturnType<typeof createStructPool<{ readonly x: "f64" }>>,
    value: unknown,
    b: Behaviour,
  ) => unknown;
  const calls: Array<[string, Call]> = [
    ["release", (p, v) => p.release(v as number)],
    ["get", (p, v) => p.get(v as number, "x")],
    ["set", (p, v) => p.set(v as number, "x", 7)],
    ["isLive", (p, v) => p.isLive(v as number)],
    ["indexOf", (p, v) => p.indexOf(v as number)],
    ["generationOf", (p, v) => p.generationOf(v as number)],
    ["field", (p, v) => p.field(v as "x")],
    ["reclaim", (p, v) => p.reclaim(v as number)],
    ["acquireAsync", (p, v) => p.acquireAsync(v as never)],
    ["watch", (p, v) => p.watch(v as never)],
  ];

  it.each(calls)(
    "%s with a hostile or forged handle works or fails with a coded error, and never touches another record",
    async (_name, call) => {
      const shared = createSharedDomain({ maxThreads: 1 });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              hostile,
              fc.integer({ min: -2, max: 2 ** 23 }).map((n): Hostile => ({ label: String(n), make: () => n })),
            ),
            callbackBehaviour,
            fc.boolean(),
            async (h, b, offset) => {
              const pool = createStructPool({ domain: shared, layout: { x: "f64" }, capacity: 2 });
              const mine = pool.acquire();
              pool.set(mine, "x", 42);
              const escaped = await noEscapes(async () => {
                const value = h.make();
                const forged = offset && typeof value === "number" ? mine + value / 2 ** 24 : value;
                const result = settlesCleanly(() => call(pool, forged, b), coded);
                const lent = await promiseSettlesCleanly(result);
                if (typeof lent === "number" && lent !== mine) pool.release(lent);
                if (forged !== mine) {
                  expect(pool.isLive(mine)).toBe(true);
                  expect(pool.get(mine, "x")).toBe(42);
                }
              });
              expect(escaped).toEqual([]);
            },
          ),
          { numRuns: RUNS },
        );
      } finally {
        await shared.close();
        shared.detach();
      }
    },
  );
});
