/**
 * Where everything of a shared map lives in its two growable `SharedArrayBuffer`s.
 *
 * **Index buffer** (`Int32Array` words; hot words on their own 64-byte lines):
 *
 * | words | contents |
 * |---|---|
 * | line 0 | `MAGIC`, key kind, `maxBytes`, record stride (words), `maxCapacity`, max records, first level, last level, max threads, layout hash, map id |
 * | line 1 | `STATE`: current table level, bit 8 set while a resize to the next level runs (readers load it) |
 * | line 2 | `SIZE`: keys present |
 * | line 3 | `FRESH`: records ever handed out (bump allocator) |
 * | line 4 | `RESIZE_LOCK`: owner (threadId + 1) of the resize, 0 when none; `SWEEP_LOCK`: owner of a recovery sweep of the pending ring |
 * | line 5 | counters |
 * | `STRIPES` words | writer locks: owner (threadId + 1) or 0; key `k` is guarded by `LOCKS + (hash(k) & (STRIPES - 1))` |
 * | `4 × maxThreads` words | writer slots: owner (or, while a recovery settles a dead owner's slot, minus the recovering thread's id), record in flight (index + 1), record being retired (index + 1), the in-flight record's generation |
 * | tables | bucket arrays, one per level, never moved or reused: level `l` has `MIN_BUCKETS << l` heads (record index + 1, 0 = empty) |
 *
 * **Record buffer**: record `i` is `stride` words at word `i × stride` (array of structures: a lookup touches
 * one record, one or two cache lines): `NEXT` (chain link, index + 1), `META` (generation << 8 | table level << 3 |
 * state), `HASH`, the key (u32: one word; f64: two words at word 4; string: a length word then the bytes from
 * byte 16), then the value fields, each aligned to its size. Record 0 is never handed out (`FRESH` starts at 1):
 * it names the buffer's map, `RECORDS_MAGIC` in `NEXT` and the index's random map id in `HASH` (its `META` is
 * `FREE`, so no handle names it), so `attachSharedMap` refuses a handle whose two buffers come from different
 * maps, even maps of the same shape.
 */
import type { FieldType, StructLayout } from "@rcu/pool";
import { RcuError, isRcuError } from "@rcu/core";
import { KIND_F64, KIND_STRING, KIND_U32, MAX_KEY_BYTES, type KeySpec } from "./map-keys.js";

const LINE = 16;
export const MAGIC = 0x5243554d; // "RCUM"
export const MAGIC_WORD = 0;
export const KIND_WORD = 1;
export const MAXBYTES_WORD = 2;
export const STRIDE_WORD = 3;
export const MAXCAP_WORD = 4;
export const MAXREC_WORD = 5;
export const LEVEL0_WORD = 6;
export const LEVELMAX_WORD = 7;
export const THREADS_WORD = 8;
/** A hash of the key type and value layout (names, types, offsets): a handle must match it to attach. */
export const LAYOUT_WORD = 9;
/** A random non-zero id of the map, also stored in record 0 of its records buffer. */
export const MAPID_WORD = 10;
/** Record 0's `NEXT` word: marks a records buffer of a shared map. */
export const RECORDS_MAGIC = 0x52435552; // "RCUR"
/** Records ever handed out start at 1: record 0 names the map. */
export const FIRST_RECORD = 1;
export const STATE = LINE;
export const SIZE = 2 * LINE;
export const FRESH = 3 * LINE;
export const RESIZE_LOCK = 4 * LINE;
/** A `createSharedLock` word: one recovery sweep of the pending ring at a time. */
export const SWEEP_LOCK = 4 * LINE + 1;
export const RESIZES = 5 * LINE;
export const RECOVERED = 5 * LINE + 1;
export const LOCKS = 6 * LINE;
/** Writer lock stripes (a power of two, ≤ the smallest table, so a stripe covers a key at every level). */
export const STRIPES = 1024;
export const SLOTS = LOCKS + STRIPES;
export const SLOT_WORDS = 4;
export const SLOT_OWNER = 0;
export const SLOT_INFLIGHT = 1;
export const SLOT_RETIRING = 2;
/** The generation (24 bits) the in-flight record has while this slot's thread holds it: written before `SLOT_INFLIGHT`. */
export const SLOT_GEN = 3;
/** Smallest table (buckets). */
export const MIN_BUCKETS = STRIPES;
export const RESIZING = 0x100;
export const LEVEL_MASK = 0xff;

/** Record words. */
export const NEXT = 0;
export const META = 1;
export const HASH = 2;
export const KEY = 3;
export const KEY64 = 4;
/** Byte offset of a string key's bytes in its record. */
export const KEY_BYTES = 16;

/** Record states (low 3 bits of `META`). */
export const FREE = 0;
export const INFLIGHT = 1;
export const LIVE = 2;
export const RETIRING = 3;
export const RETIRED = 4;

/** Handles are `(generation mod 2^9) << 22 | index`: non-negative int32 (a V8 small integer, never boxed). */
export const INDEX_BITS = 22;
export const INDEX_MASK = (1 << INDEX_BITS) - 1;
export const GEN_MASK = 0x1ff;
export const MAX_RECORDS = 1 << INDEX_BITS;
/** Largest `maxCapacity` (leaves room for records in flight and waiting for their grace period). */
export const MAX_CAPACITY = 1 << 21;

export const BYTES: { readonly [K in FieldType]: number } = {
  f64: 8,
  f32: 4,
  i32: 4,
  u32: 4,
  i16: 2,
  u16: 2,
  i8: 1,
  u8: 1,
};

/** Where one value field lives: element `index * stride + offset` of the typed view of its type. */
export interface FieldSlot {
  readonly name: string;
  readonly type: FieldType;
  /** Offset inside a record, in elements of the field's type. */
  readonly offset: number;
  /** Record stride in elements of the field's type. */
  readonly stride: number;
}

/** A validated key and value layout, identical in every thread. */
export interface RecordLayout {
  readonly kind: number;
  readonly maxBytes: number;
  readonly strideWords: number;
  readonly fields: readonly FieldSlot[];
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Checks a key option; returns its kind and string byte limit. */
export function checkKey(key: unknown): { kind: number; maxBytes: number } {
  if (key === "u32") return { kind: KIND_U32, maxBytes: 0 };
  if (key === "f64") return { kind: KIND_F64, maxBytes: 0 };
  let type: unknown;
  let maxBytes: unknown;
  if (key !== null && typeof key === "object") {
    try {
      ({ type, maxBytes } = key as { type?: unknown; maxBytes?: unknown });
    } catch (err) {
      throw new RcuError("INVALID_OPTION", "key cannot be read (a revoked proxy or a throwing getter).", {
        cause: err,
      });
    }
  }
  if (type === "string") {
    if (typeof maxBytes === "number" && Number.isInteger(maxBytes) && maxBytes >= 1 && maxBytes <= MAX_KEY_BYTES) {
      return { kind: KIND_STRING, maxBytes };
    }
    throw new RcuError(
      "INVALID_OPTION",
      `key.maxBytes must be an integer in 1..${MAX_KEY_BYTES}, got ${describe(maxBytes)}.`,
    );
  }
  throw new RcuError(
    "INVALID_OPTION",
    `key must be 'u32', 'f64' or { type: 'string', maxBytes }, got ${describe(key)}.`,
  );
}

/** The key option a kind came from (for handles and messages). */
export function keySpecOf(kind: number, maxBytes: number): KeySpec {
  return kind === KIND_U32 ? "u32" : kind === KIND_F64 ? "f64" : { type: "string", maxBytes };
}

/**
 * Validates a value layout: a plain object whose own enumerable data properties map names to field types
 * (inherited names, accessors and symbol keys are refused). Returns a frozen copy.
 */
export function checkLayout(layout: unknown): StructLayout {
  try {
    return readLayout(layout);
  } catch (err) {
    if (isRcuError(err)) throw err;
    throw new RcuError("INVALID_OPTION", "value layout cannot be read (a revoked proxy or a throwing getter).", {
      cause: err,
    });
  }
}

function readLayout(layout: unknown): StructLayout {
  if (layout === null || typeof layout !== "object" || Array.isArray(layout)) {
    throw new RcuError(
      "INVALID_OPTION",
      "value must be a layout object mapping field names to types, e.g. { port: 'u16', weight: 'f64' }.",
    );
  }
  const proto = Object.getPrototypeOf(layout) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new RcuError(
      "INVALID_OPTION",
      "value must be a plain object literal (own properties only), not a class instance.",
    );
  }
  if (Object.getOwnPropertySymbols(layout).length !== 0) {
    throw new RcuError("INVALID_OPTION", "value layout keys must be strings, not symbols.");
  }
  const names = Object.keys(layout);
  if (names.length === 0 || names.length > 64) {
    throw new RcuError("INVALID_OPTION", `value must have 1..64 fields, got ${names.length}.`);
  }
  const copy: Record<string, FieldType> = {};
  for (const name of names) {
    const d = Object.getOwnPropertyDescriptor(layout, name);
    const type: unknown = d?.value;
    if (d === undefined || "get" in d || typeof type !== "string" || !Object.hasOwn(BYTES, type)) {
      throw new RcuError(
        "INVALID_OPTION",
        `value.${name} must be one of ${Object.keys(BYTES).join(", ")} (a data property), got ${describe(type)}.`,
      );
    }
    Object.defineProperty(copy, name, { value: type, enumerable: true, writable: false, configurable: false });
  }
  return Object.freeze(copy);
}

/** Computes the record layout: header and key, then fields by decreasing size (each naturally aligned). */
export function recordLayout(kind: number, maxBytes: number, layout: StructLayout): RecordLayout {
  let bytes = kind === KIND_U32 ? 16 : kind === KIND_F64 ? 24 : KEY_BYTES + maxBytes;
  const entries = Object.entries(layout).sort((a, b) => BYTES[b[1]] - BYTES[a[1]]);
  const placed: { name: string; type: FieldType; at: number }[] = [];
  for (const [name, type] of entries) {
    bytes = align(bytes, BYTES[type]);
    placed.push({ name, type, at: bytes });
    bytes += BYTES[type];
  }
  const hasF64 = kind === KIND_F64 || entries.some(([, t]) => t === "f64");
  const strideBytes = align(bytes, hasF64 ? 8 : 4);
  return {
    kind,
    maxBytes,
    strideWords: strideBytes / 4,
    fields: placed.map((p) => ({
      name: p.name,
      type: p.type,
      offset: p.at / BYTES[p.type],
      stride: strideBytes / BYTES[p.type],
    })),
  };
}

/** A hash of a record layout (key kind, key bytes, every field's name, type and offset). */
export function layoutHash(layout: RecordLayout): number {
  let h = 0x811c9dc5 ^ layout.kind ^ (layout.maxBytes << 4);
  const text = layout.fields.map((f) => `${f.name}:${f.type}@${f.offset}`).join(",");
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** First word of the table of `level` (tables of levels `level0..` follow each other). */
export function tableBase(threads: number, level0: number, level: number): number {
  return tablesStart(threads) + MIN_BUCKETS * ((1 << level) - (1 << level0));
}

/** First table word (after the writer slots, 64-byte aligned). */
export function tablesStart(threads: number): number {
  return align(SLOTS + SLOT_WORDS * threads, LINE);
}

/** `JSON.stringify` that never throws (for messages about hostile values). */
export function describe(value: unknown): string {
  try {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
    if (typeof value === "bigint") return `${value}n`;
    return typeof value === "function"
      ? "a function"
      : Array.isArray(value)
        ? "an array"
        : typeof value === "symbol"
          ? "a symbol"
          : "an object";
  } catch {
    return "a value";
  }
}
