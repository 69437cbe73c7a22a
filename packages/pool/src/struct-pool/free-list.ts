import type { SharedSpinLock } from "@rcu/core/shared";

/**
 * The struct pool's free list: a LIFO stack of record indices linked through `next[]` in the shared buffer, safe
 * against ABA across threads. Two variants (chosen by `freeList`; compared in bench/src/benchmarks/struct-pool.ts):
 *
 * - `'lock'` (default): a spinlock word (`createSharedLock` of `@rcu/core/shared`: CAS 0 → threadId + 1) held for
 *   two or three straight-line atomic operations (waiters spin, then park 50 µs at a time). Under the lock a pop
 *   is `head = next[head]`, a push is `next[i] = head; head = i`: each commits with one store, so a thread killed
 *   inside leaves the list as before or as after its operation. A waiter takes the lock over as soon as the
 *   holder's thread no longer exists, with no repair needed (a record the dead thread had just popped leaks);
 *   `releaseLockOf(dead)` (the pool's `watch`) frees it too. No ABA: nobody else touches the list while the
 *   lock is held.
 * - `'tagged'`: a Treiber stack whose head is one 64-bit word (`BigInt64Array`): high 32 bits a tag bumped by every
 *   successful CAS, low 32 bits `index + 1`. A pop reads head `(t, i)`, reads `next[i]`, and CASes
 *   `(t, i) → (t + 1, next[i])`: if `i` was popped and pushed back meanwhile (ABA), the tag differs and the CAS
 *   fails. Lock-free (a killed thread blocks nobody), but every operation makes BigInts.
 *
 * Both are linearizable; the lock is the faster one on Node (a BigInt CAS allocates; see bench/README.md), hence the default.
 */

/** Owner tag of the calling thread for lock words: threadId + 1 (0 means free). */
export function threadOwner(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = proc?.getBuiltinModule?.("node:worker_threads") as { threadId?: number } | undefined;
  return (wt?.threadId ?? 0) + 1;
}

/**
 * The two free-list variants of a struct pool: `'lock'` (default; a small Atomics lock held for O(1) work,
 * the faster one on Node, see bench/README.md) and `'tagged'` (a lock-free stack whose head is a tagged `BigInt64Array`
 * word, ABA-safe by its tag). Both are correct; pick `'tagged'` only if a thread may be descheduled while
 * holding the lock for long on your platform.
 *
 * @example
 * const pool = createStructPool({ domain, layout: { x: 'f64' }, capacity: 1024, freeList: 'tagged' })
 * @since 0.1.0
 */
export type FreeListKind = "lock" | "tagged";

export interface FreeList {
  /** An index, or -1 when empty. */
  pop(): number;
  push(index: number): void;
  /** Frees the lock if `owner` (a dead thread) holds it. */
  releaseLockOf(owner: number): void;
}

/** Builds the initial list 0 → 1 → … → capacity-1 in both variants' words. */
export function initFreeList(control: Int32Array, tagged: BigInt64Array, next: Int32Array, headWord: number): void {
  const n = next.length;
  for (let i = 0; i < n; i++) next[i] = i + 1 < n ? i + 1 : -1;
  control[headWord] = n > 0 ? 0 : -1;
  tagged[0] = n > 0 ? 1n : 0n;
}

export class LockFreeList implements FreeList {
  constructor(
    private readonly spin: SharedSpinLock,
    private readonly control: Int32Array,
    private readonly next: Int32Array,
    private readonly headWord: number,
    /** Counter word (in `control`) of locks taken over from a dead holder, over every thread. */
    private readonly recoveredWord: number,
  ) {}

  pop(): number {
    const c = this.control;
    if (this.spin.lock()) Atomics.add(c, this.recoveredWord, 1);
    const head = Atomics.load(c, this.headWord);
    if (head !== -1) Atomics.store(c, this.headWord, Atomics.load(this.next, head)); // commit
    this.spin.unlock();
    return head;
  }

  push(index: number): void {
    const c = this.control;
    if (this.spin.lock()) Atomics.add(c, this.recoveredWord, 1);
    Atomics.store(this.next, index, Atomics.load(c, this.headWord));
    Atomics.store(c, this.headWord, index); // commit
    this.spin.unlock();
  }

  releaseLockOf(owner: number): void {
    this.spin.releaseOf(owner);
  }
}

const LOW = 0xffffffffn;

export class TaggedFreeList implements FreeList {
  constructor(
    private readonly head: BigInt64Array,
    private readonly next: Int32Array,
  ) {}

  pop(): number {
    const head = this.head;
    for (;;) {
      const h = Atomics.load(head, 0);
      const index = Number(h & LOW) - 1;
      if (index < 0) return -1;
      const after = Atomics.load(this.next, index);
      const tag = (h >> 32n) + 1n;
      if (Atomics.compareExchange(head, 0, h, BigInt.asIntN(64, (tag << 32n) | BigInt(after + 1))) === h) return index;
    }
  }

  push(index: number): void {
    const head = this.head;
    for (;;) {
      const h = Atomics.load(head, 0);
      Atomics.store(this.next, index, Number(h & LOW) - 1);
      const tag = (h >> 32n) + 1n;
      if (Atomics.compareExchange(head, 0, h, BigInt.asIntN(64, (tag << 32n) | BigInt(index + 1))) === h) return;
    }
  }

  releaseLockOf(): void {
    // lock-free: nothing to release
  }
}
