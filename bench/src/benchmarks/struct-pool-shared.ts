/** Control-buffer words shared by struct-pool.ts and its reader threads (each group on its own cache line). */

export type RecordLayout = { readonly x: "f64"; readonly y: "f64"; readonly z: "f64"; readonly id: "u32" };
export const RECORD_LAYOUT: RecordLayout = { x: "f64", y: "f64", z: "f64", id: "u32" };

/** The run-control words (reader-threads.ts). MODE 0: RCU reads; MODE 1: reader-writer lock; MODE 2: bare reads, no section (the machine's scaling, diagnostics only). */
export { ACTIVE, CMD, LOCK, MODE, READY, STOP, WRITER, controlWords, resultAt } from "./reader-threads.js";
/** Index of the published record. */
export const PUB = 48;
