/**
 * The struct pool's handle codec, written once. A handle names one lend of one record: `generation * 2^21 +
 * index`, a safe integer (generation < 2^32, index < 2^21). A record's generation is odd while lent, so a
 * handle with an even generation never names a lend; every release bumps it, so a stale handle stops matching.
 */
import { INDEX_MASK, INDEX_SPACE } from "./layout.js";

/** The handle of record `index` lent at (odd) generation `generation`. */
export function encodeHandle(generation: number, index: number): number {
  return generation * INDEX_SPACE + index;
}

/** The record index a handle names (no range check: callers compare with the capacity). */
export function handleIndex(handle: number): number {
  return handle & INDEX_MASK;
}

/** The generation a handle was lent at. */
export function handleGeneration(handle: number): number {
  return Math.floor(handle / INDEX_SPACE);
}

/** Whether `generation` is that of a lent record (odd). */
export function isLentGeneration(generation: number): boolean {
  return (generation & 1) === 1;
}
