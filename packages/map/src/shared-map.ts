/**
 * The public shape of `@rcu/map`: a hash table in shared memory whose readers (any worker, inside
 * `domain.read`) take no lock, and whose writers (any worker) publish new records copy-update style.
 */
import type { SharedDomain, SharedPendingHandle } from "@rcu/core/shared";
import type { StructLayout } from "@rcu/pool";
import type { KeyOf, KeySpec } from "./map-keys.js";
import type { WatchedWorker } from "@rcu/core/shared";

/**
 * The values of one record: every field of the layout, as numbers (stored as the field's typed array stores
 * them: `u8` wraps, `f32` rounds).
 *
 * @example
 * const v: ValuesOf<{ port: 'u16'; weight: 'f64' }> = { port: 8080, weight: 0.5 }
 * @since 0.1.0
 */
export type ValuesOf<L extends StructLayout> = { -readonly [F in keyof L]: number };

/**
 * Options of {@link createSharedMap}.
 *
 * @example
 * createSharedMap({ domain, key: 'u32', value: { port: 'u16', weight: 'f64' }, capacity: 1_000, maxCapacity: 100_000 })
 * @since 0.1.0
 */
export interface SharedMapOptions<K extends KeySpec, L extends StructLayout> {
  /** A `shared` domain (`createSharedDomain` from `@rcu/core/shared`); its grace periods gate record reuse. */
  readonly domain: SharedDomain;
  /** `'u32'`, `'f64'` or `{ type: 'string', maxBytes }` (UTF-8, stored inline, 1..4096 bytes). */
  readonly key: K;
  /** The value layout: field name → field type, as in `createStructPool` (1..64 own properties). */
  readonly value: L;
  /** Keys the map holds before its first resize (1..2^21). Memory for it is allocated up front. */
  readonly capacity: number;
  /** Keys the map may grow to, in place (default: `capacity`, i.e. never grows). Past it `set` throws `FULL`. */
  readonly maxCapacity?: number;
}

/**
 * What a worker needs to attach to a shared map. Structured-cloneable: send it in `workerData` or with
 * `postMessage`, next to the shared domain's handle.
 *
 * @example
 * new Worker(url, { workerData: { rcu: domain.handle, routes: routes.handle } })
 * @since 0.1.0
 */
export interface SharedMapHandle<K extends KeySpec = KeySpec, L extends StructLayout = StructLayout> {
  /** Header, writer locks and bucket tables (growable). */
  readonly index: SharedArrayBuffer;
  /** The records (growable). */
  readonly records: SharedArrayBuffer;
  /** The ring where replaced records wait for their grace period. */
  readonly pending: SharedPendingHandle;
  readonly key: K;
  readonly value: L;
}

/**
 * Flat numbers of a shared map (a snapshot: other threads keep working while it is taken).
 *
 * @example
 * const { size, buckets, pendingRecords } = map.stats()
 * @since 0.1.0
 */
export interface SharedMapStats {
  /** Keys present. */
  readonly size: number;
  readonly maxCapacity: number;
  /** Buckets of the current table. */
  readonly buckets: number;
  /** Whether a resize is running. */
  readonly resizing: boolean;
  /** Resizes completed so far. */
  readonly resizes: number;
  /** Records ever handed out (the record buffer's high-water mark). */
  readonly records: number;
  /** Replaced or deleted records waiting for their grace period. */
  readonly pendingRecords: number;
  /** Records and locks taken back from workers that died (by `watch`). */
  readonly recovered: number;
  /** Bytes of shared memory in use (both buffers and the pending ring). */
  readonly bytes: number;
}

/**
 * A hash table in shared memory (see {@link createSharedMap}). One instance per thread: the creating thread's
 * from `createSharedMap`, a worker's from `attachSharedMap`.
 *
 * Readers call `lookup`/`get`/`has`/`forEach` inside `domain.read`: a record handle found in a section names
 * the same whole record until the section ends, whatever writers do meanwhile.
 *
 * @example
 * domain.read(() => {
 *   const h = routes.lookup(42)
 *   return h === undefined ? undefined : routes.get(h, 'port')
 * })
 * routes.set(42, { port: 8081, weight: 1 }) // any thread; readers see the old record or the new one
 * @since 0.1.0
 */
export interface SharedMap<K extends KeySpec, L extends StructLayout> {
  /** Structured-cloneable; {@link attachSharedMap} it in workers. */
  readonly handle: SharedMapHandle<K, L>;
  /** This thread's view of the map's shared domain. */
  readonly domain: SharedDomain;
  readonly maxCapacity: number;
  /** Keys present now (over every thread). */
  readonly size: number;
  /**
   * The handle of the record holding `key`, or `undefined`. Call it inside `domain.read`; the handle stays
   * valid (its record intact) until the section ends. No lock; no allocation for numeric keys.
   *
   * @throws {RcuError} `INVALID_OPTION` when `key` is not of the map's key type.
   * @example
   * domain.read(() => routes.lookup(42))
   */
  lookup(key: KeyOf<K>): number | undefined;
  /**
   * Field `field` of the record `handle` names.
   *
   * @throws {RcuError} `INVALID_OPTION` for a field not in the layout, or a handle that is not one `lookup`
   * returned for a record still in place (fractional, a string, forged, or used after its section let the record
   * be recycled).
   * @example
   * domain.read(() => { const h = routes.lookup(42); return h && routes.get(h, 'port') })
   */
  get<F extends keyof L & string>(handle: number, field: F): number;
  /**
   * Every field of the record `handle` names, as a new object (allocates; `get` does not).
   *
   * @example
   * domain.read(() => { const h = routes.lookup(42); return h === undefined ? undefined : routes.values(h) })
   */
  values(handle: number): ValuesOf<L>;
  /**
   * The key stored in the record `handle` names.
   *
   * @example
   * domain.read(() => routes.keyOf(routes.lookup('/api')!)) // '/api'
   */
  keyOf(handle: number): KeyOf<K>;
  /**
   * Whether `key` is present (inside `domain.read`, like `lookup`).
   *
   * @example
   * domain.read(() => routes.has(42))
   */
  has(key: KeyOf<K>): boolean;
  /**
   * Calls `fn(handle, key)` once for every key present for the whole call (keys added or removed meanwhile may
   * or may not be visited; a key updated meanwhile is visited once, with its old or new record — also across
   * a concurrent resize). Call it inside `domain.read`.
   *
   * @example
   * domain.read(() => routes.forEach((h, key) => console.log(key, routes.get(h, 'port'))))
   */
  forEach(fn: (handle: number, key: KeyOf<K>) => void): void;
  /**
   * Publishes `values` for `key` in a new record (copy-update): readers see the old record or the new one,
   * never a mix. The replaced record is recycled after a grace period. Any thread; never inside `update`'s `fn`.
   *
   * @throws {RcuError} `FULL` when the map holds `maxCapacity` keys and `key` is new, or when every spare record
   * still waits for its grace period (await `reclaimable()`); `INVALID_OPTION` for a bad key or values;
   * `SELF_DEADLOCK` from inside `update`'s `fn`.
   * @example
   * routes.set(42, { port: 8081, weight: 1 })
   */
  set(key: KeyOf<K>, values: ValuesOf<L>): void;
  /**
   * Atomically replaces the values of `key` with `fn(current)` (`current` is `undefined` when absent; return
   * `undefined` to delete or leave it absent). Writers of the same key wait while `fn` runs: keep it short, and
   * do not write to this map from it.
   *
   * @throws {RcuError} as `set`; whatever `fn` throws (nothing is changed then).
   * @example
   * hits.update(route, (v) => ({ count: (v?.count ?? 0) + 1 }))
   */
  update(key: KeyOf<K>, fn: (current: ValuesOf<L> | undefined) => ValuesOf<L> | undefined): void;
  /**
   * Removes `key`; returns whether it was present. Its record is recycled after a grace period.
   *
   * @example
   * routes.delete(42)
   */
  delete(key: KeyOf<K>): boolean;
  /**
   * Watches a worker attached to this map: when it exits (even killed mid-write), frees its reader slot
   * (`domain.watch`), releases every lock it held (repairing a half-done resize step), and settles the records
   * it was writing (published ones stay, the others are recycled after a grace period). On Linux a writer that
   * meets one of its locks before the `exit` event does the same at once (its OS thread is seen gone), so a
   * synchronous write right after `worker.terminate()` never waits for the event loop.
   *
   * @example
   * const worker = new Worker(url, { workerData: { rcu: domain.handle, map: map.handle } })
   * map.watch(worker)
   */
  watch(worker: WatchedWorker): void;
  /**
   * Resolves once the oldest replaced record's grace period has ended (at once when none waits). After a
   * `FULL` caused by records still in their grace period, await it and retry.
   *
   * @example
   * await map.reclaimable()
   */
  reclaimable(): Promise<void>;
  /**
   * Flat numbers over every thread.
   *
   * @example
   * console.log(map.stats().size)
   */
  stats(): SharedMapStats;
}
