/**
 * Key probing: `probe` validates a key, stores it in the map's probe fields (u32 as an int, f64 as two words,
 * strings as the JS string) and returns its hash; `keyAt` compares a record's key with the probe in place (no
 * allocation: UTF-8 bytes are compared against the string without encoding it); `sameKey` compares two
 * records; `keyAtWord` decodes a record's key for `keyOf`/`forEach`.
 */
import { RcuError } from "@rcu/core";
import {
  KIND_F64,
  KIND_U32,
  decodeUtf8,
  encodeUtf8,
  equalsUtf8,
  f64Hi,
  f64Lo,
  hashF64,
  hashString,
  mix32,
  type KeyOf,
  type KeySpec,
} from "./map-keys.js";
import { HASH, KEY, KEY64, KEY_BYTES, describe } from "./map-layout.js";
import type { AnyMap } from "./shared-map-impl.js";

/** The error for a key of the wrong kind, naming the key and `why`. */
export function badKey(key: unknown, why: string): RcuError {
  return new RcuError("INVALID_OPTION", `${describe(key)} is not a key of this map: ${why}.`);
}

/** Validates `key`, stores it as the probe and returns its hash. */
export function probe(m: AnyMap, key: unknown): number {
  if (m.kind === KIND_U32) {
    if (typeof key !== "number" || key >>> 0 !== key) throw badKey(key, "keys are integers in 0..2^32-1 ('u32')");
    m.probeNum = key | 0;
    return mix32(key);
  }
  if (m.kind === KIND_F64) {
    if (typeof key !== "number") throw badKey(key, "keys are numbers ('f64')");
    const h = hashF64(key);
    m.probeLo = f64Lo();
    m.probeHi = f64Hi();
    return h;
  }
  if (typeof key !== "string") throw badKey(key, `keys are strings of at most ${m.maxBytes} UTF-8 bytes`);
  m.probeStr = key;
  return hashString(key);
}

/** Whether record word `w` holds the probe key (its hash `h` already matched for strings). */
export function keyAt(m: AnyMap, rec: Int32Array, w: number, h: number): boolean {
  if (m.kind === KIND_U32) return rec[w + KEY] === m.probeNum;
  if (m.kind === KIND_F64) return rec[w + KEY64] === m.probeLo && rec[w + KEY64 + 1] === m.probeHi;
  return rec[w + HASH] === h && equalsUtf8(m.probeStr, m.bytes, w * 4 + KEY_BYTES, rec[w + KEY]!);
}

/** Whether records `a` and `b` (words) hold the same key. */
export function sameKey(m: AnyMap, rec: Int32Array, a: number, b: number): boolean {
  if (rec[a + HASH] !== rec[b + HASH]) return false;
  if (m.kind === KIND_U32) return rec[a + KEY] === rec[b + KEY];
  if (m.kind === KIND_F64) return rec[a + KEY64] === rec[b + KEY64] && rec[a + KEY64 + 1] === rec[b + KEY64 + 1];
  const len = rec[a + KEY]!;
  if (len !== rec[b + KEY]) return false;
  const bytes = m.bytes;
  for (let i = 0; i < len; i++) if (bytes[a * 4 + KEY_BYTES + i] !== bytes[b * 4 + KEY_BYTES + i]) return false;
  return true;
}

/** The key stored in the record at word `w`, decoded. */
export function keyAtWord<K extends KeySpec>(m: AnyMap, w: number): KeyOf<K> {
  const rec = m.rec;
  if (m.kind === KIND_U32) return (rec[w + KEY]! >>> 0) as KeyOf<K>;
  if (m.kind === KIND_F64) return m.recF64[(w + KEY64) >> 1]! as KeyOf<K>;
  return decodeUtf8(m.bytes, w * 4 + KEY_BYTES, rec[w + KEY]!) as KeyOf<K>;
}

/** Checks a string probe fits (set/update only: lookups of longer strings just miss). */
export function checkStringKey(m: AnyMap, key: string): void {
  const n = encodeUtf8(key, SIZE_PROBE, 0, m.maxBytes);
  if (n === -1) throw badKey(key, `longer than maxBytes (${m.maxBytes}) in UTF-8`);
  if (n === -2) throw badKey(key, "it holds a lone surrogate (no UTF-8 form)");
}

/** Scratch for measuring a string key's UTF-8 length. */
const SIZE_PROBE = new Uint8Array(4096);
