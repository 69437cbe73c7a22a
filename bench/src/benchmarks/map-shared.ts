/** Control-buffer words shared by map-lookup.ts and its reader and owner threads (groups on their own cache lines). */

export type MapLayout = { readonly port: "u16"; readonly weight: "f64" };
export const MAP_LAYOUT: MapLayout = { port: "u16", weight: "f64" };

/** The run-control words (reader-threads.ts). MODE 0: RCU reads; MODE 1: the same lookups under an `Atomics` reader-writer lock. */
export { ACTIVE, CMD, LOCK, MODE, READY, STOP, WRITER, controlWords, resultAt } from "./reader-threads.js";
/** Keys present: 0..KEYS-1. */
export const KEYS = 100_000;
