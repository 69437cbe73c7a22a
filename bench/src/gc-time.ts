/**
 * GC time inside a window, from `perf_hooks` 'gc' entries. The observer writes into a preallocated typed array
 * so that measuring does not itself grow the heap.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import { sleep } from "./timing.js";

const CAP = 1 << 16;
const starts = new Float64Array(CAP);
const durations = new Float64Array(CAP);
let count = 0;
let observer: PerformanceObserver | undefined;

/** Starts recording GC entries (idempotent). */
export function watchGc(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const i = count++ % CAP;
      starts[i] = e.startTime;
      durations[i] = e.duration;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** Runs `fn` and returns the GC time (ms) whose entries started inside its window, and the window's length. */
export async function gcTimeOf(
  fn: () => Promise<void>,
): Promise<{ gcMs: number; wallMs: number; collections: number }> {
  watchGc();
  await sleep(5); // let entries of earlier collections arrive first
  const first = count;
  const t0 = performance.now();
  await fn();
  const t1 = performance.now();
  await sleep(20); // entries are delivered asynchronously
  let gcMs = 0;
  let collections = 0;
  for (let j = first; j < count; j++) {
    const i = j % CAP;
    if (starts[i]! >= t0 && starts[i]! <= t1) {
      gcMs += durations[i]!;
      collections++;
    }
  }
  return { gcMs, wallMs: t1 - t0, collections };
}
