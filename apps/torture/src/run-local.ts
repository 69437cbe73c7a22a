/**
 * `runLocal`: tortures one `loop` or `srcu` domain on the main thread until `shouldStop()`.
 *
 * Readers enter sections and take every published object: the `RcuCell`'s current object, the object a
 * `synchronize()` writer publishes, the current object of a `createPending` engine (which may be dequeued and
 * reused type-stably), and the current lease of two `@rcu/pool` pools (`typesafe: false` and `true`). They
 * check each object again just before leaving: not freed, the same generation where reuse is not allowed (a
 * new one is a legal retry where it is), and the pipe count (see flavor-stats.ts). `loop` readers are
 * synchronous sections, plus a few promise-returning ones (which `loop` holds until they settle); `srcu` readers
 * await random delays (microtask, turn, timer) inside, some through `readLock()` guards and nested sections.
 *
 * Writers publish and retire continuously (the cell's `retire` option, `domain.retire`, `domain.defer`, engine
 * `enqueue`/`dequeue`, pool leases), with faults injected into every callback (fault-injector.ts), and abort
 * `synchronize`/`waitFor`/`acquireAsync` calls on purpose. At the end the domain is closed with work still
 * pending, and every item is accounted for: enqueued = processed + dequeued, deferred = run, retired =
 * disposed, pool objects created = destroyed.
 *
 * Why this file is over 400 lines: it is one torture run — the readers, the writers and the end-of-run accounting
 * share the published objects and the counters, and reading them side by side is how a violation is explained.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { createCell, createDomain, createPending, isRcuError } from "@rcu/core";
import type { RcuDomain } from "@rcu/core";
import { createPool, isPoolError } from "@rcu/pool";
import type { Lease, Pool } from "@rcu/pool";
import { DEFAULT_RATES, FaultInjector, errorCounter } from "./fault-injector.js";
import type { FaultRates } from "./fault-injector.js";
import { recordPipe } from "./flavor-stats.js";
import type { FlavorStats } from "./flavor-stats.js";
import { within } from "./within.js";

/** One tortured object. `handled`: 0 published, 1 pending in the engine, 2 processed, 3 dequeued. */
export interface TortureObject extends Disposable {
  readonly id: number;
  freed: boolean;
  /** `gracePeriodsCompleted` when unpublished; -1 while published. */
  retiredAt: number;
  /** Bumped on type-stable reuse (engine dequeue). */
  generation: number;
  handled: 0 | 1 | 2 | 3;
}

/** Options of {@link runLocal}. */
export interface LocalRunOptions {
  readonly flavor: "loop" | "srcu";
  readonly stats: FlavorStats;
  readonly shouldStop: () => boolean;
  readonly rates?: FaultRates;
  /** Concurrent reader tasks (default 16). */
  readonly readers?: number;
  /** The domain's settle timeout: hung async disposals are reported as SETTLE_TIMEOUT after this (ms, default 200:
   * far above the few ms a slow disposal takes, so only the injected hangs reach it). */
  readonly settleTimeoutMs?: number;
}

/** How long `close()` may take before the run is declared stalled (ms). */
const STOP_TIMEOUT_MS = 30_000;

interface Published<T> {
  readonly obj: T;
  readonly gen: number;
}

interface PoolPublished extends Published<TortureObject> {
  readonly lease: Lease<TortureObject>;
}

/** What a reader took when it entered its section. */
interface Held {
  readonly cell: TortureObject;
  readonly sync: TortureObject;
  readonly engine: Published<TortureObject>;
  readonly plain: PoolPublished;
  readonly typesafe: PoolPublished;
}

function isAbort(err: unknown): boolean {
  return (
    (err instanceof Error && err.name === "AbortError") ||
    (isPoolError(err) && err.code === "ABORTED") ||
    (isRcuError(err) && err.message.toLowerCase().includes("abort"))
  );
}

/**
 * Runs one local flavour until `shouldStop()` returns true, then closes the domain (with work pending) and fills
 * in the final accounting of `options.stats`. Returns the domain's final stats refresher for progress lines.
 *
 * @example
 * let stop = false
 * setTimeout(() => (stop = true), 5_000)
 * await runLocal({ flavor: 'srcu', stats: emptyStats(), shouldStop: () => stop })
 */
export async function runLocal(options: LocalRunOptions): Promise<void> {
  const { flavor, stats, shouldStop } = options;
  const faults = new FaultInjector(stats, options.rates ?? DEFAULT_RATES);
  const domain: RcuDomain = createDomain({
    flavor,
    name: `torture-${flavor}`,
    onError: errorCounter(stats),
    settleTimeoutMs: options.settleTimeoutMs ?? 200,
    flushOnExit: false,
  });
  const completed = (): number => domain.stats().gracePeriodsCompleted;
  const refresh = (): void => {
    const s = domain.stats();
    stats.gracePeriods = s.gracePeriodsCompleted;
    stats.callbacksRun = s.callbacksRun;
  };

  let nextId = 0;
  let retired = 0;
  let disposed = 0;
  let deferredScheduled = 0;
  let deferredRan = 0;
  let created = 0;
  let destroyed = 0;

  const dispose = (obj: TortureObject): void => {
    disposed++;
    obj.freed = true;
  };
  const make = (): TortureObject => {
    const obj: TortureObject = {
      id: nextId++,
      freed: false,
      retiredAt: -1,
      generation: 0,
      handled: 0,
      [Symbol.dispose]() {
        dispose(obj);
      },
    };
    return obj;
  };
  const stamp = (obj: TortureObject): void => {
    obj.retiredAt = completed();
  };

  // ---- the published objects ------------------------------------------------------------------------------

  const cell = createCell(domain, make(), { retire: (old) => faults.wrap(() => dispose(old))() });
  let syncCur = make();

  const engine = createPending<TortureObject>(domain, {
    name: `torture-${flavor}-engine`,
    maxPerTurn: 256,
    process: (item) =>
      faults.wrapSync(() => {
        if (item.handled !== 1) stats.violations.doubleHandled++;
        item.handled = 2;
        item.freed = true;
        stats.engine.processed++;
      })(),
  });
  const recycled: TortureObject[] = [];
  let engineCur: Published<TortureObject> = { obj: make(), gen: 0 };

  const makePool = (typesafe: boolean, max: number): Pool<TortureObject> =>
    createPool<TortureObject>({
      domain,
      name: `torture-${flavor}-${typesafe ? "typesafe" : "plain"}`,
      typesafe,
      max,
      create: () => {
        created++;
        return make();
      },
      reset: (obj) => {
        obj.retiredAt = -1;
      },
      destroy: (obj) => {
        destroyed++;
        obj.freed = true;
      },
    });
  const plainPool = makePool(false, 256);
  const typesafePool = makePool(true, 64);
  const tinyPool = makePool(false, 2);
  const lend = (pool: Pool<TortureObject>): PoolPublished => {
    const lease = pool.acquire();
    stats.pool.leases++;
    return { obj: lease.value, gen: lease.generation, lease };
  };
  let plainCur = lend(plainPool);
  let typesafeCur = lend(typesafePool);

  // ---- readers --------------------------------------------------------------------------------------------

  const checkFreshlyTaken = (obj: TortureObject): void => {
    if (obj.freed) stats.violations.reclaimed++;
  };
  const enter = (): Held => {
    const held: Held = {
      cell: cell.get(),
      sync: syncCur,
      engine: { obj: engineCur.obj, gen: engineCur.obj.generation },
      plain: plainCur,
      typesafe: typesafeCur,
    };
    checkFreshlyTaken(held.cell);
    checkFreshlyTaken(held.sync);
    checkFreshlyTaken(held.engine.obj);
    checkFreshlyTaken(held.plain.obj);
    checkFreshlyTaken(held.typesafe.obj);
    return held;
  };
  let gpNow = -1;
  const pipeOf = (obj: TortureObject): void => {
    if (obj.retiredAt < 0) {
      stats.pipe[0]++;
      return;
    }
    if (gpNow < 0) gpNow = completed();
    recordPipe(stats, gpNow - obj.retiredAt);
  };
  /** Files what a reader sees on leaving: freed is always a violation; a new generation is a retry where
   * type-stable reuse is allowed and a violation where it is not; otherwise the pipe count. */
  const judge = (obj: TortureObject, sameGeneration: boolean, reuseAllowed: boolean): void => {
    if (obj.freed) stats.violations.reclaimed++;
    if (!sameGeneration) {
      if (reuseAllowed) stats.revalidationRetries++;
      else stats.violations.reused++;
      return;
    }
    pipeOf(obj);
  };
  const leave = (h: Held): void => {
    gpNow = -1;
    judge(h.cell, true, false);
    judge(h.sync, true, false);
    judge(h.engine.obj, h.engine.obj.generation === h.engine.gen, true);
    judge(h.plain.obj, plainPool.generationOf(h.plain.obj) === h.plain.gen, false);
    judge(h.typesafe.obj, typesafePool.generationOf(h.typesafe.obj) === h.typesafe.gen, true);
    stats.reads++;
  };

  const randomDelay = async (): Promise<void> => {
    const r = Math.random();
    if (r < 0.4) await Promise.resolve();
    else if (r < 0.8) await nextTurn();
    else await sleep(Math.floor(Math.random() * 3));
  };

  const loopReader = async (): Promise<void> => {
    while (!shouldStop()) {
      for (let i = 0; i < 32; i++) domain.read(() => leave(enter()));
      if (Math.random() < 0.05) {
        // A promise-returning section: `loop` holds it until it settles.
        await domain.read(async () => {
          const h = enter();
          await randomDelay();
          leave(h);
        });
      }
      await nextTurn();
    }
  };

  const srcuReader = async (): Promise<void> => {
    while (!shouldStop()) {
      const r = Math.random();
      if (r < 0.6) {
        await domain.read(async () => {
          const h = enter();
          await randomDelay();
          leave(h);
        });
      } else if (r < 0.85) {
        const guard = domain.readLock();
        try {
          const h = enter();
          await randomDelay();
          await randomDelay();
          leave(h);
        } finally {
          guard.unlock();
        }
      } else {
        // Nested: the inner section ends first; the outer one keeps holding what it took.
        await domain.read(async () => {
          const outer = enter();
          await domain.read(async () => {
            const inner = enter();
            await randomDelay();
            leave(inner);
          });
          await randomDelay();
          leave(outer);
        });
      }
    }
  };

  // ---- writers --------------------------------------------------------------------------------------------

  const settling = new Set<Promise<unknown>>();
  const watch = (p: Promise<unknown>): void => {
    const tracked = p.finally(() => settling.delete(tracked));
    settling.add(tracked);
  };

  const updateCell = (): void => {
    const old = cell.get();
    stamp(old);
    retired++;
    cell.set(make());
    stats.updates++;
  };
  const updateEngine = (): void => {
    const old = engineCur.obj;
    const next = recycled.pop() ?? make();
    next.retiredAt = -1;
    next.handled = 0;
    engineCur = { obj: next, gen: next.generation };
    stamp(old);
    old.handled = 1;
    engine.enqueue(old);
    stats.engine.enqueued++;
    stats.updates++;
    if (Math.random() < 0.15) {
      const back = engine.dequeue();
      if (back !== undefined) {
        if (back.handled !== 1) stats.violations.doubleHandled++;
        back.handled = 3;
        back.generation++; // type-stable reuse: readers holding it revalidate
        stats.engine.dequeued++;
        recycled.push(back);
      }
    }
  };
  const updatePools = (): void => {
    for (const which of ["plain", "typesafe"] as const) {
      const pool = which === "plain" ? plainPool : typesafePool;
      const old = which === "plain" ? plainCur : typesafeCur;
      let next: PoolPublished;
      try {
        next = lend(pool);
      } catch (err) {
        if (isPoolError(err) && err.code === "EXHAUSTED") {
          stats.pool.exhausted++;
          continue;
        }
        throw err;
      }
      if (which === "plain") plainCur = next;
      else typesafeCur = next;
      stamp(old.obj);
      old.lease.release();
      stats.updates++;
    }
  };
  const deferSome = (): void => {
    deferredScheduled++;
    domain.defer(faults.wrap(() => deferredRan++));
  };
  const abortSome = (): void => {
    const ac = new AbortController();
    const waits = [
      domain.synchronize({ signal: ac.signal }),
      domain.waitFor(domain.startPoll(), { signal: ac.signal }),
    ];
    ac.abort();
    for (const p of waits) {
      stats.aborts.issued++;
      watch(
        p.then(
          () => undefined,
          (err: unknown) => {
            if (isAbort(err)) stats.aborts.honoured++;
          },
        ),
      );
    }
    // acquireAsync on an exhausted pool, aborted while it waits; a second waiter is served by a release.
    const a = tinyPool.tryAcquire();
    const b = tinyPool.tryAcquire();
    if (a !== undefined && b !== undefined) {
      const ac2 = new AbortController();
      const aborted = tinyPool.acquireAsync({ signal: ac2.signal });
      const served = tinyPool.acquireAsync();
      ac2.abort();
      stats.aborts.issued++;
      watch(
        aborted.then(
          (lease) => lease.release(),
          (err: unknown) => {
            if (isAbort(err)) {
              stats.aborts.honoured++;
              stats.pool.acquireAsyncAborted++;
            }
          },
        ),
      );
      watch(
        served.then(
          (lease) => lease.release(),
          () => undefined,
        ),
      );
      a.release();
      b.release();
    } else {
      a?.release();
      b?.release();
    }
  };

  const writer = async (): Promise<void> => {
    let round = 0;
    while (!shouldStop()) {
      for (let i = 0; i < 8; i++) {
        updateCell();
        updateEngine();
        deferSome();
      }
      updatePools();
      if (++round % 25 === 0) abortSome();
      if (round % 97 === 0) domain.expedite();
      await nextTurn();
    }
  };

  /** The classic pattern: publish, `synchronize()`, then free (or hand it to `domain.retire`). */
  const syncWriter = async (): Promise<void> => {
    while (!shouldStop()) {
      const old = syncCur;
      syncCur = make();
      stamp(old);
      retired++;
      stats.updates++;
      if (Math.random() < 0.5) {
        await domain.synchronize();
        dispose(old);
      } else {
        domain.retire(old);
        await nextTurn();
      }
    }
  };

  const progress = setInterval(refresh, 250);
  const readerCount = options.readers ?? 16;
  const tasks: Array<Promise<void>> = [writer(), syncWriter()];
  for (let i = 0; i < readerCount; i++) tasks.push(flavor === "loop" ? loopReader() : srcuReader());
  await Promise.all(tasks);

  // ---- close with work pending, then account for every item ------------------------------------------------

  for (let i = 0; i < 64; i++) {
    updateCell();
    updateEngine();
    deferSome();
  }
  updatePools();
  if (!(await within(domain.close(), STOP_TIMEOUT_MS))) stats.stalled++;
  await Promise.all(settling);
  plainCur.lease.release(); // late releases after close destroy the object
  typesafeCur.lease.release();
  clearInterval(progress);
  refresh();

  stats.lost.engine = stats.engine.enqueued - stats.engine.processed - stats.engine.dequeued;
  stats.lost.deferred = deferredScheduled - deferredRan;
  // The cell's and the sync writer's current objects are never retired; the engine's current one never enqueued.
  stats.lost.retired = retired - disposed;
  // Everything a pool created is destroyed once the pool is closed and its last leases are back.
  stats.lost.pool = created - destroyed;
}
