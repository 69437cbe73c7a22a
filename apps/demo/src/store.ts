/**
 * `Store`: how the service publishes its config and parser and what it does with the ones it replaces. Two
 * implementations run the same load: naive-store.ts (dispose on swap, what people do today) and rcu-store.ts
 * (an RCU domain, an `RcuCell` and `@rcu/pool`).
 */
import type { Snapshot } from "./snapshot.js";

/** Counters of a store, sampled during and after a run. `undefined` means "not applicable to this store". */
export interface StoreSample {
  /** Swaps done by the reloader (each replaces the config and the parser). */
  readonly swaps: number;
  /** Swaps whose parser could not be replaced because the pool was at `max` (the config still swapped). */
  readonly swapsWithoutParser: number;
  /** Grace periods completed. */
  readonly gracePeriods: number | undefined;
  /** Replaced objects still waiting to be reclaimed right now. */
  readonly pending: number;
  /** Objects reclaimed so far — replaced ones, and after close the last ones too (disposed, or back in the pool). */
  readonly reclaimed: number;
  /** Parser objects ever allocated. */
  readonly parsersAllocated: number;
  /** Misuse reports from the domain's debug mode (only with `--flavor loop`). */
  readonly misuseReports: number | undefined;
  /** Other failures the domain or pool reported (throwing disposers…). */
  readonly errors: number;
}

/**
 * Published state plus its reclamation policy.
 *
 * @example
 * const store = createNaiveStore()
 * { using snap = store.enter(); snap.useConfig().greeting }
 * store.swap()
 * await store.close()
 */
export interface Store {
  /** `'naive'` or `'rcu'`. */
  readonly kind: "naive" | "rcu";
  /** The column header in the report. */
  readonly label: string;
  /** Starts a request: enters a read section (RCU) and snapshots the current config and parser. */
  enter(): Snapshot;
  /** Publishes a new config and a new parser, and deals with the old ones. */
  swap(): void;
  /** Current counters. */
  sample(): StoreSample;
  /** Shuts down: reclaims the current objects too and waits for everything pending. */
  close(): Promise<void>;
}
