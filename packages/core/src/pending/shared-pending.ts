/**
 * A pending structure for **integer items** (arena slot indices) that lives in a `SharedArrayBuffer`, so items
 * retired by any thread of a shared domain wait for their grace period *in shared memory* and are reclaimed by
 * whichever attached thread asks — even after the retiring thread has died.
 *
 * Layout (an `Int32Array`, hot words on their own 64-byte lines):
 *
 * | line | words |
 * |---|---|
 * | 0 | `LOCK`: owner (threadId + 1) of the spinlock, 0 when free |
 * | 1 | `HEAD`, `TAIL`: free-running u32 counters (size = TAIL - HEAD mod 2^32) |
 * | 2 | `CAPACITY` (a power of two), `MAGIC`, counters `ENQUEUED`, `TAKEN`, `DEQUEUED`, `WAITERS`, `RECOVERED` |
 * | 3+ | `cookies[capacity]`, then `items[capacity]` (entry `n` lives at `n & (capacity - 1)`) |
 *
 * Protocol. A FIFO ring guarded by a small spinlock (flavor/shared/lock.ts: CAS 0 → owner; waiters spin, then
 * park 50 µs at a time with `Atomics.wait` so a descheduled holder can run, and take the lock over from a holder
 * whose thread has died) held for O(1) straight-line work:
 * - `enqueue(i)`: lock; `cookie = snap32(SEQ)` read *inside* the lock; write `cookies[t]`, `items[t]`; commit
 *   with one store `TAIL = t + 1`; unlock; then request that grace period (`startPoll`) if this thread has not
 *   requested it yet.
 * - `takeExpired()`: lock; if the head entry's cookie is done (`done32(SEQ, cookie)`), read its item and commit
 *   with one store `HEAD = h + 1`; unlock. `dequeue()` is the same without the expiry check (type-stable
 *   reuse).
 * - `whenEnqueued()` (waiting while the ring is empty, e.g. a pool with every record lent): load `TAIL`,
 *   `WAITERS += 1`, `Atomics.waitAsync` on `TAIL` while it still holds that value, `WAITERS -= 1` when woken.
 *   `enqueue` notifies `TAIL` after its commit only when `WAITERS` is non-zero. Atomics are sequentially
 *   consistent and `waitAsync` re-checks the value atomically with its registration, so "waiter: add WAITERS;
 *   re-check TAIL" and "enqueuer: store TAIL; load WAITERS" cannot both miss each other: no lost wake-up. A waiting thread that dies leaves `WAITERS` raised, which costs enqueuers a notify,
 *   never correctness; every wait also ends after `SLEEP_MS` (a backstop), so callers re-check in a loop.
 *
 * Why it is correct:
 * - Grace period. The caller unpublished the item before `enqueue`; the cookie is read after that, and
 *   `snap32` names a grace period that had not started yet, so when `done32` says it ended, every reader that
 *   could have seen the item has left (the domain's guarantee). Later cookies are only more conservative.
 * - Order. Cookies are read under the lock and `SEQ` only moves forward, so the ring's cookies are
 *   non-decreasing from head to tail: if the head has not expired, nothing behind it has, and scanning stops
 *   at the head (O(1)). Comparisons are modulo 2^32 with the domain's guard band (`done32`).
 * - Exclusive hand-out. Every item leaves through one `HEAD` store made under the lock, so no two threads
 *   ever take the same entry; nothing is lost: an entry is visible to takers only after its `TAIL` commit.
 * - Dead threads. Each operation commits with a single store, so a thread killed anywhere leaves the ring
 *   consistent: either the entry is in (committed) or not. Entries outlive their thread — they are plain
 *   words in the buffer — and any attached thread's `takeExpired` reclaims them. A thread killed while
 *   *holding the lock* does not stall the others: a waiting thread sees that the holder's OS thread is gone
 *   and takes the lock over at once (flavor/shared/lock.ts; the ring needs no repair, by the single-store commits),
 *   and `watch(worker)` releases it on the worker's `exit` event where the OS cannot tell. An item whose
 *   retiring thread died between `enqueue`'s lock and its commit was never enqueued (the caller's own window).
 * - Progress. If the thread that requested a grace period dies, a waiting `takeExpired` that finds the head
 *   unexpired requests it again (`startPoll`) from its own thread, so the grace period is driven there.
 *
 * Why this file is over 400 lines: it is one protocol over one buffer — its layout, the locked ring operations,
 * the waits and the handle validation of `createSharedPending`/`attachSharedPending` must be read together.
 */
import type { SharedDomain } from "../shared.js";
import { RcuError } from "../errors.js";
import { abortReason, abortable } from "../internal/abortable.js";
import { builtin } from "../internal/diagnostics.js";
import { DOMAIN_ID, SEQ } from "../flavor/shared/layout.js";
import { SharedLock } from "../flavor/shared/lock.js";
import { done32, snap32 } from "../grace-period.js";
import type { GpCookie } from "../types.js";
import { checkOptions, checkWorker, readSignal } from "../internal/validate.js";
import { describeValue } from "../describe-value.js";
import type { WatchedWorker } from "../watched-worker.js";

const LINE = 16;
const LOCK = 0;
const HEAD = LINE;
const TAIL = LINE + 1;
const CAPACITY = 2 * LINE;
const MAGIC_WORD = 2 * LINE + 1;
const ENQUEUED = 2 * LINE + 2;
const TAKEN = 2 * LINE + 3;
const DEQUEUED = 2 * LINE + 4;
/** Threads waiting in `whenEnqueued` (enqueue notifies `TAIL` only when non-zero). */
const WAITERS = 2 * LINE + 5;
/** Locks taken over from a holder whose thread had died (all threads). */
const RECOVERED = 2 * LINE + 6;
/** The `DOMAIN_ID` of the shared domain the ring was created for (attach checks it). */
const DOMAIN_WORD = 2 * LINE + 15;
/** Longest single wait of `whenEnqueued` (ms): a backstop, wake-ups come from `enqueue`'s notify. */
const SLEEP_MS = 50;
const ENTRIES = 3 * LINE;
const MAGIC = 0x52435550; // "RCUP"
/** Items are stored as non-negative int32. */
const MAX_ITEM = 0x7fffffff;
/** Largest capacity accepted (2^24 entries: 128 MiB of entries). */
const MAX_CAPACITY = 1 << 24;

function noop(): void {}

/**
 * What another thread needs to attach to a shared pending structure. Structured-cloneable (it holds the
 * `SharedArrayBuffer`); send it with `postMessage` or `workerData` next to the domain's handle.
 *
 * @example
 * new Worker(url, { workerData: { rcu: domain.handle, pending: pending.handle } })
 * @since 0.1.0
 */
export interface SharedPendingHandle {
  readonly buffer: SharedArrayBuffer;
  /** Entries the ring holds (a power of two ≥ the requested capacity). */
  readonly capacity: number;
}

/**
 * Options of {@link createSharedPending}.
 *
 * @example
 * createSharedPending(domain, { capacity: arenaSize })
 * @since 0.1.0
 */
export interface SharedPendingOptions {
  /** Items that may be pending at once, 1..2^24 (rounded up to a power of two). Size it to your arena. */
  readonly capacity: number;
}

/**
 * Flat counters of a {@link SharedPending}, over every thread.
 *
 * @example
 * const { pending, taken } = shared.stats()
 * @since 0.1.0
 */
export interface SharedPendingStats {
  /** Items enqueued so far (mod 2^32). */
  readonly enqueued: number;
  /** Items handed out by `takeExpired`/`drainExpired` after their grace period. */
  readonly taken: number;
  /** Items handed out by `dequeue` (possibly before their grace period). */
  readonly dequeued: number;
  /** Items pending now. */
  readonly pending: number;
  /** Waits in `whenEnqueued` now, over every thread. */
  readonly waiters: number;
  /** Times a thread took the ring's lock over from a holder whose thread had died. */
  readonly recoveredLocks: number;
}

/**
 * Integer items (arena slot indices) waiting for a grace period of a shared domain, in shared memory: any
 * attached thread may enqueue, and any attached thread may take the expired ones — including those retired
 * by a thread that has since exited or crashed.
 *
 * @example
 * const pending = createSharedPending(domain, { capacity: 1024 })
 * unpublish(slot)
 * pending.enqueue(slot)                          // cookie = the grace period that covers every reader now
 * for (let i; (i = pending.takeExpired()) !== -1; ) freeList.push(i)
 * @since 0.1.0
 */
export interface SharedPending {
  /** Structured-cloneable; {@link attachSharedPending} it from other threads. */
  readonly handle: SharedPendingHandle;
  /** Entries the ring holds. */
  readonly capacity: number;
  /** Items pending now (over every thread). */
  readonly size: number;
  /**
   * Records `(cookie, index)` and requests that grace period. `index` is an integer in 0..2^31-1; the caller
   * must already have unpublished it. Allocates nothing.
   *
   * @throws {RcuError} `INVALID_OPTION` for a bad index; `FULL` when the ring is full (size `capacity` to the
   * number of distinct items you may retire at once, e.g. the arena size). Nothing is added then.
   */
  enqueue(index: number): void;
  /** The oldest item if its grace period has ended, else `-1` (and that grace period is requested). O(1). */
  takeExpired(): number;
  /** Calls `cb` with every expired item (at most `max`), oldest first; returns how many. A throwing `cb` stops it (the item was already taken). */
  drainExpired(cb: (index: number) => void, max?: number): number;
  /** The oldest item whatever its grace period (type-stable reuse: the caller re-validates), else `-1`. */
  dequeue(): number;
  /** The cookie of the oldest pending item (`undefined` when empty); pass it to `domain.waitFor`. */
  oldestCookie(): GpCookie | undefined;
  /**
   * Resolves once the oldest item pending now has expired (at once when empty). Rejects with the signal's
   * reason when `signal` aborts first.
   */
  whenExpired(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Resolves once any thread enqueues an item after this call. It may also resolve without one (after at most
   * 50 ms, a backstop against a notifier that died), so re-check what you wait for in a loop. Rejects with the
   * signal's reason when `signal` aborts first.
   *
   * @example
   * while (pool.isEmpty()) await pending.whenEnqueued({ signal }) // e.g. a release from another thread
   */
  whenEnqueued(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Releases the ring's lock if `worker` dies holding it. Call it for every worker that attaches. */
  watch(worker: WatchedWorker): void;
  /** Flat counters over every thread. */
  stats(): SharedPendingStats;
}

function currentThreadId(): number {
  return builtin<{ threadId: number }>("node:worker_threads")?.threadId ?? 0;
}

function nextPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/** The identity word of a shared domain's buffer. */
function domainId(domain: SharedDomain): number {
  return new Int32Array(domain.handle.buffer)[DOMAIN_ID]!;
}

function checkDomain(domain: unknown): asserts domain is SharedDomain {
  let ok = false;
  try {
    const d = domain as Partial<SharedDomain> | null;
    ok = d !== null && typeof d === "object" && d.flavor === "shared" && d.handle?.buffer instanceof SharedArrayBuffer;
  } catch {
    // a revoked proxy or a throwing getter: not a domain
  }
  if (!ok) {
    throw new RcuError(
      "INVALID_OPTION",
      "A shared pending structure needs a domain from createSharedDomain() or attachSharedDomain() (@rcu/core/shared).",
    );
  }
}

class SharedPendingImpl implements SharedPending {
  readonly capacity: number;
  private readonly i32: Int32Array;
  private readonly seqWords: Int32Array;
  private readonly mask: number;
  private readonly items: number;
  private readonly spin: SharedLock;
  private lastRequested = -1;

  constructor(
    readonly handle: SharedPendingHandle,
    private readonly domain: SharedDomain,
  ) {
    this.i32 = new Int32Array(handle.buffer);
    this.seqWords = new Int32Array(domain.handle.buffer);
    this.capacity = handle.capacity;
    this.mask = handle.capacity - 1;
    this.items = ENTRIES + handle.capacity;
    this.spin = new SharedLock(this.i32, LOCK, currentThreadId() + 1, this.seqWords, domain.handle.maxThreads);
  }

  get size(): number {
    return (Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD)) >>> 0;
  }

  private lock(): void {
    if (this.spin.lock()) Atomics.add(this.i32, RECOVERED, 1);
  }

  private unlock(): void {
    this.spin.unlock();
  }

  private seq(): number {
    return Atomics.load(this.seqWords, SEQ) >>> 0;
  }

  enqueue(index: number): void {
    if (typeof index !== "number" || !(index >= 0 && index <= MAX_ITEM && index === Math.floor(index))) {
      throw new RcuError(
        "INVALID_OPTION",
        `enqueue(${describeValue(index)}): items are integers in 0..2^31-1 (arena slot indices).`,
      );
    }
    const i32 = this.i32;
    this.lock();
    const tail = Atomics.load(i32, TAIL);
    if ((tail - Atomics.load(i32, HEAD)) >>> 0 >= this.capacity) {
      this.unlock();
      throw new RcuError(
        "FULL",
        `This shared pending structure is full (${this.capacity} items). Create it with a capacity of at least the number of distinct items you retire (e.g. your arena size).`,
      );
    }
    const cookie = snap32(this.seq());
    const at = tail & this.mask;
    Atomics.store(i32, ENTRIES + at, cookie | 0);
    Atomics.store(i32, this.items + at, index);
    Atomics.store(i32, TAIL, (tail + 1) | 0); // commit
    this.unlock();
    if (Atomics.load(i32, WAITERS) !== 0) Atomics.notify(i32, TAIL);
    Atomics.add(i32, ENQUEUED, 1);
    this.request(cookie);
  }

  private request(cookie: number): void {
    if (cookie !== this.lastRequested) {
      this.lastRequested = cookie;
      this.domain.startPoll();
    }
  }

  takeExpired(): number {
    return this.takeHead(true);
  }

  drainExpired(cb: (index: number) => void, max = Infinity): number {
    if (typeof cb !== "function") {
      throw new RcuError("INVALID_OPTION", `drainExpired(cb, max): cb must be a function, got ${describeValue(cb)}.`);
    }
    if (typeof max !== "number" || !(max >= 0)) {
      throw new RcuError(
        "INVALID_OPTION",
        `drainExpired(cb, max): max must be a number ≥ 0 (or omitted), got ${describeValue(max)}.`,
      );
    }
    let n = 0;
    while (n < max) {
      const item = this.takeExpired();
      if (item === -1) break;
      n++;
      cb(item);
    }
    return n;
  }

  dequeue(): number {
    return this.takeHead(false);
  }

  /** Takes the head entry under the lock (with `expiredOnly`, only once its grace period has ended), else -1. */
  private takeHead(expiredOnly: boolean): number {
    const i32 = this.i32;
    this.lock();
    const head = Atomics.load(i32, HEAD);
    if (head === Atomics.load(i32, TAIL)) {
      this.unlock();
      return -1;
    }
    const at = head & this.mask;
    if (expiredOnly) {
      const cookie = Atomics.load(i32, ENTRIES + at) >>> 0;
      if (!done32(this.seq(), cookie)) {
        this.unlock();
        this.request(cookie);
        return -1;
      }
    }
    const item = Atomics.load(i32, this.items + at);
    Atomics.store(i32, HEAD, (head + 1) | 0); // commit
    this.unlock();
    Atomics.add(i32, expiredOnly ? TAKEN : DEQUEUED, 1);
    return item;
  }

  oldestCookie(): GpCookie | undefined {
    const i32 = this.i32;
    this.lock();
    const head = Atomics.load(i32, HEAD);
    const cookie = head === Atomics.load(i32, TAIL) ? undefined : Atomics.load(i32, ENTRIES + (head & this.mask)) >>> 0;
    this.unlock();
    return cookie;
  }

  whenExpired(options?: { readonly signal?: AbortSignal }): Promise<void> {
    const { signal, error } = readSignal("whenExpired", options);
    if (error !== undefined) return Promise.reject(error);
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    const cookie = this.oldestCookie();
    if (cookie === undefined || done32(this.seq(), cookie)) return Promise.resolve();
    return this.domain.waitFor(cookie, signal === undefined ? undefined : { signal });
  }

  whenEnqueued(options?: { readonly signal?: AbortSignal }): Promise<void> {
    const { signal, error } = readSignal("whenEnqueued", options);
    if (error !== undefined) return Promise.reject(error);
    if (signal?.aborted === true) return Promise.reject(abortReason(signal)); // registers no wait
    return abortable(this.nextEnqueue(signal), signal);
  }

  private async nextEnqueue(signal: AbortSignal | undefined): Promise<void> {
    const i32 = this.i32;
    const tail = Atomics.load(i32, TAIL);
    Atomics.add(i32, WAITERS, 1);
    // A pending `waitAsync` does not keep the event loop alive (a thread awaiting only it would exit before the
    // enqueue comes): a ref'd timer does while the caller waits, and an abort lets go of it at once.
    const keepAlive = setInterval(noop, 1 << 30);
    const letGo = (): void => clearInterval(keepAlive);
    signal?.addEventListener("abort", letGo, { once: true });
    try {
      const w = Atomics.waitAsync(i32, TAIL, tail, SLEEP_MS); // "not-equal" at once if one came in meanwhile
      if (w.async) await w.value;
    } finally {
      letGo();
      signal?.removeEventListener("abort", letGo);
      Atomics.sub(i32, WAITERS, 1);
    }
  }

  watch(worker: WatchedWorker): void {
    const owner = checkWorker("watch(worker)", worker);
    worker.once("exit", () => this.spin.releaseOf(owner));
  }

  stats(): SharedPendingStats {
    const i32 = this.i32;
    return {
      enqueued: Atomics.load(i32, ENQUEUED) >>> 0,
      taken: Atomics.load(i32, TAKEN) >>> 0,
      dequeued: Atomics.load(i32, DEQUEUED) >>> 0,
      pending: this.size,
      waiters: Atomics.load(i32, WAITERS),
      recoveredLocks: Atomics.load(i32, RECOVERED) >>> 0,
    };
  }
}

/**
 * Creates a pending structure for integer items in a `SharedArrayBuffer`, bound to a shared domain's grace
 * periods. Send `pending.handle` (with the domain's handle) to workers, which call
 * {@link attachSharedPending}; call `pending.watch(worker)` for each.
 *
 * @throws {RcuError} `INVALID_OPTION` for a domain that is not `shared` or a capacity outside 1..2^24.
 * @example
 * import { createSharedDomain, createSharedPending } from '@rcu/core/shared'
 *
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const pending = createSharedPending(domain, { capacity: 1024 })
 * pending.enqueue(7)             // slot 7 was unpublished; it is reused after a grace period
 * await pending.whenExpired()
 * pending.takeExpired()          // 7
 * @since 0.1.0
 */
export function createSharedPending(domain: SharedDomain, options: SharedPendingOptions): SharedPending {
  checkDomain(domain);
  const requested = checkOptions("createSharedPending", options, ["capacity"], false).capacity;
  if (typeof requested !== "number" || !Number.isInteger(requested) || requested < 1 || requested > MAX_CAPACITY) {
    throw new RcuError(
      "INVALID_OPTION",
      `capacity must be an integer in 1..${MAX_CAPACITY}, got ${describeValue(requested)}.`,
    );
  }
  const capacity = nextPow2(requested);
  const buffer = new SharedArrayBuffer((ENTRIES + 2 * capacity) * 4);
  const i32 = new Int32Array(buffer);
  i32[CAPACITY] = capacity;
  i32[MAGIC_WORD] = MAGIC;
  i32[DOMAIN_WORD] = domainId(domain);
  return new SharedPendingImpl({ buffer, capacity }, domain);
}

/**
 * Attaches the calling thread to a shared pending structure made by {@link createSharedPending}. `domain` is
 * this thread's view of the same shared domain (from `attachSharedDomain`).
 *
 * @throws {RcuError} `INVALID_OPTION` for a foreign handle or a domain that is not `shared`.
 * @example
 * import { workerData } from 'node:worker_threads'
 * import { attachSharedDomain, attachSharedPending } from '@rcu/core/shared'
 *
 * const domain = attachSharedDomain(workerData.rcu)
 * const pending = attachSharedPending(workerData.pending, domain)
 * pending.enqueue(slot) // survives this worker
 * @since 0.1.0
 */
export function attachSharedPending(handle: SharedPendingHandle, domain: SharedDomain): SharedPending {
  checkDomain(domain);
  let h: Partial<SharedPendingHandle> | null;
  try {
    h = handle === null || typeof handle !== "object" ? null : { buffer: handle.buffer, capacity: handle.capacity };
  } catch {
    h = null; // a revoked proxy or a throwing getter
  }
  if (
    h === null ||
    typeof h !== "object" ||
    !(h.buffer instanceof SharedArrayBuffer) ||
    typeof h.capacity !== "number" ||
    h.buffer.byteLength < ENTRIES * 4 ||
    new Int32Array(h.buffer)[MAGIC_WORD] !== MAGIC ||
    new Int32Array(h.buffer)[CAPACITY] !== h.capacity ||
    h.buffer.byteLength < (ENTRIES + 2 * h.capacity) * 4
  ) {
    throw new RcuError(
      "INVALID_OPTION",
      "Not a shared pending handle: pass the `handle` of a structure from createSharedPending().",
    );
  }
  if (new Int32Array(h.buffer)[DOMAIN_WORD] !== domainId(domain)) {
    throw new RcuError(
      "INVALID_OPTION",
      "This shared pending handle belongs to another shared domain: attach it with this thread's view of the domain " +
        "it was created for (attachSharedDomain(thatDomain.handle)), or its items would be handed out before that domain's grace periods.",
    );
  }
  return new SharedPendingImpl(h as SharedPendingHandle, domain);
}
