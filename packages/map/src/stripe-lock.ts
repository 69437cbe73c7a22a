/**
 * Striped writer locks. A lock word in the index buffer holds 0 (free) or its owner's threadId + 1, taken by
 * CAS; a key's stripe is its hash's low bits, and since the stripe count divides every table size one stripe
 * guards a key's bucket in the old and the new table during a resize. A waiter spins, then parks briefly in
 * `Atomics.wait` (where the thread may block) so a descheduled holder can run. Owner ids let recovery take
 * back the locks of a dead thread.
 */
import { LOCKS, STRIPES } from "./map-layout.js";

/** Lock attempts before parking between attempts. */
const SPINS = 256;
/** One park (ms) while a stripe is held by another thread. */
const PARK_MS = 0.05;

/** The lock holder: the index buffer's words and this thread's owner id (threadId + 1). */
export interface StripeLockHolder {
  readonly idx: Int32Array;
  readonly me: number;
}

/** This thread's `worker_threads` id (0 on the main thread or where there are no worker threads). */
export function currentThreadId(): number {
  const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const wt = g.process?.getBuiltinModule?.("node:worker_threads") as { threadId?: number } | undefined;
  return wt?.threadId ?? 0;
}

let canWaitCache: boolean | undefined;
/** Whether this thread may block in `Atomics.wait` (not a browser main thread). */
function canWait(): boolean {
  if (canWaitCache === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      canWaitCache = true;
    } catch {
      canWaitCache = false;
    }
  }
  return canWaitCache;
}

/** The lock word of the stripe that guards hash `h`. */
export function stripe(h: number): number {
  return LOCKS + (h & (STRIPES - 1));
}

/** Takes lock `word` for `m.me`, spinning then parking while another thread holds it. */
export function lock(m: StripeLockHolder, word: number): void {
  const idx = m.idx;
  const me = m.me;
  for (let spins = 0; ; spins++) {
    const holder = Atomics.compareExchange(idx, word, 0, me);
    if (holder === 0) return;
    // Another writer holds it for a few stores (or runs an update() callback): spin, then park briefly so a
    // descheduled holder can run. A dead holder's lock is taken back by watch().
    if (spins >= SPINS && canWait()) Atomics.wait(idx, word, holder, PARK_MS);
  }
}

/**
 * Takes lock `word` like {@link lock} but gives up after `tries` attempts (spinning, then parking briefly):
 * for recovery, which must not wait forever on a holder that may itself be dead.
 */
export function tryLock(m: StripeLockHolder, word: number, tries: number): boolean {
  const idx = m.idx;
  const me = m.me;
  for (let spins = 0; spins < tries; spins++) {
    const holder = Atomics.compareExchange(idx, word, 0, me);
    if (holder === 0) return true;
    if (spins >= SPINS && canWait()) Atomics.wait(idx, word, holder, PARK_MS);
  }
  return false;
}

/** Releases lock `word`. */
export function unlock(m: StripeLockHolder, word: number): void {
  Atomics.store(m.idx, word, 0);
}
