/** Control-buffer words shared by struct-pool.ts and its reader threads (each group on its own cache line). */

export type RecordLayout = { readonly x: "f64"; readonly y: "f64"; readonly z: "f64"; readonly id: "u32" };
export const RECORD_LAYOUT: RecordLayout = { x: "f64", y: "f64", z: "f64", id: "u32" };

/** Run counter: bumped to start a run; -1 ends the threads. */
export const CMD = 0;
/** 0: RCU reads; 1: reader-writer lock; 2: bare reads, no section (the machine's scaling, diagnostics only). */
export const MODE = 1;
/** Readers with `id < ACTIVE` take part in the run. */
export const ACTIVE = 2;
export const STOP = 16;
/** Readers attached so far (each adds 1 once it is ready). */
export const READY = 17;
/** The reader-writer lock word: reader count, or the WRITER bit (writer waiting or inside). */
export const LOCK = 32;
export const WRITER = 1 << 30;
/** Index of the published record. */
export const PUB = 48;
/** Per-reader results: [reads, wall µs, on-CPU µs (-1: unknown), done counter, sink]. */
export function resultAt(id: number): number {
  return 64 + id * 16;
}
export function controlWords(readers: number): number {
  return resultAt(readers);
}
