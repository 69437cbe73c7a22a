/**
 * Reader-thread scaffolding shared by the shared-memory benchmarks (map-lookup.ts, struct-pool.ts). The main
 * thread and its readers talk through an `Int32Array` control buffer, each group of words on its own cache line:
 * the main thread sets `MODE`, `ACTIVE` and `STOP = 0`, bumps `CMD` and notifies; each active reader runs batches
 * until `STOP` is set, then writes its line of results (count, wall µs, on-CPU µs, sink) and bumps its done
 * counter, which the main thread waits for before summing the throughputs. `CMD = -1` ends the threads.
 * The batches themselves (what a reader does in each mode) stay in each benchmark's reader file.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { sleep } from "../timing.js";

/** Run counter: bumped to start a run; -1 ends the threads. */
export const CMD = 0;
/** What the readers do this run (0: RCU reads; the other modes are each benchmark's own). */
export const MODE = 1;
/** Readers with `id < ACTIVE` take part in the run. */
export const ACTIVE = 2;
export const STOP = 16;
/** Readers attached so far (each adds 1 once it is ready). */
export const READY = 17;
/** The reader-writer lock word: reader count, or the WRITER bit (writer waiting or inside). */
export const LOCK = 32;
export const WRITER = 1 << 30;
/** Per-reader results: [reads, wall µs, on-CPU µs (-1: unknown), done counter, sink]. */
export function resultAt(id: number): number {
  return 64 + id * 16;
}
export function controlWords(readers: number): number {
  return resultAt(readers);
}

/**
 * This thread's on-CPU time in µs (Linux schedstat), or -1 where it is not available. `process.cpuUsage()` first
 * makes the kernel account this thread's time up to now; read alone, the file lags by up to a scheduler tick.
 */
function threadCpuUs(): number {
  try {
    process.cpuUsage();
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1000;
  } catch {
    return -1;
  }
}

/**
 * The reader thread's loop: reports ready, then serves runs until `CMD` goes negative. `batch(mode)` does one
 * batch of reads and returns how many it did; `sink()` is the value the reads accumulate (stored so that the
 * reads cannot be optimised away).
 */
export function serveRuns(c: Int32Array, id: number, batch: (mode: number) => number, sink: () => number): void {
  let seen = 0;
  Atomics.add(c, READY, 1);
  for (;;) {
    Atomics.wait(c, CMD, seen);
    seen = Atomics.load(c, CMD);
    if (seen < 0) break;
    if (id >= Atomics.load(c, ACTIVE)) continue;
    const mode = Atomics.load(c, MODE);
    let reads = 0;
    const t0 = performance.now();
    const cpu0 = threadCpuUs();
    while (Atomics.load(c, STOP) === 0) reads += batch(mode);
    const ms = performance.now() - t0;
    const cpuUs = cpu0 < 0 ? -1 : threadCpuUs() - cpu0;
    const at = resultAt(id);
    Atomics.store(c, at, reads);
    Atomics.store(c, at + 1, Math.round(ms * 1000)); // microseconds
    Atomics.store(c, at + 2, Math.round(cpuUs));
    Atomics.store(c, at + 4, sink() === -1 ? 1 : 0); // keeps the sink observable
    Atomics.add(c, at + 3, 1); // done flag (a counter)
    Atomics.notify(c, at + 3);
  }
}

/** Reads per µs summed over the reader threads: of wall time, and of each thread's own on-CPU time. */
export interface Throughput {
  readonly wall: number;
  readonly cpu: number;
}

/** Runs the readers `id < active` in `mode` for `ms`, calling `write` every 1 ms meanwhile; sums their results. */
export async function runReaders(
  c: Int32Array,
  mode: number,
  active: number,
  ms: number,
  write: () => void,
): Promise<Throughput> {
  const done = Array.from({ length: active }, (_, id) => Atomics.load(c, resultAt(id) + 3));
  Atomics.store(c, STOP, 0);
  Atomics.store(c, MODE, mode);
  Atomics.store(c, ACTIVE, active);
  Atomics.add(c, CMD, 1);
  Atomics.notify(c, CMD);
  const writer = setInterval(write, 1);
  await sleep(ms);
  Atomics.store(c, STOP, 1);
  clearInterval(writer);
  for (let id = 0; id < active; id++) {
    while (Atomics.load(c, resultAt(id) + 3) === done[id]) await sleep(1);
  }
  let wall = 0;
  let cpu = 0;
  for (let id = 0; id < active; id++) {
    const reads = Atomics.load(c, resultAt(id));
    const cpuUs = Atomics.load(c, resultAt(id) + 2);
    wall += reads / Atomics.load(c, resultAt(id) + 1);
    cpu += cpuUs > 0 ? reads / cpuUs : 0;
  }
  return { wall, cpu };
}
