/**
 * `createRcuStore`: the same service state with `@rcu/*`.
 *
 * - Config: an `RcuCell` on an RCU domain. `swap()` calls `cell.set(next)`; the cell retires the old config,
 *   and the domain disposes it only after a grace period — once every request that was inside its read section
 *   when the swap happened has finished.
 * - Parser: leased from an `@rcu/pool` pool and published in a plain variable (assignment is atomic in JS).
 *   `swap()` leases a new one, publishes it, and releases the old lease; the pool lends that object again (its
 *   `reset` = `recycle()`) only after a grace period, so a handful of parsers serve the whole run.
 * - Readers: `enter()` takes `domain.readLock()` and the handler holds it across its `await`s (disposed with
 *   `using`). With `srcu` (the default) that is what the flavour is for. With `loop` the guards still count —
 *   core never lets a grace period overtake a held guard — but holding one across `await` is misuse: the domain
 *   runs in debug mode and every such guard is reported as `GUARD_ACROSS_TURN` (the report counts them).
 * - `close()` releases the current lease, retires the current config and calls `domain.close()`, which drains
 *   the pool and every pending disposal.
 */
import { createCell, createDomain, isRcuError } from "@rcu/core";
import type { RcuDomain } from "@rcu/core";
import { createPool } from "@rcu/pool";
import type { Lease } from "@rcu/pool";
import { Config, Parser, createCounters } from "./resources.js";
import { Snapshot } from "./snapshot.js";
import type { Store, StoreSample } from "./store.js";

/** Options of {@link createRcuStore}. */
export interface RcuStoreOptions {
  /** The domain's flavour: `'srcu'` (sections span `await`) or `'loop'` (misuse, reported in debug mode). */
  readonly flavor: "srcu" | "loop";
  /** Most parser objects the pool may own. Default 64. */
  readonly maxParsers?: number;
  /**
   * DELIBERATELY WRONG, for the test that proves the violation check is not vacuous: a `typesafe` pool (with
   * `maxFree: 0`) lends parsers that are still inside their grace period, and these handlers do not re-validate
   * with `pool.isLive`, so requests in flight see their parser recycled under them. Default false.
   */
  readonly unsafeTypesafeReuse?: boolean;
}

/**
 * A store whose replaced objects are reclaimed after a grace period.
 *
 * @example
 * const store = createRcuStore({ flavor: 'srcu' })
 * const snap = store.enter()
 * store.swap()
 * snap.useConfig() // still the old config, still valid: snap.violated stays false
 * snap[Symbol.dispose]() // leaves the section; the old config is disposed after the grace period
 * await store.close()
 */
export function createRcuStore(options: RcuStoreOptions): Store {
  const counters = createCounters();
  let misuseReports = 0;
  let errors = 0;
  const domain: RcuDomain = createDomain({
    flavor: options.flavor,
    name: "demo",
    debug: options.flavor === "loop",
    flushOnExit: false,
    onError: (err) => {
      if (isRcuError(err, "GUARD_ACROSS_TURN")) misuseReports += 1;
      else errors += 1;
    },
  });
  let version = 1;
  const config = createCell(domain, new Config(version, counters));
  const pool = createPool<Parser>({
    domain,
    name: "parsers",
    create: () => new Parser(counters),
    reset: (parser) => {
      parser.recycle();
    },
    destroy: (parser) => {
      parser.dispose();
    },
    max: options.maxParsers ?? 64,
    ...(options.unsafeTypesafeReuse === true ? { typesafe: true, maxFree: 0 } : {}),
    onError: () => {
      errors += 1;
    },
  });
  let current: Lease<Parser> = pool.acquire();
  current.value.configure(version);
  let swaps = 0;
  let swapsWithoutParser = 0;
  let closing: Promise<void> | undefined;

  return {
    kind: "rcu",
    label:
      options.unsafeTypesafeReuse === true
        ? `@rcu (${options.flavor} + UNSAFE typesafe pool)`
        : `@rcu (${options.flavor} + pool)`,
    enter() {
      const guard = domain.readLock();
      return new Snapshot(config.get(), current.value, guard);
    },
    swap() {
      if (closing !== undefined) return;
      version += 1;
      config.set(new Config(version, counters)); // the old one is disposed after a grace period
      const next = pool.tryAcquire();
      if (next === undefined) {
        swapsWithoutParser += 1; // pool at max: keep the current parser this time
      } else {
        next.value.configure(version);
        const old = current;
        current = next;
        old.release(); // reused only after a grace period
      }
      swaps += 1;
    },
    sample(): StoreSample {
      const d = domain.stats();
      const p = pool.stats();
      const released = p.acquired - p.live;
      return {
        swaps,
        swapsWithoutParser,
        gracePeriods: d.gracePeriodsCompleted,
        pending: d.pendingCallbacks + p.pendingFree + p.pendingDestroy,
        reclaimed: counters.configsDisposed + released - p.pendingFree - p.pendingDestroy,
        parsersAllocated: p.created,
        misuseReports: options.flavor === "loop" ? misuseReports : undefined,
        errors,
      };
    },
    close() {
      closing ??= (async () => {
        current.release();
        domain.retire(config.get());
        await domain.close();
      })();
      return closing;
    },
  };
}
