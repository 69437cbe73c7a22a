/**
 * A spinlock word in a `SharedArrayBuffer` that a thread never waits on forever because its holder died — the
 * JS form of a robust futex (Linux `FUTEX_OWNER_DIED`): locks of the shared pending ring and the struct pool's
 * free list.
 *
 * The word holds 0 when free, else the holder's owner tag (`threadId + 1`, unique for the life of the process).
 * `lock()`: CAS 0 → tag; on failure spin, then park 50 µs at a time (`Atomics.wait` times out, so `unlock` needs
 * no notify) and, between parks, ask whether the holder is still alive:
 *
 * - Which thread is it? The shared domain's slot table: every attached thread's slot holds its tag and, where the
 *   platform exposes one, its OS thread id (Linux: `/proc/thread-self`), written by the thread itself on attach.
 * - Is it alive? A dead thread runs no code, so no word it could write says so. What outlives it is the kernel's
 *   own record: `/proc/self/task/<tid>` exists exactly while that OS thread exists, and a `worker_threads` Worker
 *   runs on its own OS thread, which ends when its JavaScript has stopped for good (terminated, crashed,
 *   `process.exit()` or returned) — without any event loop having to run. Gone ⇒ dead, synchronously. It is
 *   checked only after the spin, at most once per park.
 * - Recovery: CAS holder → caller's tag. Only one spinner wins; the dead holder can never write again.
 *
 * What a recovered lock guarantees about the structure it protects: every critical section under these locks
 * is straight-line code whose effect is published by ONE store (the ring's `TAIL`/`HEAD`, the free list's
 * head), made last; everything written before it is invisible until that store. A holder that died anywhere
 * inside therefore left the structure exactly as before its operation or exactly as after it — never between —
 * and the new holder proceeds with no repair. The dead thread's own operation is lost with it (an item it was
 * enqueueing, or a record it had just popped), as it would be had it died just before or after the lock.
 *
 * Where no OS thread id is available (platforms without `/proc`), or the holder's slot was already freed, the
 * liveness is unknown and the lock keeps waiting: the `watch(worker)` exit listeners then free it (which needs
 * the watching thread's event loop — there, do not use the structure synchronously between `terminate()` and the
 * worker's `exit` event). A recycled OS thread id (the kernel reuses them only after its whole id space) can
 * only make a dead holder look alive, never the reverse.
 */
import { builtin } from "../../internal/diagnostics.js";
import { sharedLockTestHooks } from "../../internal/test-hooks.js";
import { slotOwner, slotTid } from "./layout.js";

/** Lock attempts before parking between attempts. */
const SPINS = 128;
/** One park (ms): bounds the extra latency when the holder is running. */
const PARK_MS = 0.05;

interface FsLike {
  readlinkSync(path: string): string;
  existsSync(path: string): boolean;
}

let fs: FsLike | null | undefined;
function procFs(): FsLike | null {
  if (fs === undefined) {
    const mod = builtin<FsLike>("node:fs") ?? null;
    fs = mod !== null && mod.existsSync("/proc/self/task") ? mod : null;
  }
  return fs;
}

let myTid: number | undefined;
/** The calling thread's OS thread id where the platform exposes it (Linux), else 0. */
export function currentTid(): number {
  if (myTid === undefined) {
    myTid = 0;
    try {
      const link = procFs()?.readlinkSync("/proc/thread-self"); // "<pid>/task/<tid>"
      const tid = Number(link?.slice(link.lastIndexOf("/") + 1));
      if (Number.isInteger(tid) && tid > 0 && tid <= 0x7fffffff) myTid = tid;
    } catch {
      // no /proc/thread-self: liveness unknown, locks fall back to watch()
    }
  }
  return myTid;
}

/**
 * Whether the thread tagged `owner` is known to be dead: its slot in the domain's table records an OS thread id
 * and the kernel no longer lists that thread. `false` means alive or unknown.
 */
export function ownerDied(domainWords: Int32Array, maxThreads: number, owner: number): boolean {
  const f = procFs();
  if (f === null) return false;
  for (let i = 0; i < maxThreads; i++) {
    if (Atomics.load(domainWords, slotOwner(i)) !== owner) continue;
    const tid = Atomics.load(domainWords, slotTid(i));
    if (tid === 0) return false;
    try {
      return !f.existsSync(`/proc/self/task/${tid}`);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * One lock word at `words[index]`, used by one thread (its tag is fixed at creation). See the header for the
 * protocol and what a recovered lock guarantees.
 */
export class SharedLock {
  /** Locks this thread took over from a dead holder. */
  recovered = 0;

  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
    /** This thread's tag: `threadId + 1`. */
    readonly owner: number,
    private readonly domainWords: Int32Array,
    private readonly maxThreads: number,
  ) {}

  /** Takes the lock; returns `true` when it was taken over from a holder whose thread had died. */
  lock(): boolean {
    const words = this.words;
    const index = this.index;
    const owner = this.owner;
    let took = false;
    for (let spins = 0; ; spins++) {
      const holder = Atomics.compareExchange(words, index, 0, owner);
      if (holder === 0) break;
      if (spins < SPINS) continue;
      if (ownerDied(this.domainWords, this.maxThreads, holder)) {
        if (Atomics.compareExchange(words, index, holder, owner) === holder) {
          this.recovered++;
          took = true;
          break;
        }
        continue;
      }
      Atomics.wait(words, index, holder, PARK_MS);
    }
    if (sharedLockTestHooks.insideLock !== undefined) sharedLockTestHooks.insideLock();
    return took;
  }

  unlock(): void {
    Atomics.store(this.words, this.index, 0);
  }

  /** Frees the lock if the thread tagged `owner` holds it (its `exit` event says it is dead). */
  releaseOf(owner: number): void {
    Atomics.compareExchange(this.words, this.index, owner, 0);
  }
}
