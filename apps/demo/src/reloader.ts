/**
 * `startReloader`: swaps the store's config and parser `rate` times a second. A timer ticks every
 * max(1, 1000/rate) ms and performs however many swaps are due by the clock (so a late tick catches up, and rates
 * above 1000/s work); after each swap it samples the store's pending count to track the peak.
 */
import { performance } from "node:perf_hooks";
import type { Store } from "./store.js";

/** A running reloader. */
export interface Reloader {
  /** Largest number of replaced objects waiting for reclamation seen right after a swap. */
  readonly peakPending: number;
  /** Stops swapping. */
  stop(): void;
}

/**
 * Starts swapping.
 *
 * @example
 * const reloader = startReloader(store, 50)
 * // … later
 * reloader.stop()
 * reloader.peakPending
 */
export function startReloader(store: Store, rate: number): Reloader {
  const started = performance.now();
  let done = 0;
  let peakPending = 0;
  const timer = setInterval(
    () => {
      const due = Math.floor(((performance.now() - started) * rate) / 1000);
      while (done < due) {
        store.swap();
        done += 1;
        const { pending } = store.sample();
        if (pending > peakPending) peakPending = pending;
      }
    },
    Math.max(1, 1000 / rate),
  );
  return {
    get peakPending() {
      return peakPending;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
