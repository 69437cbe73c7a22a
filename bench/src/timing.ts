/**
 * Small timing helpers shared by the benchmark files.
 *
 * Throughput rows are timed in CPU time of this process (`process.cpuUsage()`: user + system, all threads,
 * microsecond resolution), not wall time. The machines this runs on are often shared: wall time then includes
 * every moment the process was descheduled, which swamps nanosecond differences; CPU time counts the work
 * done, including GC helper threads. Idle waiting (a timer's 1 ms) is not work and is not counted, which only
 * favours the timer-based baselines. Runs are long enough (≥ 5 ms) for the microsecond resolution.
 */

import { readFileSync } from "node:fs";

/** CPU time of this process in nanoseconds. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

const SCHEDSTAT = "/proc/thread-self/schedstat";
let schedstat: boolean | undefined;

/**
 * CPU time of the calling (main JS) thread in nanoseconds: Linux's `/proc/thread-self/schedstat` (time on a
 * CPU, ns resolution), or the process's CPU time where that file does not exist. Unlike {@link timeNs} it
 * leaves out V8's background threads (concurrent compiles, GC helpers), whose billing to a short run varied
 * 2× between identical runs; GC work on the main thread (scavenges, finalisation) is still counted.
 *
 * The kernel brings a running thread's figure in that file up to date only at scheduler events (a tick, a
 * context switch), so read alone it lags by up to a tick (several ms). `process.cpuUsage()` (getrusage) first
 * makes the kernel account the calling thread's time up to now, so the read that follows is as fine-grained as
 * `process.cpuUsage()`.
 */
export function threadCpuNs(): number {
  if (schedstat !== false) {
    try {
      process.cpuUsage(); // brings the calling thread's on-CPU time up to date (see above)
      const ns = Number(readFileSync(SCHEDSTAT, "latin1").split(" ", 1)[0]);
      if (Number.isFinite(ns)) {
        schedstat = true;
        return ns;
      }
    } catch {
      // not Linux: fall back below
    }
    schedstat = false;
  }
  return cpuNs();
}

/** Main-thread CPU milliseconds until `fn()` settles (see {@link threadCpuNs}). */
export async function threadMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = threadCpuNs();
  await fn();
  return (threadCpuNs() - t0) / 1e6;
}

/** CPU nanoseconds spent in `fn()`. */
export function timeNs(fn: () => unknown): number {
  const t0 = cpuNs();
  blackhole(fn());
  return cpuNs() - t0;
}

/** CPU milliseconds spent until `fn()` settles (idle time while waiting is not counted). */
export async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = cpuNs();
  await fn();
  return (cpuNs() - t0) / 1e6;
}

/** Wall-clock milliseconds until `fn()` settles. */
export async function wallMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Resolves at the next event-loop turn (after pending I/O and immediates queued before it). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Keeps results alive so the JIT cannot drop the work that produced them. */
export const sinkBox: { value: unknown } = { value: undefined };
export function blackhole(value: unknown): void {
  sinkBox.value = value;
}

/** Runs `a` and `b` in an order that alternates with `repetition` (so neither always runs first). */
export function interleave<A, B>(repetition: number, a: () => A, b: () => B): [A, B] {
  if (repetition % 2 === 0) {
    const x = a();
    return [x, b()];
  }
  const y = b();
  return [a(), y];
}

/** Async version of {@link interleave}. */
export async function interleaveAsync<A, B>(
  repetition: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A, B]> {
  if (repetition % 2 === 0) {
    const x = await a();
    return [x, await b()];
  }
  const y = await b();
  return [await a(), y];
}

/**
 * The order in which to run `n` workloads in repetition `repetition`: start at `repetition mod n` and step by a
 * stride coprime with `n` that also changes with the repetition (1, then the next coprime stride, …). A plain
 * rotation keeps the cyclic order, so every workload always runs right after the same other one and inherits
 * its garbage and JIT state; with changing strides each workload follows different ones across repetitions.
 * Always a permutation of `0..n-1`.
 */
export function strideOrder(n: number, repetition: number): number[] {
  if (n <= 0) return [];
  const strides: number[] = [];
  for (let k = 1; k < Math.max(2, n); k++) if (gcd(k, n) === 1) strides.push(k);
  const r = Math.max(0, Math.floor(repetition));
  const stride = strides[r % strides.length]!;
  const start = r % n;
  return Array.from({ length: n }, (_, j) => (start + j * stride) % n);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Runs the async thunks in {@link strideOrder} for `repetition`; returns their results in the original order. */
export async function permuteAsync<T>(repetition: number, thunks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const out = new Array<T>(thunks.length);
  for (const i of strideOrder(thunks.length, repetition)) out[i] = await thunks[i]!();
  return out;
}
