/**
 * Record layouts of `createStructPool`: field types, the typed array each maps to, and where everything lives in
 * the pool's `SharedArrayBuffer`.
 *
 * Storage is a structure of arrays: one typed array per field (`capacity` elements), so field `x` of record `i`
 * is `field('x')[i]` and a hot field scanned by readers shares cache lines only with the same field of
 * neighbouring records. Buffer map (byte offsets, each region 64-byte aligned):
 *
 * | region | contents |
 * |---|---|
 * | control (256 B) | line 0: free-list lock; line 1: free-list head (lock variant); line 2: tagged head (`BigInt64`); line 3: `CLOSED`, `MAGIC`, `CAPACITY`, free-list kind, `typesafe` |
 * | `next[capacity]` | int32 free-list links |
 * | `gen[capacity]` | uint32 generation (odd = lent, even = free or pending) |
 * | `owner[capacity]` | int32 owning thread (threadId + 1, 0 = none) |
 * | one array per field | in layout order |
 */
import { describeValue } from "@rcu/core";
import { PoolError } from "../pool-error.js";

/**
 * The numeric field types of a struct pool record (`f64` = `Float64Array`, `u8` = `Uint8Array`, …).
 *
 * @example
 * const layout = { x: 'f64', y: 'f64', id: 'u32', flags: 'u8' } as const satisfies StructLayout
 * @since 0.1.0
 */
export type FieldType = "f64" | "f32" | "i32" | "u32" | "i16" | "u16" | "i8" | "u8";

/**
 * A record layout: field name → {@link FieldType}.
 *
 * @example
 * createStructPool({ domain, capacity: 1024, layout: { x: 'f64', id: 'u32' } })
 * @since 0.1.0
 */
export type StructLayout = Readonly<Record<string, FieldType>>;

/**
 * The typed array that stores a field of type `T`.
 *
 * @example
 * const xs: FieldArray<'f64'> = pool.field('x') // Float64Array
 * @since 0.1.0
 */
export type FieldArray<T extends FieldType> = T extends "f64"
  ? Float64Array
  : T extends "f32"
    ? Float32Array
    : T extends "i32"
      ? Int32Array
      : T extends "u32"
        ? Uint32Array
        : T extends "i16"
          ? Int16Array
          : T extends "u16"
            ? Uint16Array
            : T extends "i8"
              ? Int8Array
              : Uint8Array;

type AnyFieldArray = FieldArray<FieldType>;

const CTORS: {
  readonly [K in FieldType]: new (buffer: SharedArrayBuffer, offset: number, length: number) => FieldArray<K>;
} = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
};

const BYTES: { readonly [K in FieldType]: number } = { f64: 8, f32: 4, i32: 4, u32: 4, i16: 2, u16: 2, i8: 1, u8: 1 };

/** Int32 words per 64-byte line. */
const LINE = 16;
export const FREE_LOCK = 0;
export const FREE_HEAD = LINE;
/** Byte offset of the tagged head (a `BigInt64Array` of length 1). */
export const TAGGED_HEAD_BYTES = 2 * LINE * 4;
export const CLOSED = 3 * LINE;
export const MAGIC_WORD = 3 * LINE + 1;
export const CAPACITY_WORD = 3 * LINE + 2;
export const KIND_WORD = 3 * LINE + 3;
export const TYPESAFE_WORD = 3 * LINE + 4;
export const CONTROL_BYTES = 4 * LINE * 4;
export const MAGIC = 0x52435053; // "RCPS"
/** Handles are `generation * 2^INDEX_BITS + index`: 21 + 32 bits = a safe integer. */
export const INDEX_BITS = 21;
export const INDEX_SPACE = 2 ** INDEX_BITS;
export const INDEX_MASK = INDEX_SPACE - 1;
export const MAX_CAPACITY = INDEX_SPACE;
const MAX_FIELDS = 64;

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** The views of one pool buffer, built identically in every thread. */
export interface StructViews {
  readonly control: Int32Array;
  readonly tagged: BigInt64Array;
  readonly next: Int32Array;
  readonly gen: Int32Array;
  readonly owner: Int32Array;
  readonly fields: Readonly<Record<string, AnyFieldArray>>;
}

/** Bytes a pool of `capacity` records of `layout` needs. */
export function structBytes(layout: StructLayout, capacity: number): number {
  let bytes = CONTROL_BYTES + 3 * align64(4 * capacity);
  for (const type of Object.values(layout)) bytes += align64(BYTES[type] * capacity);
  return bytes;
}

/** Maps the buffer into views (same order in every thread). */
export function structViews(buffer: SharedArrayBuffer, layout: StructLayout, capacity: number): StructViews {
  let at = CONTROL_BYTES;
  const meta = (): Int32Array => {
    const view = new Int32Array(buffer, at, capacity);
    at += align64(4 * capacity);
    return view;
  };
  const next = meta();
  const gen = meta();
  const owner = meta();
  const fields: Record<string, AnyFieldArray> = Object.create(null) as Record<string, AnyFieldArray>;
  for (const [name, type] of Object.entries(layout)) {
    fields[name] = new CTORS[type](buffer, at, capacity);
    at += align64(BYTES[type] * capacity);
  }
  return {
    control: new Int32Array(buffer, 0, CONTROL_BYTES / 4),
    tagged: new BigInt64Array(buffer, TAGGED_HEAD_BYTES, 1),
    next,
    gen,
    owner,
    fields,
  };
}

/**
 * Validates a layout option; returns a frozen plain copy (structured-cloneable). Field names are own string
 * keys only: a symbol key (which would be dropped when the handle is cloned to a worker) and `__proto__` (which
 * an object literal or a copy turns into the prototype, silently dropping the field) are refused.
 */
export function checkLayout(layout: unknown): StructLayout {
  let array = false;
  try {
    array = Array.isArray(layout);
  } catch {
    // a revoked proxy: reading its keys below refuses it
  }
  if (layout === null || typeof layout !== "object" || array) {
    throw new PoolError(
      "INVALID_OPTION",
      "layout must be an object mapping field names to types, e.g. { x: 'f64', id: 'u32' }.",
    );
  }
  let entries: Array<[string, unknown]>;
  try {
    if (Object.getOwnPropertySymbols(layout).length !== 0) {
      throw new PoolError("INVALID_OPTION", "layout field names must be strings; a symbol key cannot name a field.");
    }
    entries = Object.entries(layout as Record<string, unknown>);
  } catch (err) {
    if (err instanceof PoolError) throw err;
    throw new PoolError("INVALID_OPTION", `layout cannot be read (${describeValue(err)}); pass a plain object.`);
  }
  if (entries.some(([name]) => name === "__proto__")) {
    throw new PoolError(
      "INVALID_OPTION",
      "layout: a field cannot be named __proto__ (it would be dropped by copies); rename it.",
    );
  }
  if (entries.length === 0 || entries.length > MAX_FIELDS) {
    throw new PoolError("INVALID_OPTION", `layout must have 1..${MAX_FIELDS} fields, got ${entries.length}.`);
  }
  const copy: Record<string, FieldType> = {};
  for (const [name, type] of entries) {
    if (typeof type !== "string" || !Object.hasOwn(BYTES, type)) {
      throw new PoolError(
        "INVALID_OPTION",
        `layout.${name} is ${typeof type === "string" ? JSON.stringify(type) : describeValue(type)}; use one of ${Object.keys(BYTES).join(", ")}.`,
      );
    }
    copy[name] = type as FieldType;
  }
  return Object.freeze(copy);
}
