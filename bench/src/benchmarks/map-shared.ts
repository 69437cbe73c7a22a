/** Control-buffer words shared by map-lookup.ts and its reader and owner threads (groups on their own cache lines). */

export type MapLayout = { readonly port: "u16"; readonly weight: "f64" };
export const MAP_LAYOUT: MapLayout = { port: "u16", weight: "f64" };

/** Run counter: bumped to start a run; -1 ends the threads. */
export const CMD = 0;
/** 0: lock-free lookups in read sections; 1: the same lookups under an `Atomics` reader-writer lock. */
export const MODE = 1;
/** Readers with `id < ACTIVE` take part in the run. */
export const ACTIVE = 2;
export const STOP = 16;
/** Readers attached so far (each adds 1 once it is ready). */
export const READY = 17;
/** The reader-writer lock word: reader count, or the WRITER bit (writer waiting or inside). */
export const LOCK = 32;
export const WRITER = 1 << 30;
/** Keys present: 0..KEYS-1. */
export const KEYS = 100_000;
/** Per-reader results: [lookups, wall µs, on-CPU µs (-1: unknown), done counter, sink]. */
export function resultAt(id: number): number {
  return 64 + id * 16;
}
export function controlWords(readers: number): number {
  return resultAt(readers);
}
