/**
 * `createStructPool`: fixed-layout records in a `SharedArrayBuffer`, lent and recycled by any thread attached to
 * a `shared` domain — the JS form of a kernel slab shared across CPUs.
 *
 * How it works. Record `i` has a 32-bit generation `gen[i]`: odd while lent, even while free or pending. A handle
 * is `gen * 2^21 + i` (a safe integer), so it names one lend of one record.
 * - `acquire`: pop an index from the free list (struct-free-list.ts; ABA-safe), else take one whose grace period
 *   has ended from the SAB-resident pending ring of `@rcu/core/shared` (`createSharedPending`), else, with
 *   `typesafe`, dequeue one still pending; then `owner[i] = thread`, `gen[i] += 1` (now odd; bumped *before*
 *   the new owner writes a field) and return the handle. Exclusive: each index leaves the free list or the
 *   ring through one linearizable step, so no record is ever lent to two owners.
 * - `release(h)`: `CAS gen[i]: g → g + 1` (a stale or second release fails the CAS: it can never free someone
 *   else's lend), swap `owner[i]` to 0, and — if it was not 0 already — enqueue `i` in the pending ring with the
 *   current grace-period cookie (the owner swap decides, between a release and `watch` reclaiming a dead
 *   owner's records, which one enqueues).
 * - Readers (any attached thread, inside `domain.read`) get fields by handle. Default mode: a record is reused
 *   only after a grace period, so a reader inside a section that found the handle reads stable fields even if
 *   it was released meanwhile; `isLive(h)` tells whether it still is lent. `typesafe: true`: a record may be
 *   re-lent before the grace period, so readers follow the seqlock pattern — check `isLive(h)`, read the
 *   fields, check `isLive(h)` again, retry or skip on change; the bump before reuse makes every reuse visible.
 *   (The re-check relies on plain field reads not moving past the atomic generation loads: true on x86-64, not
 *   promised by JavaScript's memory model for non-atomic reads; on weakly ordered CPUs prefer the default.)
 * - Dead workers (`watch`): when a watched worker exits, its reader slot is freed (`domain.watch`), any lock it
 *   held is released, and every record it held is **reclaimed**: released on its behalf and recycled after a
 *   grace period. A worker killed inside the few instructions of an acquire or release (between the free-list
 *   pop and `owner[i] = thread`, or between the owner swap and the enqueue) leaks that one record: it stays out
 *   of circulation for the pool's lifetime.
 *
 * Hot path: acquire = a lock-protected pop + an atomic store and add; release = one CAS + one swap + one
 * lock-protected ring append. No objects are made per call (the BigInt `'tagged'` free list excepted).
 */
import { onDomainClose } from "@rcu/core";
import { attachSharedPending, createSharedLock, createSharedPending } from "@rcu/core/shared";
import type { SharedDomain, SharedPending, SharedPendingHandle } from "@rcu/core/shared";
import { PoolError } from "./pool-error.js";
import {
  CAPACITY_WORD,
  CLOSED,
  FREE_HEAD,
  FREE_LOCK,
  INDEX_MASK,
  INDEX_SPACE,
  KIND_WORD,
  MAGIC,
  MAGIC_WORD,
  MAX_CAPACITY,
  TYPESAFE_WORD,
  checkLayout,
  structBytes,
  structViews,
  type FieldArray,
  type FieldType,
  type StructLayout,
  type StructViews,
} from "./struct-layout.js";
import { LockFreeList, TaggedFreeList, initFreeList, threadOwner, type FreeList, type FreeListKind } from "./struct-free-list.js";

/**
 * What another thread needs to attach to a struct pool. Structured-cloneable: send it with `postMessage` or
 * `workerData`, next to the shared domain's handle.
 *
 * @example
 * new Worker(url, { workerData: { rcu: domain.handle, pool: pool.handle } })
 * @since 0.1.0
 */
export interface StructPoolHandle<L extends StructLayout = StructLayout> {
  readonly buffer: SharedArrayBuffer;
  readonly layout: L;
  readonly capacity: number;
  readonly typesafe: boolean;
  readonly freeList: FreeListKind;
  readonly pending: SharedPendingHandle;
}

/**
 * Options of {@link createStructPool}.
 *
 * @example
 * createStructPool({ domain, capacity: 4096, layout: { x: 'f64', y: 'f64', id: 'u32' } })
 * @since 0.1.0
 */
export interface StructPoolOptions<L extends StructLayout> {
  /** A `shared` domain (`createSharedDomain` from `@rcu/core/shared`); its grace periods gate reuse. */
  readonly domain: SharedDomain;
  /** Field name → type of every record. */
  readonly layout: L;
  /** Records, 1..2^21. All are allocated up front in one `SharedArrayBuffer`. */
  readonly capacity: number;
  /** Re-lend records still in their grace period when nothing else is free (readers must re-validate). Default false. */
  readonly typesafe?: boolean;
  /** A stale or second `release` throws `STALE_RELEASE` instead of returning false. Default false. */
  readonly strict?: boolean;
  /** Free-list variant: `'lock'` (default, measured faster) or `'tagged'` (lock-free 64-bit tagged CAS). */
  readonly freeList?: FreeListKind;
}

/**
 * Flat numbers of a struct pool (a snapshot: other threads keep working while it is taken).
 *
 * @example
 * const { live, free, pendingFree } = pool.stats()
 * @since 0.1.0
 */
export interface StructPoolStats {
  readonly capacity: number;
  /** Records lent now (generation odd). */
  readonly live: number;
  /** Records ready to lend. */
  readonly free: number;
  /** Released records waiting for their grace period. */
  readonly pendingFree: number;
  /** Records taken back from the pending ring after their grace period (all threads). */
  readonly reusedFromPending: number;
  /** Records re-lent before their grace period ended (typesafe, all threads). */
  readonly reusedEarly: number;
  /** Times a thread took the free list's or the pending ring's lock over from a holder whose thread had died. */
  readonly recoveredLocks: number;
}

/**
 * Fixed-layout records in shared memory, lent by handle and recycled after a grace period (see
 * {@link createStructPool}).
 *
 * @example
 * const h = pool.acquire()
 * pool.set(h, 'x', 1.5)
 * publish(h)                          // e.g. store h in a shared index that workers read
 * domain.read(() => pool.get(h, 'x')) // in any attached thread
 * unpublish(h); pool.release(h)       // reused once every reader that could see it has left
 * @since 0.1.0
 */
export interface StructPool<L extends StructLayout> {
  /** Structured-cloneable; {@link attachStructPool} it from workers. */
  readonly handle: StructPoolHandle<L>;
  readonly capacity: number;
  readonly typesafe: boolean;
  /** This thread's view of the pool's shared domain. */
  readonly domain: SharedDomain;
  /** Whether the pool was drained (in any thread). */
  readonly closed: boolean;
  /**
   * Lends a record and returns its handle. Fields keep whatever the previous owner wrote: set them.
   *
   * @throws {PoolError} `EXHAUSTED` when every record is lent or still in its grace period (await
   * `pool.reclaimable()` or release some); `CLOSED` after `drain()`.
   */
  acquire(): number;
  /** Like `acquire`, but returns -1 instead of throwing `EXHAUSTED`. */
  tryAcquire(): number;
  /**
   * Like `acquire`, but waits while the pool is exhausted: for the oldest released record's grace period, or,
   * when every record is lent, for a release in any thread. Waiters in different threads are not ordered.
   *
   * @throws {PoolError} (rejects) `ABORTED` when `signal` aborts first (nothing is lent then); `CLOSED` when
   * the pool is drained before a record is free.
   * @example
   * const h = await pool.acquireAsync({ signal: AbortSignal.timeout(1_000) })
   */
  acquireAsync(options?: { readonly signal?: AbortSignal }): Promise<number>;
  /**
   * Ends the lend named by `handle`; the record is reused after a grace period (or earlier, typesafe). Returns
   * false for a stale or second release (it never frees another lend).
   *
   * @throws {PoolError} `STALE_RELEASE` instead of returning false, with `strict`.
   */
  release(handle: number): boolean;
  /** Whether `handle` is still lent (its record was not released or re-lent since). */
  isLive(handle: number): boolean;
  /** The current generation of record `index` (odd while lent). */
  generationOf(index: number): number;
  /** The record index a handle names. */
  indexOf(handle: number): number;
  /** Field `name` of the record `handle` names. No liveness check (readers re-check with `isLive` when typesafe). */
  get<K extends keyof L & string>(handle: number, name: K): number;
  /**
   * Writes field `name` of a record you hold.
   *
   * @throws {PoolError} `STALE_HANDLE` when `handle` is not lent any more.
   */
  set<K extends keyof L & string>(handle: number, name: K, value: number): void;
  /** The typed array holding field `name` of every record: `pool.field('x')[pool.indexOf(h)]`. */
  field<K extends keyof L & string>(name: K): FieldArray<L[K]>;
  /**
   * Watches a worker attached to this pool: when it exits (even killed inside a section or while holding
   * records), frees its reader slot (`domain.watch`) and any lock it held, and reclaims every record it held
   * (released on its behalf, reused after a grace period).
   */
  watch(worker: { readonly threadId: number; once(event: "exit", listener: () => void): unknown }): void;
  /** Resolves once the oldest released record's grace period has ended (at once if none is pending). */
  reclaimable(): Promise<void>;
  /**
   * Moves up to `max` released records whose grace period has ended to the free list (`acquire` also takes them
   * one at a time when the free list is empty); returns how many. For a background thread that keeps the free
   * list warm.
   */
  reclaim(max?: number): number;
  stats(): StructPoolStats;
  /**
   * Closes the pool in every thread (`acquire` throws `CLOSED`; `release` keeps working) and resolves once every
   * released record has passed its grace period. The creating thread's domain `close()` closes it too.
   */
  drain(): Promise<void>;
}

const ALL_VIEWS = new WeakMap<SharedArrayBuffer, StructViews>();

class StructPoolImpl<L extends StructLayout> implements StructPool<L> {
  readonly capacity: number;
  readonly typesafe: boolean;
  private readonly gen: Int32Array;
  private readonly owners: Int32Array;
  private readonly control: Int32Array;
  private readonly fields: Readonly<Record<string, FieldArray<FieldType>>>;
  private readonly free: FreeList;
  private readonly pending: SharedPending;
  private readonly me: number;
  private readonly strict: boolean;
  private readonly counters: Int32Array;

  constructor(
    readonly handle: StructPoolHandle<L>,
    readonly domain: SharedDomain,
    views: StructViews,
    pending: SharedPending,
    strict: boolean,
  ) {
    this.capacity = handle.capacity;
    this.typesafe = handle.typesafe;
    this.gen = views.gen;
    this.owners = views.owner;
    this.control = views.control;
    this.fields = views.fields;
    this.pending = pending;
    this.me = threadOwner();
    this.strict = strict;
    this.counters = views.control;
    this.free =
      handle.freeList === "tagged"
        ? new TaggedFreeList(views.tagged, views.next)
        : new LockFreeList(createSharedLock(domain, views.control, FREE_LOCK), views.control, views.next, FREE_HEAD, RECOVERED);
  }

  get closed(): boolean {
    return Atomics.load(this.control, CLOSED) !== 0;
  }

  tryAcquire(): number {
    if (Atomics.load(this.control, CLOSED) !== 0) {
      throw new PoolError("CLOSED", "This struct pool was drained; acquire from a live pool.");
    }
    let index = this.free.pop();
    if (index === -1) {
      index = this.pending.takeExpired();
      if (index !== -1) {
        Atomics.add(this.counters, REUSED_FROM_PENDING, 1);
      } else if (this.typesafe) {
        index = this.pending.dequeue();
        if (index === -1) return -1;
        Atomics.add(this.counters, REUSED_EARLY, 1);
      } else {
        return -1;
      }
    }
    Atomics.store(this.owners, index, this.me);
    const g = (Atomics.add(this.gen, index, 1) + 1) >>> 0; // odd: lent (bumped before the owner writes)
    return g * INDEX_SPACE + index;
  }

  acquire(): number {
    const h = this.tryAcquire();
    if (h === -1) {
      throw new PoolError(
        "EXHAUSTED",
        `All ${this.capacity} records are lent or waiting for their grace period. Release records, await pool.reclaimable() and retry, ` +
          "raise capacity, or use typesafe: true to re-lend records before their grace period ends.",
      );
    }
    return h;
  }

  async acquireAsync(options?: { readonly signal?: AbortSignal }): Promise<number> {
    const signal = options?.signal;
    for (;;) {
      if (isAborted(signal)) throw abortedError(signal);
      const h = this.tryAcquire(); // throws CLOSED
      if (h !== -1) return h;
      // Nothing free or reusable now. Records pending (typesafe would have taken one): wait for the oldest's
      // grace period. None pending, i.e. all lent: wait for a release in any thread. Either may wake early
      // (another thread took it, a backstop): the loop re-checks.
      try {
        await (this.pending.size !== 0 ? this.pending.whenExpired(options) : this.pending.whenEnqueued(options));
      } catch (err) {
        if (isAborted(signal)) throw abortedError(signal); // core rejected with the signal's reason
        if (this.closed) continue; // the domain closed with the pool: tryAcquire throws CLOSED
        throw err;
      }
    }
  }

  release(handle: number): boolean {
    const index = handle & INDEX_MASK;
    const g = Math.floor(handle / INDEX_SPACE);
    if (
      (g & 1) === 0 ||
      index >= this.capacity ||
      !(handle >= 0 && handle <= Number.MAX_SAFE_INTEGER) ||
      Atomics.compareExchange(this.gen, index, g | 0, (g + 1) | 0) !== (g | 0)
    ) {
      if (this.strict) {
        throw new PoolError(
          "STALE_RELEASE",
          `release(${String(handle)}): this handle is not lent (released twice, or its record was re-lent since). Release each handle once.`,
        );
      }
      return false;
    }
    // Whoever swaps the owner word to 0 after the generation CAS enqueues: a watch() reclaiming a dead owner's
    // records at this very moment (reclaimFrom) and this release can never both enqueue the record.
    if (Atomics.exchange(this.owners, index, 0) !== 0) this.pending.enqueue(index);
    return true;
  }

  isLive(handle: number): boolean {
    const index = handle & INDEX_MASK;
    const g = Math.floor(handle / INDEX_SPACE);
    return (g & 1) === 1 && index < this.capacity && Atomics.load(this.gen, index) >>> 0 === g;
  }

  generationOf(index: number): number {
    if (!(index >= 0 && index < this.capacity && Number.isInteger(index))) {
      throw new PoolError("INVALID_OPTION", `generationOf(${String(index)}): record indices are integers in 0..${this.capacity - 1}.`);
    }
    return Atomics.load(this.gen, index) >>> 0;
  }

  indexOf(handle: number): number {
    return handle & INDEX_MASK;
  }

  get<K extends keyof L & string>(handle: number, name: K): number {
    const array = this.fields[name];
    const value = array?.[handle & INDEX_MASK];
    if (value === undefined) throw this.badAccess(handle, name);
    return value;
  }

  set<K extends keyof L & string>(handle: number, name: K, value: number): void {
    const array = this.fields[name];
    const index = handle & INDEX_MASK;
    if (array === undefined || index >= this.capacity) throw this.badAccess(handle, name);
    const g = Math.floor(handle / INDEX_SPACE);
    if ((g & 1) !== 1 || Atomics.load(this.gen, index) >>> 0 !== g) {
      throw new PoolError(
        "STALE_HANDLE",
        `set(${String(handle)}, '${name}'): this handle is not lent any more (released or re-lent). Write only records you hold.`,
      );
    }
    array[index] = value;
  }

  field<K extends keyof L & string>(name: K): FieldArray<L[K]> {
    const array = this.fields[name];
    if (array === undefined) throw this.badAccess(0, name);
    return array as FieldArray<L[K]>;
  }

  private badAccess(handle: number, name: string): PoolError {
    return this.fields[name] === undefined
      ? new PoolError("INVALID_OPTION", `No field '${name}' in this pool's layout (${Object.keys(this.fields).join(", ")}).`)
      : new PoolError("STALE_HANDLE", `${String(handle)} is not a handle of this pool (index out of range).`);
  }

  watch(worker: { readonly threadId: number; once(event: "exit", listener: () => void): unknown }): void {
    const owner = worker.threadId + 1;
    this.pending.watch(worker); // its listener runs first: the ring's lock is free before we enqueue
    this.domain.watch(worker);
    worker.once("exit", () => this.reclaimFrom(owner));
  }

  /** Releases every record `owner` (a dead thread) held, and any free-list lock it held. */
  private reclaimFrom(owner: number): number {
    this.free.releaseLockOf(owner);
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (Atomics.load(this.owners, i) !== owner) continue;
      const g = Atomics.load(this.gen, i);
      if ((g & 1) !== 0) {
        // still lent: release it on the dead owner's behalf (unless someone holding its handle just did)
        if (Atomics.compareExchange(this.gen, i, g, (g + 1) | 0) !== g) continue;
        if (Atomics.exchange(this.owners, i, 0) === 0) continue;
      } else if (Atomics.compareExchange(this.owners, i, owner, 0) !== owner) {
        // even: it died inside acquire (before the bump) or release (after the CAS), or another thread is
        // releasing it right now — whoever clears the owner word enqueues it
        continue;
      }
      this.pending.enqueue(i);
      n++;
    }
    return n;
  }

  reclaimable(): Promise<void> {
    return this.pending.whenExpired();
  }

  reclaim(max = Infinity): number {
    let n = 0;
    while (n < max) {
      const index = this.pending.takeExpired();
      if (index === -1) break;
      this.free.push(index);
      n++;
    }
    return n;
  }

  stats(): StructPoolStats {
    let live = 0;
    for (let i = 0; i < this.capacity; i++) if ((Atomics.load(this.gen, i) & 1) !== 0) live++;
    const pendingFree = this.pending.size;
    return {
      capacity: this.capacity,
      live,
      free: Math.max(0, this.capacity - live - pendingFree),
      pendingFree,
      reusedFromPending: Atomics.load(this.counters, REUSED_FROM_PENDING) >>> 0,
      reusedEarly: Atomics.load(this.counters, REUSED_EARLY) >>> 0,
      recoveredLocks: ((Atomics.load(this.counters, RECOVERED) >>> 0) + this.pending.stats().recoveredLocks) >>> 0,
    };
  }

  close(): void {
    Atomics.store(this.control, CLOSED, 1);
  }

  async drain(): Promise<void> {
    this.close();
    for (;;) {
      this.reclaim();
      if (this.pending.size === 0) return;
      await this.pending.whenExpired();
    }
  }
}

/** A function, not an inline test: TypeScript would keep `signal.aborted` narrowed to false across an `await`. */
function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

function abortedError(signal: AbortSignal): PoolError {
  return new PoolError("ABORTED", "acquireAsync() on a struct pool was aborted before a record was free.", {
    cause: signal.reason,
  });
}

/** Counter words (control line 3, after the metadata words). */
const REUSED_FROM_PENDING = CLOSED + 8;
const REUSED_EARLY = CLOSED + 9;
const RECOVERED = CLOSED + 10;

function checkShared(domain: unknown): asserts domain is SharedDomain {
  const d = domain as Partial<SharedDomain> | null;
  if (d === null || typeof d !== "object" || d.flavor !== "shared" || typeof d.watch !== "function") {
    throw new PoolError(
      "INVALID_OPTION",
      "A struct pool needs a shared domain: createSharedDomain({ maxThreads }) from '@rcu/core/shared' (attachSharedDomain in workers).",
    );
  }
}

/**
 * Creates a pool of `capacity` fixed-layout records in one `SharedArrayBuffer`, recycled after grace periods
 * of a `shared` domain. Send `pool.handle` to workers, which call {@link attachStructPool}; call
 * `pool.watch(worker)` for each so a dead worker's slot, locks and records are reclaimed.
 *
 * Handles are numbers (`generation * 2^21 + index`); acquire and release allocate nothing. The domain's
 * `close()` (in this thread) closes the pool.
 *
 * @throws {PoolError} `INVALID_OPTION` for a domain that is not `shared`, a bad layout, or capacity outside 1..2^21.
 * @example
 * import { createSharedDomain } from '@rcu/core/shared'
 * import { createStructPool } from '@rcu/pool'
 *
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const points = createStructPool({ domain, capacity: 1024, layout: { x: 'f64', y: 'f64', id: 'u32' } })
 * const h = points.acquire()
 * points.set(h, 'x', 1)
 * const worker = new Worker(url, { workerData: { rcu: domain.handle, points: points.handle } })
 * points.watch(worker)
 * @since 0.1.0
 */
export function createStructPool<const L extends StructLayout>(options: StructPoolOptions<L>): StructPool<L> {
  const o = options as Partial<StructPoolOptions<L>> | undefined;
  checkShared(o?.domain);
  const domain = o.domain;
  const layout = checkLayout(o.layout) as L;
  const capacity = o.capacity;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw new PoolError("INVALID_OPTION", `capacity must be an integer in 1..${MAX_CAPACITY}, got ${JSON.stringify(capacity)}.`);
  }
  const freeList = o.freeList ?? "lock";
  if (freeList !== "lock" && freeList !== "tagged") {
    throw new PoolError("INVALID_OPTION", `freeList must be 'lock' or 'tagged', got ${JSON.stringify(freeList)}.`);
  }
  const buffer = new SharedArrayBuffer(structBytes(layout, capacity));
  const views = structViews(buffer, layout, capacity);
  initFreeList(views.control, views.tagged, views.next, FREE_HEAD);
  views.control[MAGIC_WORD] = MAGIC;
  views.control[CAPACITY_WORD] = capacity;
  views.control[KIND_WORD] = freeList === "tagged" ? 1 : 0;
  views.control[TYPESAFE_WORD] = o.typesafe === true ? 1 : 0;
  const pending = createSharedPending(domain, { capacity });
  const handle: StructPoolHandle<L> = { buffer, layout, capacity, typesafe: o.typesafe === true, freeList, pending: pending.handle };
  ALL_VIEWS.set(buffer, views);
  const pool = new StructPoolImpl(handle, domain, views, pending, o.strict === true);
  onDomainClose(domain, () => pool.close());
  return pool;
}

/**
 * Attaches the calling thread (usually a worker) to a struct pool made by {@link createStructPool}. `domain` is
 * this thread's view of the pool's shared domain (`attachSharedDomain(handle)`).
 *
 * @throws {PoolError} `INVALID_OPTION` for a foreign handle or a domain that is not `shared`.
 * @example
 * import { workerData } from 'node:worker_threads'
 * import { attachSharedDomain } from '@rcu/core/shared'
 * import { attachStructPool } from '@rcu/pool'
 *
 * const domain = attachSharedDomain(workerData.rcu)
 * const points = attachStructPool(workerData.points, domain)
 * domain.read(() => points.get(current(), 'x'))
 * @since 0.1.0
 */
export function attachStructPool<L extends StructLayout>(
  handle: StructPoolHandle<L>,
  domain: SharedDomain,
  options: { readonly strict?: boolean } = {},
): StructPool<L> {
  checkShared(domain);
  const h = handle as Partial<StructPoolHandle<L>> | null;
  if (
    h === null ||
    typeof h !== "object" ||
    !(h.buffer instanceof SharedArrayBuffer) ||
    h.pending === undefined ||
    typeof h.capacity !== "number" ||
    new Int32Array(h.buffer, 0, 64)[MAGIC_WORD] !== MAGIC ||
    new Int32Array(h.buffer, 0, 64)[CAPACITY_WORD] !== h.capacity
  ) {
    throw new PoolError("INVALID_OPTION", "Not a struct pool handle: pass the `handle` of a pool from createStructPool().");
  }
  const layout = checkLayout(h.layout) as L;
  if (h.buffer.byteLength < structBytes(layout, h.capacity)) {
    throw new PoolError("INVALID_OPTION", "Not a struct pool handle: its buffer does not match its layout.");
  }
  const views = ALL_VIEWS.get(h.buffer) ?? structViews(h.buffer, layout, h.capacity);
  const pending = attachSharedPending(h.pending, domain);
  return new StructPoolImpl(handle, domain, views, pending, options.strict === true);
}
