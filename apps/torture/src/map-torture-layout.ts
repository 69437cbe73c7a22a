/**
 * Shared definitions of the `map` torture: the record layout (a record is whole when `a`, `b`, `c` agree with
 * its `gen` and `key`), the control word and the per-worker counter lanes (a `Float64Array` each).
 */

/** The value layout of the tortured map. */
export const MAP_LAYOUT = { key: "u32", gen: "u32", a: "f64", b: "f64", c: "u32" } as const;
export type MapLayout = typeof MAP_LAYOUT;

/** Control words (`Int32Array`). */
export const MAP_STOP = 0;
/** Keys `STABLE_BASE..+STABLE_KEYS` are set before the run and only replaced: every lookup must find them. */
export const STABLE_BASE = 1 << 24;
export const STABLE_KEYS = 256;

/** Counter slots of one lane. */
export const LANE = { reads: 0, lookups: 1, hits: 2, torn: 3, recycled: 4, missed: 5, updates: 6, full: 7 } as const;
export const MAP_LANE_WORDS = 8;

/** The values of a whole record for `key` at generation `gen`. */
export function recordFor(key: number, gen: number): { key: number; gen: number; a: number; b: number; c: number } {
  return { key, gen, a: gen * 2 + key, b: -(gen * 2 + key), c: (gen ^ key) >>> 0 };
}

/** Whether fields read from one record form a whole record for `key`. */
export function isWhole(key: number, gen: number, k: number, a: number, b: number, c: number): boolean {
  return k === key && a === gen * 2 + key && b === -a && c === (gen ^ key) >>> 0;
}
