/**
 * `runShared`: tortures a `@rcu/core/shared` domain across `worker_threads` until `shouldStop()`.
 *
 * Records live in a `SharedArrayBuffer` (shared-records.ts). The main thread is the writer: it publishes a free
 * record, stamps the old one's `RETIRED_AT`, and reclaims it (sets `FREED`, bumps `GEN`, puts it back on the free
 * list) only after a grace period — through `domain.defer` (with injected faults) or the classic
 * `synchronize()`-then-free. At least four reader workers (shared-reader.ts) check inside their sections that
 * the record they hold is never reclaimed and file pipe counts. The same goes for records of an `@rcu/pool`
 * struct pool (`createStructPool`, reuse after a grace period): the writer lends one, numbers the lend, publishes
 * its handle and releases the previous one; readers check that the record they hold is not re-lent. A killer
 * kills one worker at random every few hundred milliseconds — `worker.terminate()` (usually inside a section) or
 * an injected crash (`process.exit` inside a section) — and starts a replacement; `domain.watch(worker)` must
 * free the dead one's slot, or grace periods would stop (reported as a stall). At the end every record is
 * accounted for: free, pending, or the published one.
 *
 * Liveness (shared-liveness-worker.ts): two churn workers hammer the locks of a second struct pool; a lock killer
 * terminates one at random moments (often inside a lock) without awaiting it and at once lends and returns every
 * record of that pool on the main thread, synchronously — a dead holder must not wedge it (the lock is taken
 * over), and no record may be lent twice; at most one record per kill may leak. Two more workers loop on
 * `waitFor(getState())` / `reclaimable()`; one that exits by itself was stranded by a lost wake-up.
 *
 * Why this file is over 400 lines: it is one torture run across threads — spawning, killing and replacing workers,
 * the main-thread writer and the final accounting share the same records and counters.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import { createStructPool } from "@rcu/pool";
import { DEFAULT_RATES, FaultInjector, errorCounter } from "./fault-injector.js";
import type { FaultRates } from "./fault-injector.js";
import type { FlavorStats } from "./flavor-stats.js";
import { within } from "./within.js";
import {
  CRASH,
  CRASH_EXIT_CODE,
  CUR,
  FREED,
  GEN,
  LANE_MAX_PIPE,
  LANE_PIPE0,
  LANE_READS,
  LANE_RECLAIMED,
  LANE_REUSED,
  LANE_WORDS,
  LIVENESS_DOUBLE_LENT,
  LIVENESS_HOLDERS,
  LIVENESS_WAITS,
  RECORD_WORDS,
  RETIRED_AT,
  STOP,
  STRUCT_LAYOUT,
  allocateShared,
} from "./shared-records.js";
import type { ReaderData } from "./shared-records.js";

/** Options of {@link runShared}. */
export interface SharedRunOptions {
  readonly stats: FlavorStats;
  readonly shouldStop: () => boolean;
  /** Reader workers alive at once (at least 4). */
  readonly workers: number;
  readonly rates?: FaultRates;
  /** Raw records in the arena (default 256), and records of the struct pool (default 128). */
  readonly records?: number;
  readonly structRecords?: number;
  /** Mean time between kills (ms, default 600); 0 disables killing. */
  readonly killEveryMs?: number;
  /** Where the compiled reader worker is (default: next to this file, or in dist/ when run from src/). */
  readonly readerUrl?: URL;
  /** Where the compiled liveness worker is (same default rule). */
  readonly livenessUrl?: URL;
  /**
   * Run the liveness workers (default true). The self-test turns them off: its switch ends grace periods early in
   * the main thread only, and a `waitFor` worker would run real grace periods for everyone.
   */
  readonly liveness?: boolean;
}

/** How long stopping may take before the run is declared stalled (ms). */
const STOP_TIMEOUT_MS = 30_000;

function builtUrl(file: string): URL {
  const here = import.meta.url;
  return here.endsWith(".ts") ? new URL(`../dist/${file}`, here) : new URL(`./${file}`, here);
}

/** Liveness workers: two churners of the churn pool's locks, two `waitFor` loops. */
const CHURNERS = 2;
const WAITERS = 2;
const CHURN_CAPACITY = 16;

function exited(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once("exit", () => resolve()));
}

/**
 * Runs the shared flavour until `shouldStop()`, then stops the workers, closes the domain and fills in the
 * final accounting of `options.stats`.
 *
 * @example
 * await runShared({ stats: emptyStats(), shouldStop: () => Date.now() > end, workers: 4 })
 */
export async function runShared(options: SharedRunOptions): Promise<void> {
  const { stats, shouldStop } = options;
  const laneCount = Math.max(4, options.workers);
  const recordCount = options.records ?? 256;
  const faults = new FaultInjector(stats, options.rates ?? DEFAULT_RATES);
  const domain = createSharedDomain({
    maxThreads: laneCount + CHURNERS + WAITERS + 2,
    name: "torture-shared",
    onError: errorCounter(stats),
    settleTimeoutMs: 200,
    flushOnExit: false,
  });
  const buffers = allocateShared(recordCount, laneCount);
  const control = new Int32Array(buffers.control);
  const records = new Int32Array(buffers.records);
  const lanes = new BigInt64Array(buffers.lanes);
  const readerUrl = options.readerUrl ?? builtUrl("shared-reader.js");
  const structCapacity = options.structRecords ?? 128;
  const structs = createStructPool({ domain, capacity: structCapacity, layout: STRUCT_LAYOUT });
  const structCur = new BigInt64Array(buffers.structCur);
  let lendNumber = 0;
  const lendStruct = (): number => {
    const h = structs.tryAcquire();
    if (h < 0) return h;
    structs.set(h, "lend", (lendNumber = (lendNumber + 1) | 0));
    structs.set(h, "retiredAt", -1);
    stats.pool.leases++;
    return h;
  };
  Atomics.store(structCur, 0, BigInt(lendStruct()));
  stats.workers.lanes = laneCount;

  // ---- records --------------------------------------------------------------------------------------------

  const free: number[] = [];
  for (let i = recordCount - 1; i >= 1; i--) {
    Atomics.store(records, i * RECORD_WORDS + FREED, 1);
    free.push(i);
  }
  Atomics.store(records, RETIRED_AT, -1);
  Atomics.store(control, CUR, 0);
  let deferredScheduled = 0;
  let deferredRan = 0;
  let toReclaim: number[] = [];

  const reclaim = (i: number): void => {
    Atomics.store(records, i * RECORD_WORDS + FREED, 1);
    Atomics.add(records, i * RECORD_WORDS + GEN, 1);
    free.push(i);
  };
  const completed = (): number => domain.stats().gracePeriodsCompleted;
  const refresh = (): void => {
    const s = domain.stats();
    stats.gracePeriods = s.gracePeriodsCompleted;
    stats.callbacksRun = s.callbacksRun;
    let reads = 0n;
    let reclaimed = 0n;
    let reused = 0n;
    const pipe = [0n, 0n, 0n, 0n];
    let maxPipe = 0n;
    for (let lane = 0; lane < laneCount; lane++) {
      const b = lane * LANE_WORDS;
      reads += Atomics.load(lanes, b + LANE_READS);
      reclaimed += Atomics.load(lanes, b + LANE_RECLAIMED);
      reused += Atomics.load(lanes, b + LANE_REUSED);
      for (let k = 0; k < 4; k++) pipe[k]! += Atomics.load(lanes, b + LANE_PIPE0 + k);
      const m = Atomics.load(lanes, b + LANE_MAX_PIPE);
      if (m > maxPipe) maxPipe = m;
    }
    stats.reads = Number(reads);
    stats.violations.reclaimed = Number(reclaimed);
    stats.violations.reused = Number(reused);
    stats.pipe = [Number(pipe[0]), Number(pipe[1]), Number(pipe[2]), Number(pipe[3])];
    stats.maxPipe = Number(maxPipe);
    stats.violations.pipe = stats.pipe[2] + stats.pipe[3];
    stats.liveness.waits = Atomics.load(livenessWords, LIVENESS_WAITS);
    stats.liveness.doubleLent = Atomics.load(livenessWords, LIVENESS_DOUBLE_LENT);
    stats.liveness.recoveredLocks = churnPool.stats().recoveredLocks;
  };

  // ---- workers --------------------------------------------------------------------------------------------

  let stopping = false;
  let nextWorkerId = 1;
  const live: Array<{ worker: Worker; id: number } | undefined> = new Array<undefined>(laneCount).fill(undefined);
  const spawn = (lane: number): void => {
    const id = nextWorkerId++;
    const data: ReaderData = {
      handle: domain.handle,
      control: buffers.control,
      records: buffers.records,
      lanes: buffers.lanes,
      structCur: buffers.structCur,
      structPool: structs.handle,
      recordCount,
      lane,
      id,
    };
    const worker = new Worker(readerUrl, { workerData: data });
    domain.watch(worker); // first: frees the slot before the replacement below attaches
    stats.workers.started++;
    live[lane] = { worker, id };
    worker.on("error", (err) => {
      if (stats.unexpectedErrorSamples.length < 5) stats.unexpectedErrorSamples.push(`worker: ${err.message}`);
    });
    worker.once("exit", (code) => {
      if (code === CRASH_EXIT_CODE) stats.workers.crashed++;
      if (live[lane]?.id === id) live[lane] = undefined;
      if (!stopping) spawn(lane);
    });
  };
  for (let lane = 0; lane < laneCount; lane++) spawn(lane);

  // ---- liveness: lock holders killed while the main thread uses their pool; waitFor loops -------------------

  const churnPool = createStructPool({ domain, capacity: CHURN_CAPACITY, layout: STRUCT_LAYOUT });
  const liveness = new SharedArrayBuffer(4 * (LIVENESS_HOLDERS + CHURN_CAPACITY));
  const livenessWords = new Int32Array(liveness);
  const livenessUrl = options.livenessUrl ?? builtUrl("shared-liveness-worker.js");
  const helpers: Array<{ worker: Worker; killed: boolean } | undefined> = new Array<undefined>(CHURNERS + WAITERS).fill(
    undefined,
  );
  let nextTag = 1;
  const spawnHelper = (i: number): void => {
    const mode = i < CHURNERS ? "churn" : "wait";
    const tag = nextTag++;
    const worker = new Worker(livenessUrl, {
      workerData: { handle: domain.handle, control: buffers.control, liveness, pool: churnPool.handle, mode, tag },
    });
    const helper = { worker, killed: false };
    helpers[i] = helper;
    // Registered before the pool's watch: its tags are cleared while its records are still lent.
    worker.once("exit", () => {
      for (let r = 0; r < CHURN_CAPACITY; r++) Atomics.compareExchange(livenessWords, LIVENESS_HOLDERS + r, tag, 0);
    });
    churnPool.watch(worker);
    worker.on("error", (err) => {
      if (stats.unexpectedErrorSamples.length < 5) stats.unexpectedErrorSamples.push(`liveness worker: ${err.message}`);
    });
    worker.once("exit", () => {
      if (mode === "wait" && !helper.killed && !stopping) stats.liveness.stranded++; // fell out of its event loop
      if (helpers[i] === helper) helpers[i] = undefined;
      if (!stopping) spawnHelper(i);
    });
  };
  const withLiveness = options.liveness ?? true;
  if (withLiveness) for (let i = 0; i < CHURNERS + WAITERS; i++) spawnHelper(i);
  /** Right after a churner's terminate(), before its exit event can run: every record the pool can lend, then back. */
  const useChurnPoolNow = (): void => {
    const lent: number[] = [];
    for (let h = churnPool.tryAcquire(); h !== -1; h = churnPool.tryAcquire()) {
      lent.push(h);
      if (Atomics.exchange(livenessWords, LIVENESS_HOLDERS + churnPool.indexOf(h), -1) !== 0)
        Atomics.add(livenessWords, LIVENESS_DOUBLE_LENT, 1);
    }
    for (const h of lent) {
      Atomics.store(livenessWords, LIVENESS_HOLDERS + churnPool.indexOf(h), 0);
      churnPool.release(h);
    }
  };
  const lockKiller = async (): Promise<void> => {
    const mean = options.killEveryMs ?? 600;
    if (mean <= 0 || !withLiveness) return;
    while (!shouldStop()) {
      await sleep(mean / 4 + (Math.random() * mean) / 2);
      if (shouldStop()) return;
      const churn = Math.random() < 0.8;
      const i = churn ? Math.floor(Math.random() * CHURNERS) : CHURNERS + Math.floor(Math.random() * WAITERS);
      const victim = helpers[i];
      if (victim === undefined) continue;
      victim.killed = true;
      const gone = exited(victim.worker);
      void victim.worker.terminate(); // not awaited: the synchronous use below runs before its exit event
      if (churn) {
        stats.liveness.lockKills++;
        useChurnPoolNow();
      }
      await gone;
    }
  };
  /** After every liveness worker stopped: records the churn pool can still lend (the rest leaked). */
  const countChurnRecords = async (): Promise<number> => {
    const all: number[] = [];
    for (;;) {
      const h = churnPool.tryAcquire();
      if (h !== -1) {
        all.push(h);
        continue;
      }
      if (churnPool.stats().pendingFree === 0) break;
      await churnPool.reclaimable();
    }
    if (new Set(all.map((h) => churnPool.indexOf(h))).size !== all.length)
      Atomics.add(livenessWords, LIVENESS_DOUBLE_LENT, 1);
    for (const h of all) churnPool.release(h);
    return all.length;
  };

  const killer = async (): Promise<void> => {
    const mean = options.killEveryMs ?? 600;
    if (mean <= 0) return;
    while (!shouldStop()) {
      await sleep(mean / 2 + Math.random() * mean);
      if (shouldStop()) return;
      const victim = live[Math.floor(Math.random() * laneCount)];
      if (victim === undefined) continue;
      if (Math.random() < 0.7) {
        stats.workers.killed++;
        await victim.worker.terminate();
      } else {
        Atomics.store(control, CRASH, victim.id);
        await exited(victim.worker);
      }
    }
  };

  // ---- the writer -----------------------------------------------------------------------------------------

  const synchronizeAndReclaim = async (): Promise<void> => {
    const batch = toReclaim;
    toReclaim = [];
    await domain.synchronize();
    for (const i of batch) reclaim(i);
  };
  /** Publishes a new struct-pool record and releases the old one (the pool reuses it after a grace period). */
  const updateStruct = (): void => {
    const next = lendStruct();
    if (next < 0) {
      stats.pool.exhausted++;
      return;
    }
    const old = Number(Atomics.load(structCur, 0));
    Atomics.store(structCur, 0, BigInt(next));
    structs.set(old, "retiredAt", completed()); // stamped after unpublishing: other threads end grace periods too
    structs.release(old);
    stats.updates++;
  };
  const update = async (): Promise<void> => {
    if (free.length === 0) {
      await synchronizeAndReclaim();
      await domain.barrier();
    }
    const next = free.pop();
    if (next === undefined) return;
    const r = next * RECORD_WORDS;
    Atomics.store(records, r + RETIRED_AT, -1);
    Atomics.store(records, r + FREED, 0);
    const old = Atomics.load(control, CUR);
    // Stamped after unpublishing: waitFor workers end grace periods in other threads, so one may end between
    // the two stores; a stamp taken before the swap would count it (a pipe count the reader never had).
    Atomics.store(control, CUR, next);
    Atomics.store(records, old * RECORD_WORDS + RETIRED_AT, completed());
    stats.updates++;
    updateStruct();
    if (Math.random() < 0.5) {
      deferredScheduled++;
      domain.defer(
        faults.wrap(() => {
          deferredRan++;
          reclaim(old);
        }),
      );
    } else {
      toReclaim.push(old);
    }
  };
  const abortSome = (): void => {
    const ac = new AbortController();
    const cookie = domain.startPoll();
    const waits = [domain.synchronize({ signal: ac.signal }), domain.waitFor(cookie, { signal: ac.signal })];
    // Another thread (a waitFor worker drives grace periods too) may have ended that grace period before waitFor
    // checked it: then waitFor resolved at once, before the abort, which is right. Count only waits that surely
    // could still be aborted (every one keeps its handlers).
    const waitForMayBeDone = domain.poll(cookie);
    ac.abort();
    waits.forEach((p, i) => {
      const counted = i === 0 || !waitForMayBeDone;
      if (counted) stats.aborts.issued++;
      p.then(
        () => undefined,
        (err: unknown) => {
          if (counted && err instanceof Error && err.name === "AbortError") stats.aborts.honoured++;
        },
      );
    });
  };
  const writer = async (): Promise<void> => {
    let round = 0;
    while (!shouldStop()) {
      for (let k = 0; k < 4; k++) await update();
      if (++round % 50 === 0) abortSome();
      if (Math.random() < 0.3) await synchronizeAndReclaim();
      else await nextTurn();
    }
    await synchronizeAndReclaim();
  };

  const progress = setInterval(refresh, 250);
  const stopped = Promise.all([writer(), killer(), lockKiller()]).then(() => true);
  let ok = await Promise.race([stopped, sleepUntilStopThenTimeout(shouldStop)]);
  stopping = true;
  Atomics.store(control, STOP, 1);
  const all = [...live, ...helpers];
  const workersGone = Promise.all(all.flatMap((l) => (l === undefined ? [] : [exited(l.worker)])));
  ok = ok && (await within(workersGone, STOP_TIMEOUT_MS));
  if (!ok) {
    stats.stalled++;
    for (const l of all) if (l !== undefined) await l.worker.terminate();
  }
  if (ok && withLiveness) {
    let counted = 0;
    if (
      await within(
        countChurnRecords().then((n) => (counted = n)),
        STOP_TIMEOUT_MS,
      )
    )
      stats.liveness.leaked = CHURN_CAPACITY - counted;
    else stats.stalled++;
  }
  structs.release(Number(Atomics.load(structCur, 0)));
  if (!(await within(domain.close(), STOP_TIMEOUT_MS))) stats.stalled++;
  clearInterval(progress);
  refresh();
  stats.lost.deferred = deferredScheduled - deferredRan;
  const s = structs.stats();
  // Raw records: free or the published one. Struct records: none lent any more, every one free or pending.
  stats.lost.records = ok
    ? recordCount - free.length - 1 + s.live + (structCapacity - s.free - s.pendingFree - s.live)
    : 0;
}

/** Resolves `false` once `shouldStop()` has been true for {@link STOP_TIMEOUT_MS} (the writer is stuck). */
async function sleepUntilStopThenTimeout(shouldStop: () => boolean): Promise<boolean> {
  while (!shouldStop()) await sleep(100, undefined, { ref: false });
  await sleep(STOP_TIMEOUT_MS, undefined, { ref: false });
  return false;
}
