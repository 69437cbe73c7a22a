/**
 * The adversarial suite of `@rcu/map`: fast-check properties over its public API fed hostile values (non-Error
 * throws, revoked proxies, throwing getters, thenables, huge/negative/fractional numbers, `null`, symbols, bigints,
 * forged handles). `createSharedMap` and `attachSharedMap` must work or throw a coded `RcuError`; and a model-based
 * property drives random command sequences (writes, reads, hostile `update`/`forEach` callbacks that throw, return
 * junk or re-enter the map, growth past `capacity`, grace periods held and let go) against a plain `Map`: a refused
 * call changes nothing, size, contents and `stats()` always match the model, nothing escapes as an uncaught
 * exception or unhandled rejection, and the map keeps working afterwards. The hostile values are `@rcu/core`'s.
 * Real shared domains drive the grace periods (no mocks).
 */
import { describeValue, isRcuError } from "@rcu/core";
import { createSharedDomain, type SharedDomain } from "@rcu/core/shared";
import type { ReadGuard } from "@rcu/core";
import type { StructLayout } from "@rcu/pool";
import fc from "fast-check";
import { threadId as thisThread } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import {
  act,
  callbackBehaviour,
  either,
  hostile,
  hostileOptions,
  noEscapes,
  pinFuzzSeed,
  settlesCleanly,
  type Behaviour,
  type Hostile,
} from "../../core/src/test-support/hostile.js";
import { attachSharedMap, createSharedMap } from "./create-shared-map.js";
import type { KeySpec } from "./map-keys.js";
import type { SharedMap, SharedMapHandle } from "./shared-map.js";

pinFuzzSeed("map hostile.fuzz");
const TIMEOUT = 120_000;

const coded = (err: unknown): boolean => isRcuError(err);
const codeOf = (err: unknown): string | undefined => (isRcuError(err) ? err.code : undefined);

/** Runs `fn`; returns `{ ok, value }` or `{ ok: false, err }` (the caller asserts what the error may be). */
function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; err: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, err };
  }
}

const domains: SharedDomain[] = [];
function sharedDomain(maxThreads = 2): SharedDomain {
  const d = createSharedDomain({ maxThreads });
  domains.push(d);
  return d;
}
afterAll(async () => {
  for (const d of domains.splice(0)) await d.close();
});

/** A run-time value named by a label (fast-check prints the label; buffers and domains are not printed). */
const named = (label: string, make: () => unknown): Hostile =>
  ({ label, make, [fc.toStringMethod]: () => label }) as Hostile;

/** Copies a made options object through `replace` (sentinel strings → real domains), unless it cannot be read. */
function withSentinels(made: unknown, replace: (key: string, value: unknown) => unknown): unknown {
  try {
    if (made === null || typeof made !== "object") return made;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(made)) out[k] = replace(k, v);
    return out;
  } catch {
    return made; // a revoked proxy or a throwing getter: pass it as it is
  }
}

const DOMAIN = "<the shared domain>";
const OTHER_DOMAIN = "<a shared domain with maxThreads 3>";

const layouts: ReadonlyArray<Record<string, string>> = [
  { v: "u32" },
  { port: "u16", weight: "f64", hits: "i8" },
  { f: "f32" },
  {},
  { x: "f128" },
  Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`f${i}`, "u8"])),
  Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, "u8"])),
];
const keySpecs: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("u32", "f64", "u64", "string"),
  fc.record({ type: fc.constant("string"), maxBytes: fc.oneof(fc.integer({ min: -1, max: 40 }), fc.constant(4096)) }),
  fc.record({ type: fc.constant("string"), maxBytes: fc.constantFrom(4097, 1.5, NaN) }),
);
const counts = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -1, max: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 20, 2 ** 21, 2 ** 21 + 1, 1.5) },
);

describe("adversarial: createSharedMap and attachSharedMap", { timeout: TIMEOUT }, () => {
  it("createSharedMap(hostile options) works or throws a coded error; a map it makes works", async () => {
    const domain = sharedDomain();
    const other = sharedDomain(3);
    const options = hostileOptions({
      domain: fc.constantFrom(DOMAIN, DOMAIN, DOMAIN, OTHER_DOMAIN, "<not a domain>"),
      key: keySpecs,
      value: fc.constantFrom(...layouts),
      capacity: counts,
      maxCapacity: counts,
    });
    await fc.assert(
      fc.asyncProperty(options, async (opts) => {
        const escaped = await noEscapes(async () => {
          const made = withSentinels(opts.make(), (k, v) =>
            k === "domain" && v === DOMAIN ? domain : k === "domain" && v === OTHER_DOMAIN ? other : v,
          );
          const map = settlesCleanly(() => createSharedMap(made as never), coded) as
            SharedMap<KeySpec, StructLayout> | undefined;
          if (map === undefined) return;
          // What it made works: one write of zeros for every field under a key of its type, read back.
          const key = map.handle.key === "u32" || map.handle.key === "f64" ? 7 : "k";
          const zeros = Object.fromEntries(Object.keys(map.handle.value).map((f) => [f, 0]));
          map.set(key, zeros);
          expect(map.size).toBe(1);
          expect(map.domain.read(() => map.values(map.lookup(key as never)!))).toEqual(zeros);
          const view = attachSharedMap(structuredClone(map.handle), map.domain);
          expect(map.domain.read(() => view.has(key as never))).toBe(true);
          expect(view.delete(key as never)).toBe(true);
          const s = map.stats();
          expect(s.size).toBe(0);
          expect(s.records).toBe(s.size + s.pendingRecords);
        });
        expect(escaped).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("attachSharedMap(forged handle, hostile domain) works or throws a coded error, never misreads a buffer", async () => {
    const domain = sharedDomain();
    const sameThreads = sharedDomain(2);
    const other = sharedDomain(3);
    const value = { port: "u16", weight: "f64" } as const;
    type Maps = Record<"a" | "twin" | "str" | "big", SharedMap<KeySpec, StructLayout>>;
    const buffers = [
      "a.index",
      "a.records",
      "twin.index",
      "twin.records",
      "str.index",
      "str.records",
      "big.index",
      "big.records",
      "small",
      "empty",
      "growable",
    ] as const;
    const buffer = (maps: Maps, name: (typeof buffers)[number]): unknown => {
      if (name === "small") return new SharedArrayBuffer(256);
      if (name === "empty") return new SharedArrayBuffer(0);
      if (name === "growable") return new SharedArrayBuffer(4096, { maxByteLength: 1 << 20 });
      const [map, part] = name.split(".") as [keyof Maps, "index" | "records"];
      return maps[map].handle[part];
    };
    const forged = fc.record({
      index: either(fc.constantFrom(...buffers)),
      records: either(fc.constantFrom(...buffers)),
      pending: either(fc.constantFrom("a", "twin", "str", "big")),
      key: either(fc.constantFrom("u32", "f64", { type: "string", maxBytes: 8 })),
      value: either(
        fc.constantFrom(value, { port: "u16" }, { weight: "f64", port: "u16" }, { port: "u32", weight: "f64" }),
      ),
    });
    const handles = fc.oneof(
      { weight: 1, arbitrary: hostile.map((h) => ({ forged: undefined, h })) },
      { weight: 6, arbitrary: forged.map((f) => ({ forged: f, h: undefined })) },
    );
    const domains = either(fc.constantFrom(DOMAIN, DOMAIN, DOMAIN, "<same maxThreads>", OTHER_DOMAIN));
    await fc.assert(
      fc.asyncProperty(handles, domains, async ({ forged: f, h }, d) => {
        const maps: Maps = {
          a: createSharedMap({ domain, key: "u32", value, capacity: 4, maxCapacity: 64 }),
          twin: createSharedMap({ domain, key: "u32", value, capacity: 4, maxCapacity: 64 }),
          str: createSharedMap({ domain, key: { type: "string", maxBytes: 8 }, value, capacity: 4, maxCapacity: 64 }),
          big: createSharedMap({ domain, key: "u32", value, capacity: 4, maxCapacity: 2000 }),
        };
        for (let k = 0; k < 20; k++) {
          maps.a.set(k, { port: k, weight: k / 2 });
          maps.twin.set(k + 100, { port: k + 100, weight: 0 });
          maps.big.set(k + 200, { port: k + 200, weight: 1 });
          maps.str.set(`s${k}`, { port: k, weight: 2 });
        }
        const escaped = await noEscapes(async () => {
          const pick = (x: Hostile): unknown => {
            const v = x.make();
            return typeof v === "string" && (buffers as readonly string[]).includes(v)
              ? buffer(maps, v as (typeof buffers)[number])
              : v;
          };
          let handle: unknown;
          if (f === undefined) handle = h.make();
          else {
            const p = f.pending.make();
            handle = {
              index: pick(f.index),
              records: pick(f.records),
              pending: typeof p === "string" && Object.hasOwn(maps, p) ? maps[p as keyof Maps].handle.pending : p,
              key: f.key.make(),
              value: f.value.make(),
            };
          }
          const dv = d.make();
          const dom =
            dv === DOMAIN ? domain : dv === OTHER_DOMAIN ? other : dv === "<same maxThreads>" ? sameThreads : dv;
          const view = settlesCleanly(() => attachSharedMap(handle as SharedMapHandle, dom as never), coded) as
            SharedMap<KeySpec, StructLayout> | undefined;
          if (view === undefined) return;
          // Attached: it reads and writes some map's records as that map's, with coded errors only, never a hang.
          const key = view.handle.key === "u32" || view.handle.key === "f64" ? 3 : "s3";
          view.domain.read(() => {
            const found = settlesCleanly(() => view.lookup(key), coded) as number | undefined;
            if (found !== undefined) settlesCleanly(() => view.values(found), coded);
            settlesCleanly(() => view.forEach(() => {}), coded);
          });
          settlesCleanly(() => view.set(key, { port: 9, weight: 9 }), coded);
          settlesCleanly(() => view.delete(key), coded);
          settlesCleanly(() => view.stats(), coded);
        });
        expect(escaped).toEqual([]);
        // The real maps are only changed by writes through a view of their own buffers.
        expect(maps.str.size).toBe(20);
        expect(domain.read(() => maps.str.get(maps.str.lookup("s7")!, "port"))).toBe(7);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- the model-based property ------------------------------------------------------------------------------

type Kind = "u32" | "f64" | "string";
type Layout = Readonly<Record<string, "u32" | "u16" | "i8" | "f32" | "f64">>;
const MAX_BYTES = 8;
const modelLayouts: readonly Layout[] = [{ v: "u32" }, { port: "u16", weight: "f64", hits: "i8" }, { f: "f32" }];
const ARRAYS = { u32: Uint32Array, u16: Uint16Array, i8: Int8Array, f32: Float32Array, f64: Float64Array };
/** What a field of `type` stores for `x` (`u16` wraps, `f32` rounds), as the record's typed view does. */
const stored = (type: keyof typeof ARRAYS, x: number): number => new ARRAYS[type]([x])[0]!;

const saneKeys: Record<Kind, readonly unknown[]> = {
  u32: [0, 1, 2, 3, 7, 2 ** 31, 0xffffffff, -0],
  f64: [0, -0, NaN, 1.5, -1, Infinity, -Infinity, 2 ** 53, 5e-324],
  string: ["", "a", "b", "é", "日本", "😀", "12345678", "123456789", "\ud800", "a\udc00"],
};
const wellFormed = (s: string): boolean =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
/** Whether `key` is a key of a map of `kind`: for writes strings must also fit `maxBytes` in UTF-8. */
function validKey(kind: Kind, key: unknown, write: boolean): boolean {
  if (kind === "u32") return typeof key === "number" && key >>> 0 === key;
  if (kind === "f64") return typeof key === "number";
  return typeof key === "string" && (!write || (wellFormed(key) && Buffer.byteLength(key) <= MAX_BYTES));
}
const keyArb: fc.Arbitrary<{ readonly i: number; readonly h: Hostile }> = fc.record({
  i: fc.nat(),
  h: fc.oneof({ weight: 1, arbitrary: hostile }, { weight: 5, arbitrary: fc.constant(named("sane", () => undefined)) }),
});
/** The key a command names: a sane key of the map's kind (picked by `i`) or a hostile value. */
const keyFor = (kind: Kind, k: { readonly i: number; readonly h: Hostile }): unknown =>
  k.h.label === "sane" ? saneKeys[kind][k.i % saneKeys[kind].length] : k.h.make();

/** A values object made at run time, and whether the map must accept it. */
interface MadeValues {
  readonly values: unknown;
  readonly valid: boolean;
}
type ValuesGen = (layout: Layout) => MadeValues;
const numbers = fc.oneof(
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, 1e300, 2 ** 32 + 5, 0.5),
);
const valuesArb: fc.Arbitrary<ValuesGen & { readonly label: string }> = fc
  .tuple(
    fc.array(numbers, { minLength: 3, maxLength: 3 }),
    fc.constantFrom(
      "plain",
      "plain",
      "proxy",
      "null-proto",
      "getter",
      "extra",
      "missing",
      "inherited",
      "wrong-type",
      "hostile",
      "hostile",
      "hostile",
    ),
    hostile,
  )
  .map(([xs, shape, h]) => {
    const gen = (layout: Layout): MadeValues => {
      const names = Object.keys(layout);
      const base: Record<string, unknown> = Object.fromEntries(names.map((n, i) => [n, xs[i]]));
      switch (shape) {
        case "plain":
          return { values: base, valid: true };
        case "proxy":
          return { values: new Proxy(base, {}), valid: true };
        case "null-proto":
          return { values: Object.assign(Object.create(null) as object, base), valid: true };
        case "getter":
          return {
            values: Object.defineProperty({ ...base }, names[0]!, { get: () => xs[0], enumerable: true }),
            valid: true,
          };
        case "extra":
          return { values: { ...base, extra: 1 }, valid: false };
        case "missing":
          delete base[names[0]!];
          return { values: base, valid: false };
        case "inherited":
          return { values: Object.create(base) as object, valid: false };
        case "wrong-type": {
          const v = h.make();
          return { values: { ...base, [names[0]!]: v }, valid: typeof v === "number" };
        }
        default:
          return { values: h.make(), valid: false };
      }
    };
    return Object.assign(gen, {
      label: `${shape} [${xs.join(", ")}] ${h.label}`,
      [fc.toStringMethod]: () => `${shape} ${h.label}`,
    });
  });

/** What `update`'s callback does. */
type UpdateFn =
  | { readonly k: "values"; readonly v: ValuesGen }
  | { readonly k: "delete" }
  | { readonly k: "act"; readonly b: Behaviour }
  | {
      readonly k: "reenter";
      readonly view: number;
      readonly other: { readonly i: number; readonly h: Hostile };
      readonly v: ValuesGen;
    };
/** What `forEach`'s callback does. */
type EachFn =
  | { readonly k: "collect" }
  | { readonly k: "act"; readonly b: Behaviour; readonly after: number }
  | {
      readonly k: "write";
      readonly key: { readonly i: number; readonly h: Hostile };
      readonly v: ValuesGen;
      readonly del: boolean;
    };
type Cmd =
  | {
      readonly k: "set";
      readonly view: number;
      readonly key: { readonly i: number; readonly h: Hostile };
      readonly v: ValuesGen;
    }
  | {
      readonly k: "update";
      readonly view: number;
      readonly key: { readonly i: number; readonly h: Hostile };
      readonly fn: UpdateFn | Hostile;
    }
  | { readonly k: "delete"; readonly view: number; readonly key: { readonly i: number; readonly h: Hostile } }
  | {
      readonly k: "read";
      readonly view: number;
      readonly key: { readonly i: number; readonly h: Hostile };
      readonly field: Hostile;
      readonly handle: number;
    }
  | { readonly k: "forEach"; readonly view: number; readonly fn: EachFn | Hostile }
  | { readonly k: "watch"; readonly worker: Hostile }
  | { readonly k: "churn"; readonly key: number; readonly n: number }
  | { readonly k: "bulk"; readonly n: number }
  | { readonly k: "hold" | "let go" | "sync" | "reclaimable" | "stats" };

const view = fc.nat(1);
const updateFnArb: fc.Arbitrary<UpdateFn | Hostile> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("values" as const), v: valuesArb }) },
  fc.constant({ k: "delete" as const }),
  { weight: 2, arbitrary: fc.record({ k: fc.constant("act" as const), b: callbackBehaviour }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("reenter" as const), view, other: keyArb, v: valuesArb }) },
  hostile,
);
const eachFnArb: fc.Arbitrary<EachFn | Hostile> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ k: "collect" as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("act" as const), b: callbackBehaviour, after: fc.nat(3) }) },
  fc.record({ k: fc.constant("write" as const), key: keyArb, v: valuesArb, del: fc.boolean() }),
  hostile,
);
/**
 * A worker for `watch`: hostile, or worker-shaped with hostile parts. Its `once` never calls the listener, or calls
 * it at once for a thread that never attached and is not this one (one that exited before writing: recovery finds
 * nothing of it).
 */
const workerArb: fc.Arbitrary<Hostile> = fc.oneof(
  hostile,
  fc
    .record({
      threadId: either(fc.integer({ min: 1000, max: 2000 })),
      once: fc.constantFrom("never", "at once"),
      onceHostile: fc.option(hostile),
    })
    .map(({ threadId, once, onceHostile }) =>
      named(`{ threadId: ${threadId.label}, once: ${onceHostile?.label ?? once} }`, () => {
        const id = threadId.make();
        return {
          threadId: id,
          once:
            onceHostile?.make() ??
            ((_event: string, listener: () => void) => {
              if (once === "at once" && typeof id === "number" && id >= 1000 && id !== thisThread) listener();
            }),
        };
      }),
    ),
);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant("set" as const), view, key: keyArb, v: valuesArb }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("update" as const), view, key: keyArb, fn: updateFnArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("delete" as const), view, key: keyArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("read" as const),
      view,
      key: keyArb,
      field: either(fc.constantFrom("v", "port", "weight", "hits", "f", "toString", "__proto__")),
      handle: fc.nat(5),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("forEach" as const), view, fn: eachFnArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("churn" as const), key: fc.nat(), n: fc.integer({ min: 1, max: 90 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("bulk" as const), n: fc.constantFrom(5, 70, 800) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("watch" as const), worker: workerArb }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Cmd>(
      { k: "hold" },
      { k: "let go" },
      { k: "sync" },
      { k: "reclaimable" },
      { k: "stats" },
    ),
  },
);
const configArb = fc.record({
  kind: fc.constantFrom<Kind>("u32", "f64", "string"),
  layout: fc.constantFrom(...modelLayouts),
  capacity: fc.integer({ min: 1, max: 4 }),
  grow: fc.constantFrom(0, 3, 60, 1000),
});

type AnyMap = SharedMap<KeySpec, StructLayout>;
/** Whether `a` and `b` are one key of a JS `Map` (SameValueZero). */
const sameKey = (a: unknown, b: unknown): boolean => new Map([[a, 0]]).has(b);

/** One run of the model-based property: `cmds` on a fresh map, checked against a `Map` after every step. */
async function runModel(domain: SharedDomain, cfg: Config, cmds: readonly Cmd[]): Promise<void> {
  const { kind, layout } = cfg;
  const maxCapacity = cfg.capacity + cfg.grow;
  const map = createSharedMap({
    domain,
    key: kind === "string" ? { type: "string", maxBytes: MAX_BYTES } : kind,
    value: layout,
    capacity: cfg.capacity,
    maxCapacity,
  }) as AnyMap;
  // A second view of the same map in this thread (a worker would attach the same way).
  const views: readonly AnyMap[] = [map, attachSharedMap(structuredClone(map.handle), domain)];
  const fields = Object.keys(layout);
  const model = new Map<unknown, Record<string, number>>();
  const toModel = (values: unknown): Record<string, number> =>
    Object.fromEntries(fields.map((f) => [f, stored(layout[f]!, (values as Record<string, number>)[f]!)]));
  const sane = (n: number): Record<string, number> => Object.fromEntries(fields.map((f) => [f, n]));
  let guard: ReadGuard | undefined;
  const waits: Array<Promise<void>> = [];
  const kept: number[] = []; // handles found in earlier sections

  const contents = (v: AnyMap): Map<unknown, Record<string, number>> => {
    const seen = new Map<unknown, Record<string, number>>();
    domain.read(() =>
      v.forEach((h, k) => {
        expect(seen.has(k), `key ${describeValue(k)} visited twice`).toBe(false);
        seen.set(k, v.values(h));
      }),
    );
    return seen;
  };
  const check = (): void => {
    expect(map.size).toBe(model.size);
    const s = map.stats();
    expect(s).toMatchObject({ size: model.size, maxCapacity, resizing: false });
    expect(s.records).toBe(s.size + s.pendingRecords);
    expect(contents(map)).toEqual(model);
  };
  /** A `FULL` is due: a new key at `maxCapacity`, or records still waiting for their grace period. */
  const fullIsDue = (isNew: boolean): void => {
    const s = map.stats();
    expect(
      (isNew && model.size >= maxCapacity) || s.pendingRecords > 0,
      `FULL with ${model.size}/${maxCapacity} keys and ${s.pendingRecords} records waiting`,
    ).toBe(true);
  };
  /** Sets sane values under `keyAt(i)` for i < n, stopping at the first `FULL` (which must be due). */
  const setUntilFull = (n: number, keyAt: (i: number) => unknown): void => {
    for (let i = 0; i < n; i++) {
      const k = keyAt(i);
      const r = attempt(() => map.set(k as never, sane(i) as never));
      if (!r.ok) {
        expect(codeOf(r.err), describeValue(r.err)).toBe("FULL");
        fullIsDue(!model.has(k));
        return;
      }
      model.set(k, toModel(sane(i)));
    }
  };
  /**
   * A write that must succeed (`valid`, unless a due `FULL`) or be refused with `INVALID_OPTION`; `allowed`
   * accepts the user's own throw. Applies `apply` to the model when it succeeded.
   */
  const write = (
    fn: () => unknown,
    valid: () => boolean,
    isNew: boolean,
    apply: () => void,
    allowed: (err: unknown) => boolean = () => false,
  ): void => {
    const r = attempt(fn);
    if (r.ok) {
      expect(valid(), "an invalid write was accepted").toBe(true);
      if (isNew) expect(model.size, "a new key past maxCapacity").toBeLessThan(maxCapacity);
      apply();
    } else if (!allowed(r.err)) {
      expect(coded(r.err), `threw ${describeValue(r.err)}`).toBe(true);
      if (valid()) {
        expect(codeOf(r.err)).toBe("FULL");
        fullIsDue(isNew);
      } else {
        expect(codeOf(r.err)).toBe("INVALID_OPTION");
      }
    }
  };
  const expectCode = (fn: () => unknown, code: string): void => {
    const r = attempt(fn);
    expect(r.ok ? "no error" : (codeOf(r.err) ?? describeValue(r.err))).toBe(code);
  };

  for (const c of cmds) {
    switch (c.k) {
      case "set": {
        const k = keyFor(kind, c.key);
        const made = c.v(layout);
        const valid = validKey(kind, k, true) && made.valid;
        write(
          () => views[c.view]!.set(k as never, made.values as never),
          () => valid,
          valid && !model.has(k),
          () => model.set(k, toModel(made.values)),
        );
        break;
      }
      case "delete": {
        const k = keyFor(kind, c.key);
        const r = attempt(() => views[c.view]!.delete(k as never));
        if (r.ok) {
          expect(validKey(kind, k, false)).toBe(true);
          expect(r.value).toBe(model.has(k));
          model.delete(k);
        } else {
          expect(validKey(kind, k, false)).toBe(false);
          expect(codeOf(r.err)).toBe("INVALID_OPTION");
        }
        break;
      }
      case "update": {
        const v = views[c.view]!;
        const k = keyFor(kind, c.key);
        const keyValid = validKey(kind, k, true);
        const before = model.get(k);
        let calls = 0;
        let threw: { err: unknown } | undefined;
        let returned: unknown;
        let returnedValid = false;
        /** Set just before the callback acts out a hostile behaviour: what it throws then is the user's own. */
        let deliberate = false;
        const failures: unknown[] = [];
        const spec = c.fn;
        const hostileSpec = "make" in spec;
        const hostileFn = hostileSpec ? spec.make() : undefined;
        const body = (current: unknown): unknown => {
          expect(current).toEqual(before);
          const s = spec as UpdateFn;
          if (hostileSpec || s.k === "act") {
            deliberate = true;
            const out = hostileSpec
              ? (hostileFn as (c: unknown) => unknown)(current)
              : act((s as { b: Behaviour }).b)();
            deliberate = false;
            return out;
          }
          if (s.k === "delete") return undefined;
          if (s.k === "reenter") {
            // Writes to this map from its own update callback, through either view: refused, never a deadlock.
            const other = keyFor(kind, s.other);
            for (const w of views) {
              // (FULL when no spare record is left: set allocates its record before it takes the lock)
              const set = attempt(() => w.set(k as never, sane(1) as never));
              expect(set.ok ? "no error" : codeOf(set.err)).toMatch(
                w === v ? /^SELF_DEADLOCK$/ : /^(SELF_DEADLOCK|FULL)$/,
              );
              expectCode(() => w.delete(k as never), "SELF_DEADLOCK");
              expectCode(() => w.update(k as never, () => undefined), "SELF_DEADLOCK");
            }
            if (validKey(kind, other, true)) expectCode(() => v.set(other as never, sane(2)), "SELF_DEADLOCK");
            // Reads are fine, and see the map as it was.
            domain.read(() => {
              for (const w of views) {
                expect(w.has(k as never)).toBe(before !== undefined);
                let n = 0;
                w.forEach(() => n++);
                expect(n).toBe(model.size);
              }
            });
          }
          const made = s.v(layout);
          returnedValid = made.valid;
          return made.values;
        };
        const fn =
          hostileSpec && typeof hostileFn !== "function"
            ? hostileFn
            : (current: unknown): unknown => {
                calls++;
                try {
                  returned = body(current);
                  return returned;
                } catch (err) {
                  if (deliberate) threw = { err };
                  else failures.push(err); // an assertion of this test failed inside the callback
                  throw err;
                }
              };
        write(
          () => v.update(k as never, fn as never),
          () =>
            keyValid && typeof fn === "function" && threw === undefined && (returned === undefined || returnedValid),
          keyValid && before === undefined && returned !== undefined,
          () => (returned === undefined ? model.delete(k) : model.set(k, toModel(returned))),
          (err) => threw !== undefined && Object.is(err, threw.err),
        );
        expect(failures).toEqual([]);
        expect(calls).toBe(keyValid && typeof fn === "function" ? 1 : 0);
        break;
      }
      case "read": {
        const v = views[c.view]!;
        const k = keyFor(kind, c.key);
        const field = c.field.make();
        domain.read(() => {
          const r = attempt(() => v.lookup(k as never));
          if (!r.ok) {
            expect(validKey(kind, k, false)).toBe(false);
            expect(codeOf(r.err)).toBe("INVALID_OPTION");
            expectCode(() => v.has(k as never), "INVALID_OPTION");
            return;
          }
          expect(validKey(kind, k, false)).toBe(true);
          expect(v.has(k as never)).toBe(model.has(k));
          const h = r.value;
          expect(h !== undefined).toBe(model.has(k));
          if (h !== undefined) {
            const want = model.get(k)!;
            expect(v.values(h)).toEqual(want);
            expect(sameKey(v.keyOf(h), k)).toBe(true);
            const got = attempt(() => v.get(h, field as never));
            if (typeof field === "string" && Object.hasOwn(want, field))
              expect(got).toEqual({ ok: true, value: want[field] });
            else expect(got.ok ? "no error" : codeOf(got.err)).toBe("INVALID_OPTION");
            kept.push(h);
          }
          // Forged handles, and handles kept from earlier sections: a number or INVALID_OPTION, never a throw of
          // another kind (their record may have been recycled since).
          const base = h ?? kept[c.handle % Math.max(1, kept.length)] ?? 0;
          const forged = [
            base,
            base + 0.5,
            base + (1 << 22),
            String(base),
            -base - 1,
            2 ** 31 + base,
            base ^ (1 << 21),
          ];
          const bad = forged[c.handle % forged.length];
          const reads: Array<() => unknown> = [
            () => v.get(bad as number, fields[0]!),
            () => v.values(bad as number),
            () => v.keyOf(bad as number),
          ];
          for (const read of reads) {
            const g = attempt(read);
            if (!g.ok) expect(codeOf(g.err), describeValue(g.err)).toBe("INVALID_OPTION");
          }
        });
        break;
      }
      case "forEach": {
        const v = views[c.view]!;
        const spec = c.fn;
        if ("make" in spec) {
          const f = spec.make();
          const r = attempt(() => domain.read(() => v.forEach(f as never)));
          if (typeof f !== "function") expect(r.ok ? "no error" : codeOf(r.err)).toBe("INVALID_OPTION");
          break;
        }
        const pre = new Map(model);
        const visited = new Map<unknown, Record<string, number>>();
        let b: Behaviour | undefined;
        let wrote = false;
        const r = attempt(() =>
          domain.read(() =>
            v.forEach((h, key) => {
              expect(visited.has(key), `key ${describeValue(key)} visited twice`).toBe(false);
              visited.set(key, v.values(h));
              if (spec.k === "act" && visited.size > spec.after) {
                b = spec.b;
                act(spec.b)();
              }
              if (spec.k === "write" && !wrote) {
                // A write from a forEach callback (inside the read section): allowed, and seen or not.
                wrote = true;
                const k = keyFor(kind, spec.key);
                const w = views[1 - c.view]!;
                if (spec.del) {
                  const d = attempt(() => w.delete(k as never));
                  if (d.ok) model.delete(k);
                  else expect(codeOf(d.err)).toBe("INVALID_OPTION");
                } else {
                  const made = spec.v(layout);
                  const valid = validKey(kind, k, true) && made.valid;
                  write(
                    () => w.set(k as never, made.values as never),
                    () => valid,
                    valid && !model.has(k),
                    () => model.set(k, toModel(made.values)),
                  );
                }
              }
            }),
          ),
        );
        if (!r.ok) {
          expect(b?.throws === true && Object.is(r.err, b.value), `forEach threw ${describeValue(r.err)}`).toBe(true);
          break;
        }
        if (spec.k === "act") expect(spec.b.throws && model.size > spec.after).toBe(false);
        // Every key present for the whole call was visited once, with its values of before or after.
        for (const [key, values] of visited) {
          expect(pre.has(key) || model.has(key)).toBe(true);
          const options = [pre.get(key), model.get(key)].filter((x) => x !== undefined);
          expect(options).toContainEqual(values);
        }
        for (const key of pre.keys()) if (model.has(key)) expect(visited.has(key), describeValue(key)).toBe(true);
        break;
      }
      case "churn": {
        // Rewrites one key until every spare record waits for a grace period (FULL) or n writes are done.
        const keys = saneKeys[kind].filter((k) => validKey(kind, k, true));
        const k = keys[c.key % keys.length];
        setUntilFull(c.n, () => k);
        break;
      }
      case "bulk": {
        // New keys, past `capacity` (the record buffer grows) and past a table's load factor (a resize).
        setUntilFull(c.n, (i) => (kind === "u32" ? 1000 + i : kind === "f64" ? 1000.25 + i : `b${i}`));
        break;
      }
      case "watch": {
        // Works or INVALID_OPTION; a hostile `once` may throw its own value (the worker's own throw).
        const worker = c.worker.make() as { once?: unknown } | null;
        const r = attempt(() => views[0]!.watch(worker as never));
        if (!r.ok && !coded(r.err)) {
          let userOnce = false;
          try {
            userOnce = typeof worker?.once === "function";
          } catch {
            // a revoked proxy
          }
          expect(userOnce, `watch threw ${describeValue(r.err)}`).toBe(true);
        }
        break;
      }
      case "hold":
        guard ??= domain.readLock();
        break;
      case "let go":
        guard?.unlock();
        guard = undefined;
        break;
      case "sync":
        guard?.unlock();
        guard = undefined;
        await domain.synchronize();
        await map.reclaimable();
        break;
      case "reclaimable":
        if (guard === undefined) await map.reclaimable();
        else waits.push(map.reclaimable()); // resolves once the guard is let go
        break;
      case "stats": {
        const s = map.stats();
        expect(s.buckets).toBeGreaterThanOrEqual(1024);
        expect(s.bytes).toBeGreaterThan(0);
        expect(s.recovered).toBe(0);
        break;
      }
    }
    check();
  }

  // Afterwards the map works: grace periods end, every key can be rewritten and deleted, a new key added.
  guard?.unlock();
  await domain.synchronize();
  await Promise.all(waits);
  check();
  const retry = async (fn: () => unknown): Promise<void> => {
    for (let i = 0; ; i++) {
      const r = attempt(fn);
      if (r.ok) return;
      expect(codeOf(r.err)).toBe("FULL");
      expect(i).toBeLessThan(5);
      await domain.synchronize();
      await map.reclaimable();
    }
  };
  for (const k of [...model.keys()]) {
    await retry(() => views[1]!.set(k as never, sane(3)));
    model.set(k, toModel(sane(3)));
  }
  check();
  for (const k of [...model.keys()]) {
    expect(map.delete(k as never)).toBe(true);
    model.delete(k);
  }
  const fresh = saneKeys[kind].find((k) => validKey(kind, k, true));
  await retry(() => map.set(fresh as never, sane(4)));
  model.set(fresh, toModel(sane(4)));
  check();
}

type Config = { readonly kind: Kind; readonly layout: Layout; readonly capacity: number; readonly grow: number };

describe("adversarial: a shared map against a Map model", { timeout: TIMEOUT }, () => {
  it("under hostile keys, values and callbacks the map always equals the model; a refused call changes nothing", async () => {
    const domain = sharedDomain();
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(cmdArb, { maxLength: 40, size: "+1" }), async (cfg, cmds) => {
        const escaped = await noEscapes(() => runModel(domain, cfg, cmds));
        expect(escaped).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
