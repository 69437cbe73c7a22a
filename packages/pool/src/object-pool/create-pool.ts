/**
 * `createPool`: a typed object pool whose recycling is gated by RCU grace periods.
 *
 * How it works. Every object lives in a slot (pool-slot.ts) with a generation that bumps on every lend. A lease
 * remembers (slot, generation), so release is keyed on the lease and a stale one can never free another
 * borrower's loan. A released object is enqueued in a `createPending` engine of the domain; the engine's
 * `process` runs after the object's grace period and hands it to the oldest `acquireAsync` waiter, else to the
 * free list, else (free list at `maxFree`, more than `min` owned) to `destroy`. `acquire` takes from the free
 * list, else, with `typesafe: true`, dequeues a still-pending object (the `SLAB_TYPESAFE_BY_RCU` reuse of the
 * bcachefs key cache: its generation is bumped before `reset`, so readers that re-check it see the reuse), else
 * creates one while the pool owns fewer than `max`.
 *
 * Closing. `drain()` closes the pool (acquires throw `CLOSED`, waiters reject, free objects are destroyed),
 * drains the engine (whose `process` now destroys) and awaits async destroys. The domain's `close()` runs our
 * `onDomainClose` hook instead: it closes the pool the same way but does not drain the engine itself (that
 * would wait for itself from inside the domain; the domain drains every engine right after its hooks). Every
 * async destroy is followed with `trackSettle`, so `close()` awaits it and the domain's settle timeout bounds
 * it (a destroy that never settles is reported as SETTLE_TIMEOUT and stops holding `drain()`/`close()`).
 * Leases still out stay valid; releasing one later destroys its object at once.
 *
 * Hot path: acquire = pop (or, typesafe, one engine dequeue) + two field writes + one lease object; release = two
 * field writes + one engine enqueue. No closures are made per call. The checks that do not change from one loan
 * to the next (closed, debug, inside `create`/`reset`) are one flag, `#hot`, so `acquire`'s short path stays small
 * enough for V8 to inline into the caller's loop; everything else takes `#tryLend`.
 *
 * Why this file is over 400 lines: it is one class, the lend → release → process → close state machine, whose
 * steps share the pool's private state (slots, free list, waiters, counters) on the hot path. Its messages
 * (pool-messages.ts) and the destruction of objects (destroyer.ts) live next to it.
 */
import { createPending, describeValue, isRcuError, onDomainClose } from "@rcu/core";
import type { RcuPending } from "@rcu/core";
import { DebugLease, type DebugLeaseContext } from "./debug-lease.js";
import { Destroyer } from "./destroyer.js";
import { PoolLease, type Lease } from "./lease.js";
import { LeakDetector } from "./leak-detector.js";
import type { PoolError } from "../pool-error.js";
import {
  abortedError,
  closedError,
  createReturnedNonObjectError,
  createReturnedOwnedError,
  createThrewError,
  destroyFailedError,
  domainClosedError,
  exhaustedError,
  reentrantError,
  resetFailedError,
  staleReleaseError,
} from "./pool-messages.js";
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from "./pool-options.js";
import { DESTROYED, DOOMED, FREE, LEASED, PENDING, PoolSlot, type SlotOwner } from "./pool-slot.js";
import type { PoolStats } from "./pool-stats.js";
import type { Pool } from "./pool.js";
import { captureStack } from "./stack.js";
import { readSignal } from "../validate.js";
import { WaiterQueue, type Waiter } from "./waiter-queue.js";

/** Where a lent object came from (for the reuse counters). */
const FROM_NEW = 0;
const FROM_FREE = 1;
const FROM_PENDING = 2;
type Source = typeof FROM_NEW | typeof FROM_FREE | typeof FROM_PENDING;

/**
 * Creates a pool of objects made by `create`, recycled only after a grace period of `domain` (or, with
 * `typesafe: true`, type-stably before it). The domain's `close()` drains the pool.
 *
 * @throws {PoolError} `INVALID_OPTION` for bad options; `CREATE_FAILED` when pre-creating `min` objects fails;
 * `CLOSED` when the domain is already closed.
 * @example
 * import { createDomain } from '@rcu/core'
 * import { createPool } from '@rcu/pool'
 *
 * const domain = createDomain()
 * const pool = createPool({ domain, create: () => new Uint8Array(4096), reset: (b) => b.fill(0), max: 1024 })
 * {
 *   using lease = pool.acquire()
 *   lease.value[0] = 1
 * } // back in the pool after the next grace period
 * await domain.close() // drains the pool too
 * @since 0.1.0
 */
export function createPool<T extends object>(options: PoolOptions<T>): Pool<T> {
  return new RcuPool(resolvePoolOptions(options));
}

/**
 * Each pool's anchor: a lease on the pool's first slot with generation 0, which no loan ever has (lending bumps
 * the generation first), so it is never current; it is never handed out and lives as long as the pool (it keeps
 * that first object reachable until then, even once destroyed). It keeps the lease class's instance map alive
 * while no loan is out: V8 holds that map only through its instances and, weakly, through optimised code, so a
 * full GC with every lease released would free the map and deoptimise `acquire`, `release` and the caller's
 * loop, which then recompile. A real slot, not a dummy one: a slot holding a value of another shape would widen
 * the field type V8 tracks for `PoolSlot.value`, and every `lease.value.x` would check the map again.
 */
const leaseAnchors = new WeakMap<object, Lease<object>>();

function isReusable(slot: PoolSlot<object>): boolean {
  return slot.state === PENDING;
}

class RcuPool<T extends object> implements Pool<T> {
  readonly name: string;
  readonly #o: ResolvedPoolOptions<T>;
  /** Hot-path copies of options (one load each instead of two). */
  readonly #typesafe: boolean;
  readonly #reset: ((value: T) => void) | undefined;
  readonly #maxFree: number;
  readonly #owner: SlotOwner<T>;
  readonly #free: PoolSlot<T>[] = [];
  /**
   * Object → slot, for `generationOf`/`isLive`. A strong `Map`, not a `WeakMap`: the pool owns every object it
   * has not destroyed (destroy deletes the entry), so weakness bought nothing, and a `WeakMap` with one
   * ephemeron per pooled object makes every full GC of a large pool slow.
   */
  readonly #slots = new Map<object, PoolSlot<T>>();
  /** Debug: the guard proxies handed out as `lease.value` (one per loan), weakly, so they do not pile up. */
  readonly #aliases: WeakMap<object, PoolSlot<T>> | undefined;
  readonly #waiters = new WaiterQueue<T>();
  readonly #pending: RcuPending<PoolSlot<T>>;
  readonly #unregisterClose: () => void;
  readonly #debug: DebugLeaseContext | undefined;
  readonly #leaks: LeakDetector | undefined;
  readonly #destroyer: Destroyer<T>;
  #closed = false;
  #drainPromise: Promise<void> | undefined;
  /** Depth of engine `process` callbacks on the stack: no `dequeue` from inside them. */
  #inEngine = 0;
  /** Inside the user's `create` or `reset`: acquiring from there is refused (REENTRANT). */
  #inFactory = false;
  /**
   * Open, not debug, not inside `create`/`reset`: `acquire` may take its short path (the checks of `#tryLend`
   * folded into one flag, so the hot path stays small enough for V8 to inline into the caller's loop).
   */
  #hot = false;

  #live = 0;
  #pendingFree = 0;
  #pendingDestroy = 0;
  #created = 0;
  #destroyed = 0;
  /** Lends of a newly created object (`acquired` is this plus the two reuse counters). */
  #lentNew = 0;
  #reusedFromFree = 0;
  #reusedFromPending = 0;
  #staleReleases = 0;
  #exhausted = 0;
  #errors = 0;

  constructor(options: ResolvedPoolOptions<T>) {
    this.#o = options;
    this.#typesafe = options.typesafe;
    this.#reset = options.reset;
    this.#maxFree = options.maxFree;
    this.name = options.name;
    this.#owner = {
      releaseSlot: (slot, lease) => {
        this.#release(slot, lease);
      },
      staleRelease: (slot, generation, lease) => this.#staleRelease(slot, generation, lease),
    };
    if (options.debug) {
      const aliases = new WeakMap<object, PoolSlot<T>>();
      this.#aliases = aliases;
      this.#debug = {
        poolName: options.name,
        poison: !options.typesafe,
        registerAlias: (alias, slot) => {
          aliases.set(alias, slot as PoolSlot<T>);
        },
      };
      this.#leaks = new LeakDetector(options.name, (err) => {
        this.#report(err);
      });
    }
    this.#destroyer = new Destroyer<T>({
      destroy: options.destroy,
      domain: options.domain,
      onFailed: (err) => {
        this.#destroyFailed(err);
      },
      poolName: options.name,
    });
    this.#prewarm();
    this.#updateHot();
    try {
      this.#pending = createPending<PoolSlot<T>>(options.domain, {
        name: `${options.name}:pending`,
        process: (slot) => {
          this.#process(slot);
        },
      });
      this.#unregisterClose = onDomainClose(options.domain, () => this.#closeFromDomain());
    } catch (err) {
      for (const slot of this.#free.splice(0)) this.#destroy(slot);
      if (isRcuError(err, "CLOSED")) {
        throw domainClosedError(this.name, err);
      }
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  acquire(): Lease<T> {
    if (this.#hot) {
      const lease = this.#lendHot();
      if (lease !== undefined) return lease;
    }
    return this.#acquireSlow();
  }

  #acquireSlow(): Lease<T> {
    const lease = this.#tryLend(true, this.#debug === undefined ? undefined : captureStack());
    if (lease !== undefined) return lease;
    this.#exhausted += 1;
    throw this.#exhaustedError();
  }

  tryAcquire(): Lease<T> | undefined {
    if (this.#hot) {
      const hot = this.#lendHot();
      if (hot !== undefined) return hot;
    }
    const lease = this.#tryLend(true, this.#debug === undefined ? undefined : captureStack());
    if (lease === undefined) this.#exhausted += 1;
    return lease;
  }

  acquireAsync(options?: { readonly signal?: AbortSignal }): Promise<Lease<T>> {
    const { signal, error } = readSignal(`Pool "${this.name}": acquireAsync`, options);
    if (error !== undefined) return Promise.reject(error);
    if (this.#inFactory) return Promise.reject(this.#reentrantError("acquireAsync()"));
    if (signal?.aborted === true) return Promise.reject(this.#abortedError(signal));
    if (this.#closed) return Promise.reject(this.#closedError("acquireAsync()"));
    const acquiredAt = this.#debug === undefined ? undefined : captureStack();
    if (this.#waiters.size === 0) {
      try {
        const lease = this.#tryLend(true, acquiredAt);
        if (lease !== undefined) return Promise.resolve(lease);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(describeValue(err))); // PoolErrors in practice
      }
    }
    return new Promise<Lease<T>>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, signal, onAbort: undefined, acquiredAt };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.#waiters.remove(waiter)) reject(this.#abortedError(signal));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  generationOf(value: object): number | undefined {
    const slot = this.#slots.get(value) ?? this.#aliases?.get(value);
    return slot === undefined || slot.state === DESTROYED ? undefined : slot.generation;
  }

  isLive(value: object, generation: number): boolean {
    const slot = this.#slots.get(value) ?? this.#aliases?.get(value);
    return slot !== undefined && slot.state === LEASED && slot.generation === generation;
  }

  stats(): PoolStats {
    return {
      live: this.#live,
      free: this.#free.length,
      pendingFree: this.#pendingFree,
      pendingDestroy: this.#pendingDestroy,
      owned: this.#created - this.#destroyed,
      max: this.#o.max,
      created: this.#created,
      destroyed: this.#destroyed,
      acquired: this.#lentNew + this.#reusedFromFree + this.#reusedFromPending,
      reusedFromFree: this.#reusedFromFree,
      reusedFromPending: this.#reusedFromPending,
      waiters: this.#waiters.size,
      staleReleases: this.#staleReleases,
      exhausted: this.#exhausted,
      errors: this.#errors,
    };
  }

  drain(): Promise<void> {
    this.#close();
    this.#drainPromise ??= this.#drain();
    return this.#drainPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
  }

  // ── lending ────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The short path of `acquire` (only while `#hot`): the free list, else (typesafe, nothing doomed, not inside the
   * engine) the newest pending object. `undefined` leaves everything else (creating, exhaustion) to `#tryLend`.
   */
  #lendHot(): Lease<T> | undefined {
    let slot = this.#free.pop();
    let source: Source = FROM_FREE;
    if (slot === undefined) {
      if (!this.#typesafe || this.#pendingFree === 0 || this.#pendingDestroy !== 0 || this.#inEngine !== 0) {
        return undefined;
      }
      slot = this.#pending.dequeue();
      if (slot === undefined) return undefined;
      this.#pendingFree -= 1;
      source = FROM_PENDING;
    }
    const generation = slot.generation + 1;
    slot.generation = generation;
    slot.state = LEASED;
    if (this.#reset !== undefined) this.#runReset(slot, source);
    this.#live += 1;
    if (source === FROM_FREE) this.#reusedFromFree += 1;
    else this.#reusedFromPending += 1;
    return new PoolLease(slot, generation);
  }

  /** `#hot` is true exactly when the pool is open, not in debug mode and not inside `create`/`reset`. */
  #updateHot(): void {
    this.#hot = !this.#closed && !this.#inFactory && this.#debug === undefined;
  }

  /** Free list, else (typesafe) a pending object, else a new one; `undefined` when at `max`. */
  #tryLend(allowDequeue: boolean, acquiredAt: string | undefined): Lease<T> | undefined {
    if (this.#closed) throw this.#closedError("acquire()");
    if (this.#inFactory) throw this.#reentrantError("acquire()");
    const slot = this.#free.pop();
    if (slot !== undefined) return this.#lend(slot, FROM_FREE, acquiredAt);
    if (this.#typesafe && allowDequeue && this.#inEngine === 0 && this.#pendingFree > 0) {
      const pending = this.#pendingDestroy > 0 ? this.#pending.dequeueWhere(isReusable) : this.#pending.dequeue();
      if (pending !== undefined) {
        this.#pendingFree -= 1;
        return this.#lend(pending, FROM_PENDING, acquiredAt);
      }
    }
    if (this.#created - this.#destroyed < this.#o.max) return this.#lend(this.#createSlot(), FROM_NEW, acquiredAt);
    return undefined;
  }

  /** Bumps the generation (before `reset`: the seqlock-style order readers rely on) and makes the lease. */
  #lend(slot: PoolSlot<T>, source: Source, acquiredAt: string | undefined): Lease<T> {
    slot.generation += 1;
    slot.state = LEASED;
    if (source !== FROM_NEW && this.#reset !== undefined) this.#runReset(slot, source);
    this.#live += 1;
    if (source === FROM_FREE) this.#reusedFromFree += 1;
    else if (source === FROM_PENDING) this.#reusedFromPending += 1;
    else this.#lentNew += 1;
    if (this.#debug === undefined) return new PoolLease(slot, slot.generation);
    const lease = new DebugLease(slot, slot.generation, this.#debug, acquiredAt ?? "    at <unknown>");
    this.#leaks?.track(lease, slot.generation, lease.acquiredAt);
    return lease;
  }

  /** Runs `reset` on a reused object (refusing acquires from inside it); a throw dooms the object. */
  #runReset(slot: PoolSlot<T>, source: Source): void {
    this.#inFactory = true;
    this.#hot = false;
    try {
      (this.#reset as (value: T) => void)(slot.value);
    } catch (err) {
      this.#inFactory = false;
      this.#updateHot();
      this.#errors += 1;
      this.#doom(slot, source);
      throw resetFailedError(this.name, err);
    }
    this.#inFactory = false;
    this.#updateHot();
  }

  #createSlot(): PoolSlot<T> {
    let value: T;
    this.#inFactory = true;
    this.#hot = false;
    try {
      value = this.#o.create();
    } catch (err) {
      this.#errors += 1;
      throw createThrewError(this.name, err);
    } finally {
      this.#inFactory = false;
      this.#updateHot();
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null) {
      this.#errors += 1;
      throw createReturnedNonObjectError(this.name, value);
    }
    if (this.#slots.has(value) || this.#aliases?.has(value) === true) {
      this.#errors += 1;
      throw createReturnedOwnedError(this.name);
    }
    const slot = new PoolSlot(this.#owner, value);
    if (this.#created === 0) leaseAnchors.set(this, new PoolLease(slot, 0));
    this.#slots.set(value, slot);
    this.#created += 1;
    return slot;
  }

  #prewarm(): void {
    try {
      for (let i = 0; i < this.#o.min; i += 1) {
        const slot = this.#createSlot();
        slot.state = FREE;
        this.#free.push(slot);
      }
    } catch (err) {
      for (const slot of this.#free.splice(0)) this.#destroy(slot);
      throw err;
    }
  }

  /** A reused object whose `reset` threw: destroy it, after a grace period if readers may still see it. */
  #doom(slot: PoolSlot<T>, source: Source): void {
    if (source === FROM_PENDING && !this.#closed) {
      slot.state = DOOMED;
      this.#pendingDestroy += 1;
      try {
        this.#pending.enqueue(slot);
        return;
      } catch {
        this.#pendingDestroy -= 1;
      }
    }
    this.#destroy(slot);
  }

  // ── release ────────────────────────────────────────────────────────────────────────────────────────────

  #release(slot: PoolSlot<T>, lease: object): void {
    this.#live -= 1;
    this.#leaks?.untrack(lease);
    if (this.#closed) {
      this.#destroy(slot);
      return;
    }
    slot.state = PENDING;
    this.#pendingFree += 1;
    try {
      this.#pending.enqueue(slot);
    } catch (err) {
      this.#enqueueRefused(slot, err);
      return;
    }
    if (this.#typesafe && this.#waiters.size > 0 && this.#inEngine === 0) this.#serveWaiters(true);
  }

  /** The engine refused a released object (its domain is closing without having drained us yet). */
  #enqueueRefused(slot: PoolSlot<T>, err: unknown): void {
    // Nothing can guard reuse now: destroy it.
    this.#pendingFree -= 1;
    this.#destroy(slot);
    if (!isRcuError(err, "CLOSED")) throw err;
  }

  #staleRelease(slot: PoolSlot<T>, generation: number, lease: object): boolean {
    this.#staleReleases += 1;
    if (!this.#o.strict) return false;
    const releasedAt = lease instanceof DebugLease ? lease.releasedAt : undefined;
    throw staleReleaseError({ poolName: this.name, generation, current: slot.generation, releasedAt });
  }

  // ── after the grace period ─────────────────────────────────────────────────────────────────────────────

  /** The engine's `process`: the slot's grace period has ended. */
  #process(slot: PoolSlot<T>): void {
    // Fast path: nobody waits and the free list has room, so the object just goes back to it.
    // No callback runs here, so the `#inEngine` guard and its try/finally are not needed.
    const free = this.#free;
    if (slot.state === PENDING && !this.#closed && this.#waiters.size === 0 && free.length < this.#maxFree) {
      this.#pendingFree -= 1;
      slot.state = FREE;
      free.push(slot);
      return;
    }
    this.#inEngine += 1;
    try {
      if (slot.state === DOOMED) {
        this.#pendingDestroy -= 1;
        this.#destroy(slot);
        this.#serveWaiters(false);
        return;
      }
      if (slot.state !== PENDING) return;
      this.#pendingFree -= 1;
      if (this.#closed) {
        this.#destroy(slot);
        return;
      }
      if (this.#waiters.size > 0) {
        const waiter = this.#waiters.shift() as Waiter<T>;
        try {
          waiter.resolve(this.#lend(slot, FROM_FREE, waiter.acquiredAt));
        } catch (err) {
          waiter.reject(err);
          this.#serveWaiters(false);
        }
        return;
      }
      if (this.#free.length >= this.#o.maxFree && this.#created - this.#destroyed > this.#o.min) {
        this.#destroy(slot);
        return;
      }
      slot.state = FREE;
      this.#free.push(slot);
    } finally {
      this.#inEngine -= 1;
    }
  }

  /** Lends to waiters, oldest first, while something can be lent. */
  #serveWaiters(allowDequeue: boolean): void {
    const waiters = this.#waiters;
    while (waiters.size > 0 && !this.#closed) {
      const head = waiters.peek() as Waiter<T>;
      let lease: Lease<T> | undefined;
      try {
        lease = this.#tryLend(allowDequeue, head.acquiredAt);
      } catch (err) {
        waiters.shift();
        head.reject(err);
        continue;
      }
      if (lease === undefined) return;
      waiters.shift();
      head.resolve(lease);
    }
  }

  // ── destruction and drain ──────────────────────────────────────────────────────────────────────────────

  #destroy(slot: PoolSlot<T>): void {
    slot.state = DESTROYED;
    this.#destroyed += 1;
    this.#slots.delete(slot.value);
    this.#destroyer.destroy(slot.value);
  }

  #destroyFailed(err: unknown): void {
    this.#report(destroyFailedError(this.name, err));
  }

  #report(err: PoolError): void {
    this.#errors += 1;
    try {
      this.#o.onError(err);
    } catch {
      // A throwing onError must not break the pool; there is nowhere further to report it.
    }
  }

  /** The synchronous part of closing (idempotent): refuse acquires, reject waiters, destroy the free list. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hot = false;
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      waiter.reject(this.#closedError("acquireAsync()"));
    }
    for (const slot of this.#free.splice(0)) this.#destroy(slot);
  }

  /** `drain()` from the user: also drains the engine (its `process` destroys now) and awaits async destroys. */
  async #drain(): Promise<void> {
    try {
      await this.#pending.drain();
    } catch (err) {
      this.#drainPromise = undefined; // e.g. INSIDE_CALLBACK: a later drain() from outside may retry
      throw err;
    }
    await this.#settle();
    this.#unregisterClose();
  }

  /**
   * The domain's close hook. It runs "inside" the domain, where draining our own engine is refused (it would
   * wait for itself), and the domain drains every engine right after its hooks anyway. So close now, await the
   * destroys started here, and let `process` destroy the pending objects; async destroys started then are
   * handed to the domain (`defer`) so that `domain.close()` awaits them too.
   */
  async #closeFromDomain(): Promise<void> {
    this.#close();
    await this.#settle();
  }

  /** Resolves once no async `destroy` is in flight. */
  async #settle(): Promise<void> {
    await this.#destroyer.settle();
  }

  // ── errors ─────────────────────────────────────────────────────────────────────────────────────────────

  #closedError(what: string): PoolError {
    return closedError(this.name, what);
  }

  #reentrantError(what: string): PoolError {
    return reentrantError(this.name, what);
  }

  #abortedError(signal: AbortSignal): PoolError {
    return abortedError(this.name, signal);
  }

  #exhaustedError(): PoolError {
    return exhaustedError({
      poolName: this.name,
      typesafe: this.#o.typesafe,
      owned: this.#created - this.#destroyed,
      max: this.#o.max,
      live: this.#live,
      pendingFree: this.#pendingFree,
    });
  }
}
