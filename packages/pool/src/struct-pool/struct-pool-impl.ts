/**
 * The struct pool's implementation, shared by the creating thread and every attached one (how it works:
 * create-struct-pool.ts). Each instance is one thread's view of the same `SharedArrayBuffer`.
 */
import { createSharedLock } from "@rcu/core/shared";
import type { SharedDomain, SharedPending } from "@rcu/core/shared";
import { describeValue } from "@rcu/core";
import { PoolError } from "../pool-error.js";
import { isHandleShape, notAHandle, readSignal } from "../validate.js";
import {
  CLOSED,
  FREE_HEAD,
  FREE_LOCK,
  INDEX_SPACE,
  type FieldArray,
  type FieldType,
  type StructLayout,
  type StructViews,
} from "./layout.js";
import { LockFreeList, TaggedFreeList, threadOwner, type FreeList } from "./free-list.js";
import { encodeHandle, handleGeneration, handleIndex, isLentGeneration } from "./handle.js";
import type { StructPool, StructPoolHandle, StructPoolStats } from "./types.js";
import type { WatchedWorker } from "@rcu/core/shared";

export class StructPoolImpl<L extends StructLayout> implements StructPool<L> {
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
        : new LockFreeList(
            createSharedLock(domain, views.control, FREE_LOCK),
            views.control,
            views.next,
            FREE_HEAD,
            RECOVERED,
          );
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
    return encodeHandle(g, index);
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
    const { signal, error } = readSignal("acquireAsync", options);
    if (error !== undefined) throw error;
    const waitOptions = signal === undefined ? undefined : { signal };
    for (;;) {
      if (isAborted(signal)) throw abortedError(signal);
      const h = this.tryAcquire(); // throws CLOSED
      if (h !== -1) return h;
      // Nothing free or reusable now. Records pending (typesafe would have taken one): wait for the oldest's
      // grace period. None pending, i.e. all lent: wait for a release in any thread. Either may wake early
      // (another thread took it, a backstop): the loop re-checks.
      try {
        await (this.pending.size !== 0
          ? this.pending.whenExpired(waitOptions)
          : this.pending.whenEnqueued(waitOptions));
      } catch (err) {
        if (isAborted(signal)) throw abortedError(signal); // core rejected with the signal's reason
        if (this.closed) continue; // the domain closed with the pool: tryAcquire throws CLOSED
        throw err;
      }
    }
  }

  release(handle: number): boolean {
    if (!isHandleShape(handle, this.capacity, INDEX_SPACE)) throw notAHandle("release", handle, this.capacity);
    const index = handleIndex(handle);
    const g = handleGeneration(handle);
    if (
      !isLentGeneration(g) ||
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
    if (!isHandleShape(handle, this.capacity, INDEX_SPACE)) return false;
    const index = handleIndex(handle);
    const g = handleGeneration(handle);
    return isLentGeneration(g) && index < this.capacity && Atomics.load(this.gen, index) >>> 0 === g;
  }

  generationOf(index: number): number {
    if (typeof index !== "number" || !(index >= 0 && index < this.capacity && Number.isInteger(index))) {
      throw new PoolError(
        "INVALID_OPTION",
        `generationOf(${describeValue(index)}): record indices are integers in 0..${this.capacity - 1}.`,
      );
    }
    return Atomics.load(this.gen, index) >>> 0;
  }

  indexOf(handle: number): number {
    if (!isHandleShape(handle, this.capacity, INDEX_SPACE)) throw notAHandle("indexOf", handle, this.capacity);
    return handleIndex(handle);
  }

  get<K extends keyof L & string>(handle: number, name: K): number {
    if (typeof handle !== "number" || !Number.isSafeInteger(handle) || handle < 0)
      throw notAHandle("get", handle, this.capacity);
    if (typeof name !== "string") throw this.badAccess(handle, name);
    const array = this.fields[name];
    const value = array?.[handleIndex(handle)];
    if (value === undefined) throw this.badAccess(handle, name);
    return value;
  }

  set<K extends keyof L & string>(handle: number, name: K, value: number): void {
    if (typeof handle !== "number" || !Number.isSafeInteger(handle) || handle < 0)
      throw notAHandle("set", handle, this.capacity);
    if (typeof name !== "string") throw this.badAccess(handle, name);
    const array = this.fields[name];
    const index = handleIndex(handle);
    if (array === undefined || index >= this.capacity) throw this.badAccess(handle, name);
    const g = handleGeneration(handle);
    if (!isLentGeneration(g) || Atomics.load(this.gen, index) >>> 0 !== g) {
      throw new PoolError(
        "STALE_HANDLE",
        `set(${String(handle)}, '${name}'): this handle is not lent any more (released or re-lent). Write only records you hold.`,
      );
    }
    array[index] = value;
  }

  field<K extends keyof L & string>(name: K): FieldArray<L[K]> {
    if (typeof name !== "string") throw this.badAccess(0, name);
    const array = this.fields[name];
    if (array === undefined) throw this.badAccess(0, name);
    return array as FieldArray<L[K]>;
  }

  private badAccess(handle: number, name: unknown): PoolError {
    return typeof name !== "string" || this.fields[name] === undefined
      ? new PoolError(
          "INVALID_OPTION",
          `No field ${describeValue(name)} in this pool's layout (${Object.keys(this.fields).join(", ")}).`,
        )
      : new PoolError("STALE_HANDLE", `${describeValue(handle)} is not a handle of this pool (index out of range).`);
  }

  watch(worker: WatchedWorker): void {
    this.pending.watch(worker); // checks `worker` (INVALID_OPTION); its listener runs first: the ring's lock is free before we enqueue
    const owner = worker.threadId + 1;
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
    if (typeof max !== "number" || !(max >= 0)) {
      throw new PoolError(
        "INVALID_OPTION",
        `reclaim(max): max must be a number ≥ 0 (or omitted), got ${describeValue(max)}.`,
      );
    }
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
