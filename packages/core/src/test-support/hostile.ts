/* eslint-disable @typescript-eslint/only-throw-error -- throwing values that are not Errors is the point here */
/**
 * Hostile values for the adversarial (fuzz) suite: what a careless or malicious caller can hand to a public
 * call or throw from a callback. Objects are made fresh per run (`make()`), so a test can mutate them.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { describeValue } from "../describe-value.js";

/** A marker value thrown by user callbacks: a test can tell the user's own throw from a library error. */
export const USER_THROW = Symbol("user throw");

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function throwingGetters(): object {
  const thrower = (): never => {
    throw Object.create(null) as object;
  };
  return new Proxy(
    {},
    { get: thrower, has: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower, getPrototypeOf: thrower },
  );
}

/** Thenables of every shape (none that never settles: those are bounded by the settle timeout, tested apart). */
export const thenableMakers: ReadonlyArray<() => unknown> = [
  () => Promise.resolve(),
  // (no rejected Promise made up front: unused, it would be the test's own unhandled rejection)
  () => ({ then: (_ok: () => void, fail: (e: unknown) => void) => setImmediate(() => fail(Object.create(null))) }),
  () => ({ then: (ok: () => void) => ok() }),
  () => ({ then: (_ok: () => void, fail: (e: unknown) => void) => fail(Symbol("why")) }),
  () => ({
    then: (ok: () => void, fail: (e: unknown) => void) => {
      ok();
      fail(1);
      ok();
    },
  }),
  () => ({
    then: (ok: () => void, fail: (e: unknown) => void) => {
      fail(revokedProxy());
      ok();
    },
  }),
  () => ({
    then: () => {
      throw Object.create(null) as object;
    },
  }),
  () => ({
    then: (ok: () => void) => {
      ok();
      throw new Error("after settling");
    },
  }),
  () =>
    Object.defineProperty({}, "then", {
      get: () => {
        throw revokedProxy();
      },
    }),
  () => ({ then: (ok: () => void) => queueMicrotask(ok) }),
  () => ({ then: 42 }),
  () => Object.assign(() => {}, { then: (ok: () => void) => ok() }),
];

/** Plain hostile values (primitives and odd objects). */
export const valueMakers: ReadonlyArray<() => unknown> = [
  () => undefined,
  () => null,
  () => 0,
  () => -1,
  () => 0.5,
  () => NaN,
  () => Infinity,
  () => -Infinity,
  () => 2 ** 31,
  () => 2 ** 53,
  () => 1e10,
  () => -0,
  () => 1n,
  () => -(2n ** 70n),
  () => Symbol("hostile"),
  () => "",
  () => "42",
  () => "__proto__",
  () => true,
  () => Object.create(null) as object,
  revokedProxy,
  throwingGetters,
  () => [],
  () => ({}),
  () => ({
    __proto__: null,
    toString: () => {
      throw new Error("toString");
    },
  }),
  () => ({
    get message() {
      throw new Error("message getter");
    },
  }),
  () => new Error("plain"),
  () => Object.assign(new Error("odd"), { name: Symbol("name") }),
  () => () => {},
  () => () => {
    throw Object.create(null) as object;
  },
  () => new AbortController().signal,
  () => AbortSignal.abort(Object.create(null)),
];

/**
 * A hostile value, made when the property runs. fast-check inspects generated values (`in` checks, printing):
 * a revoked proxy would break fast-check itself, so properties receive this box and call `make()`.
 */
export interface Hostile {
  readonly label: string;
  make(): unknown;
}

function box(label: string, make: () => unknown): Hostile {
  return { label, make, [fc.toStringMethod]: () => label } as Hostile;
}

const labelled = (makers: ReadonlyArray<() => unknown>, kind: string): fc.Arbitrary<Hostile> =>
  fc.integer({ min: 0, max: makers.length - 1 }).map((i) => box(`${kind}#${i}`, makers[i]!));

/** Any hostile value. */
export const hostile: fc.Arbitrary<Hostile> = fc.noShrink(
  fc.oneof(
    { weight: 3, arbitrary: labelled(valueMakers, "value") },
    { weight: 1, arbitrary: labelled(thenableMakers, "thenable") },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.integer(), fc.double(), fc.bigInt(), fc.string())
        .map((v) => box(fc.stringify(v), () => v)),
    },
  ),
);

/** What a user callback does: return a hostile value (maybe a thenable) or throw one. `value` is made once. */
export interface Behaviour {
  readonly throws: boolean;
  readonly value: unknown;
}

export const callbackBehaviour: fc.Arbitrary<Behaviour> = fc
  .record({ throws: fc.boolean(), h: hostile })
  .map(({ throws, h }) => {
    let made: { v: unknown } | undefined;
    return {
      throws,
      get value() {
        made ??= { v: h.make() };
        return made.v;
      },
      [fc.toStringMethod]: () => `${throws ? "throws" : "returns"} ${h.label}`,
    } as Behaviour;
  });

/** A callback acting out `b`. */
export function act(b: Behaviour): () => unknown {
  return () => {
    if (b.throws) throw b.value;
    return b.value;
  };
}

/** A hostile value or a sane one, made at run time. */
export function either(sane: fc.Arbitrary<unknown>): fc.Arbitrary<Hostile> {
  return fc.oneof(
    sane.map((v) => box(fc.stringify(v), () => v)),
    hostile,
  );
}

/** An options object (made at run time): known keys with hostile or sane values, maybe a misspelt key. */
export function hostileOptions(known: Readonly<Record<string, fc.Arbitrary<unknown>>>): fc.Arbitrary<Hostile> {
  const record = fc.record(Object.fromEntries(Object.entries(known).map(([k, sane]) => [k, either(sane)])), {
    requiredKeys: [],
  });
  type Made = Partial<Record<string, Hostile>>;
  const build = (r: Made): Record<string, unknown> =>
    Object.fromEntries(Object.entries(r).map(([k, h]) => [k, h!.make()]));
  const label = (r: Made): string =>
    `{ ${Object.entries(r)
      .map(([k, h]) => `${k}: ${h!.label}`)
      .join(", ")} }`;
  return fc.oneof(
    { weight: 4, arbitrary: record.map((r) => box(label(r), () => build(r))) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(record, fc.constantFrom("flavour", "maxx", "signl", "__proto__", "constructor"))
        .map(([r, k]) =>
          box(`${label(r)} + ${k}`, () => Object.defineProperty(build(r), k, { value: 1, enumerable: true })),
        ),
    },
    { weight: 1, arbitrary: hostile },
  );
}

/** Collects uncaught exceptions and unhandled rejections while `run` runs (and a macrotask after it). */
export async function noEscapes(run: () => Promise<void>): Promise<unknown[]> {
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => {
    escaped.push(err);
  };
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
  }
  return escaped;
}

/** Lets microtasks (and thenables that settle in one) run. */
export function microtasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Pins fast-check's seed for every property of the calling test file and prints it, so that a run that fails
 * or stalls (a timeout prints no seed) can be replayed: `RCU_FC_SEED=<seed> pnpm exec vitest run <file>`.
 * Without `RCU_FC_SEED` each run draws a fresh seed, as fast-check does by default.
 */
export function pinFuzzSeed(file: string): number {
  const fromEnv = Number(process.env.RCU_FC_SEED);
  const seed = Number.isInteger(fromEnv) ? fromEnv : Math.floor(Math.random() * 0x7fffffff);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
  console.info(`[${file}] fast-check seed ${seed} (replay: RCU_FC_SEED=${seed})`);
  return seed;
}

/**
 * Runs `fn` and returns what it returns. If it throws, the thrown value must be a coded library error
 * (`isCoded`) unless `allowed` accepts it (the user's own throw, an abort reason); either way it returns
 * `undefined`.
 */
export function settlesCleanly(
  fn: () => unknown,
  isCoded: (err: unknown) => boolean,
  allowed: (err: unknown) => boolean = () => false,
): unknown {
  try {
    return fn();
  } catch (err) {
    if (!allowed(err)) expect(isCoded(err), `threw ${describeValue(err)}`).toBe(true);
    return undefined;
  }
}
