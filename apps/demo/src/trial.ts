/**
 * `startTrial`: one store under load. It starts the HTTP service for the store, the reloader that swaps the store's
 * config and parser, and the load generator; `live()` reads its counters for the progress line; `finish()`
 * waits for the load to end (time, request budget or Ctrl-C), stops the reloader, closes the server, closes the
 * store (for RCU: `domain.close()`, which drains every pending disposal and the pool) and returns the numbers for
 * the report. The demo runs two trials side by side in one process, so both see the same machine, the same JIT
 * state and the same moments of load.
 */
import { performance } from "node:perf_hooks";
import { runLoad, type LoadProgress } from "./load.js";
import { startReloader } from "./reloader.js";
import { startServer, type RunningServer } from "./server.js";
import type { Store } from "./store.js";

/** Knobs shared by both trials. */
export interface TrialOptions {
  /** How long to drive load (s). */
  readonly seconds: number;
  /** Swaps per second. */
  readonly rate: number;
  /** Requests in flight at once (per trial). */
  readonly concurrency: number;
  /** Most requests to issue (per trial). */
  readonly maxRequests: number;
  /** Upper bound of each simulated I/O wait (ms). */
  readonly ioMaxMs: number;
  /** Ctrl-C. */
  readonly signal?: AbortSignal | undefined;
}

/** The numbers of one trial, as the report shows them. */
export interface TrialResult {
  readonly kind: "naive" | "rcu";
  readonly label: string;
  /** Seconds the load actually ran. */
  readonly seconds: number;
  /** Whether Ctrl-C cut the trial short. */
  readonly interrupted: boolean;
  readonly served: number;
  readonly violations: number;
  /** Requests that failed (client errors or 500s). */
  readonly failed: number;
  readonly swaps: number;
  readonly swapsWithoutParser: number;
  readonly gracePeriods: number | undefined;
  readonly reclaimed: number;
  readonly parsersAllocated: number;
  readonly peakPending: number;
  /** Replaced objects still pending after close (0: close drains). */
  readonly pendingAfterClose: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly misuseReports: number | undefined;
  readonly errors: number;
}

/** What the progress line shows of a trial. */
export interface LiveCounters {
  readonly served: number;
  readonly violations: number;
  readonly gracePeriods: number | undefined;
  readonly pending: number;
}

/** A trial in progress. */
export interface Trial {
  readonly store: Store;
  /** Live counters for the progress line. */
  live(): LiveCounters;
  /** Waits for the load to end, shuts everything down, returns the numbers. Idempotent. */
  finish(): Promise<TrialResult>;
}

/**
 * Starts the service, the reloader and the load for `store`.
 *
 * @example
 * const trial = await startTrial(createRcuStore({ flavor: 'srcu' }), options)
 * const result = await trial.finish()
 * result.violations // 0
 */
export async function startTrial(store: Store, options: TrialOptions): Promise<Trial> {
  const server: RunningServer = await startServer(store, { ioMaxMs: options.ioMaxMs });
  const started = performance.now();
  const reloader = startReloader(store, options.rate);
  const load = runLoad({
    port: server.port,
    concurrency: options.concurrency,
    maxRequests: options.maxRequests,
    durationMs: options.seconds * 1000,
    signal: options.signal,
  });
  let finishing: Promise<TrialResult> | undefined;

  const finish = async (): Promise<TrialResult> => {
    try {
      await load.done;
    } finally {
      reloader.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    await server.close();
    await store.close();
    return result(store, server, load.progress, reloader.peakPending, seconds, options.signal?.aborted === true);
  };

  return {
    store,
    live() {
      const { gracePeriods, pending } = store.sample();
      return { served: server.stats.served, violations: server.stats.violations, gracePeriods, pending };
    },
    finish() {
      finishing ??= finish();
      return finishing;
    },
  };
}

function result(
  store: Store,
  server: RunningServer,
  load: LoadProgress,
  peakPending: number,
  seconds: number,
  interrupted: boolean,
): TrialResult {
  const s = store.sample();
  return {
    kind: store.kind,
    label: store.label,
    seconds,
    interrupted,
    served: server.stats.served,
    violations: server.stats.violations,
    failed: load.failed + server.stats.failed,
    swaps: s.swaps,
    swapsWithoutParser: s.swapsWithoutParser,
    gracePeriods: s.gracePeriods,
    reclaimed: s.reclaimed,
    parsersAllocated: s.parsersAllocated,
    peakPending,
    pendingAfterClose: s.pending,
    p50Ms: load.latency.percentile(50),
    p99Ms: load.latency.percentile(99),
    misuseReports: s.misuseReports,
    errors: s.errors,
  };
}
