/**
 * `FlavorStats`: the live counters of one flavour's run (progress reads them while it runs; the report checks
 * them at the end), and `recordPipe`, which files one reader's pipe count.
 *
 * The pipe count (rcutorture's `rtort_pipe_count`), precisely: when a writer unpublishes an object it stamps it
 * with `retiredAt` = the domain's `gracePeriodsCompleted` at that instant. A reader that obtained the object
 * inside a section looks again just before leaving that section; if the object has been unpublished (and not
 * reused: same generation) its pipe count is `gracePeriodsCompleted - retiredAt`, otherwise 0. The grace period
 * that was already running when the reader entered may end while it is inside (count 1); the next one started
 * after the reader entered and must wait for it. So a count of 2 or more means a grace period ended while a
 * reader that predates it was still inside: a violation, for every flavour.
 */

/** Counters of one flavour (all numbers; nested objects group them for the report and results.json). */
export interface FlavorStats {
  /** Read sections completed (each reads and checks every published object). */
  reads: number;
  /** Objects published (each replaces and retires one). */
  updates: number;
  gracePeriods: number;
  callbacksRun: number;
  /** Errors the domain reported through `onError`. */
  errorsReported: number;
  /** Faults this run injected that the domain must report (throws, rejections, hangs → SETTLE_TIMEOUT). */
  faultsInjected: number;
  /** Injected faults by kind, and reported errors by code (`SETTLE_TIMEOUT` for hangs). */
  faultKinds: { throws: number; rejects: number; hangs: number };
  reportedCodes: Record<string, number>;
  /** Reported errors that no injected fault explains (first messages in `unexpectedErrors`). */
  unexpectedErrorSamples: string[];
  /** Pipe-count histogram: [0, 1, 2, ≥3]. */
  pipe: [number, number, number, number];
  maxPipe: number;
  violations: {
    /** A reader saw its object freed (disposed / processed / destroyed / generation-bumped record) while inside. */
    reclaimed: number;
    /** A pipe count above 1. */
    pipe: number;
    /** A non-type-stable object was reused (new generation) while a reader held it. */
    reused: number;
    /** An engine item handled twice (processed after a dequeue, or processed twice). */
    doubleHandled: number;
  };
  /** Type-stable readers that saw a new generation and retried (legal: the revalidation pattern). */
  revalidationRetries: number;
  lost: {
    /** Pending engines: enqueued − (processed + dequeued). */
    engine: number;
    /** Deferred callbacks scheduled but never run. */
    deferred: number;
    /** Retired objects never disposed. */
    retired: number;
    /** Pool objects created but neither destroyed nor still owned after the pool drained. */
    pool: number;
    /** Shared records neither free, published nor pending after close. */
    records: number;
  };
  engine: { enqueued: number; processed: number; dequeued: number };
  aborts: { issued: number; honoured: number };
  pool: { leases: number; exhausted: number; acquireAsyncAborted: number };
  /** Shared flavour only: `lanes` = workers alive at once. */
  workers: { lanes: number; started: number; killed: number; crashed: number };
  /**
   * Shared flavour only. `lockKills`: churn workers terminated (often inside a lock) while the main thread then
   * used their pool synchronously; `recoveredLocks`: locks taken over from a dead holder; `doubleLent`: churn-pool
   * records lent twice; `leaked`: churn-pool records lost (at most one per kill: a record the dead thread was
   * moving); `waits`: resolved waits of `waitFor` workers; `stranded`: those workers that exited by themselves.
   */
  liveness: {
    lockKills: number;
    recoveredLocks: number;
    doubleLent: number;
    leaked: number;
    waits: number;
    stranded: number;
  };
  /** The run could not stop (a grace period never ended): a failure. */
  stalled: number;
}

/**
 * A zeroed {@link FlavorStats}.
 *
 * @example
 * const stats = emptyStats()
 */
export function emptyStats(): FlavorStats {
  return {
    reads: 0,
    updates: 0,
    gracePeriods: 0,
    callbacksRun: 0,
    errorsReported: 0,
    faultsInjected: 0,
    unexpectedErrorSamples: [],
    faultKinds: { throws: 0, rejects: 0, hangs: 0 },
    reportedCodes: {},
    pipe: [0, 0, 0, 0],
    maxPipe: 0,
    violations: { reclaimed: 0, pipe: 0, reused: 0, doubleHandled: 0 },
    revalidationRetries: 0,
    lost: { engine: 0, deferred: 0, retired: 0, pool: 0, records: 0 },
    engine: { enqueued: 0, processed: 0, dequeued: 0 },
    aborts: { issued: 0, honoured: 0 },
    pool: { leases: 0, exhausted: 0, acquireAsyncAborted: 0 },
    workers: { lanes: 0, started: 0, killed: 0, crashed: 0 },
    liveness: { lockKills: 0, recoveredLocks: 0, doubleLent: 0, leaked: 0, waits: 0, stranded: 0 },
    stalled: 0,
  };
}

/**
 * Files one pipe count observed by a reader still inside its section.
 *
 * @example
 * recordPipe(stats, domain.stats().gracePeriodsCompleted - obj.retiredAt)
 */
export function recordPipe(stats: FlavorStats, count: number): void {
  stats.pipe[Math.min(count, 3) as 0 | 1 | 2 | 3]++;
  if (count > stats.maxPipe) stats.maxPipe = count;
  if (count > 1) stats.violations.pipe++;
}

/** Sum of all violation counters. */
export function totalViolations(stats: FlavorStats): number {
  const v = stats.violations;
  return v.reclaimed + v.pipe + v.reused + v.doubleHandled;
}

/** Sum of all lost-item counters. */
export function totalLost(stats: FlavorStats): number {
  const l = stats.lost;
  return l.engine + l.deferred + l.retired + l.pool + l.records;
}
