/**
 * Striped writer locks. A lock word in the index buffer holds 0 (free) or its owner's threadId + 1, taken by
 * CAS; a key's stripe is its hash's low bits, and since the stripe count divides every table size one stripe
 * guards a key's bucket in the old and the new table during a resize. A waiter spins, then parks briefly in
 * `Atomics.wait` (where the thread may block) so a descheduled holder can run.
 *
 * A holder that died never unlocks, and its `exit` event (where `watch(worker)` recovers it) cannot run while a
 * thread spins synchronously. So after the spin, at most once per park, a waiter asks whether the holder is known
 * dead (`threadDied` of `@rcu/core/shared`: the holder's OS thread is gone), and if so runs the map's recovery for
 * that owner itself: recovery takes over every stripe the dead thread held (one CAS each, so of several threads
 * recovering at once each stripe goes to exactly one), repairs what it was doing, and frees the stripes; the
 * waiter then takes its lock as usual. Recovery is reached through the holder object (`recoverDead`), not imported.
 */
import { RcuError } from "@rcu/core";
import { LOCKS, STRIPES } from "./map-layout.js";

/** Lock attempts before parking between attempts. */
const SPINS = 256;
/** One park (ms) while a stripe is held by another thread. */
const PARK_MS = 0.05;

/** The lock holder: the index buffer's words, this thread's owner id (threadId + 1), and dead-holder recovery. */
export interface StripeLockHolder {
  readonly idx: Int32Array;
  readonly me: number;
  /** Whether the thread tagged `owner` is known dead (its OS thread is gone); `false` when alive or unknown. */
  holderDied(owner: number): boolean;
  /** Takes back everything the dead thread `owner` held (recovery.ts `recover`), its stripe locks included. */
  recoverDead(owner: number): void;
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

/**
 * Takes lock `word` for `m.me`, spinning then parking while another thread holds it; a holder known dead is
 * recovered here (which frees its stripes) and the lock retried. Called holding no stripe (at most the resize
 * lock), so the recovery it runs never waits on this thread. A lock this thread already holds (a write from
 * inside `update`'s callback through a second view of the map) throws `SELF_DEADLOCK` instead of waiting forever.
 */
export function lock(m: StripeLockHolder, word: number): void {
  const idx = m.idx;
  const me = m.me;
  for (let spins = 0; ; spins++) {
    const holder = Atomics.compareExchange(idx, word, 0, me);
    if (holder === 0) return;
    if (holder === me) {
      // This thread holds it already, further up its own stack (a write from inside `update`'s callback, made
      // through another view of the map): waiting would never end.
      throw new RcuError(
        "SELF_DEADLOCK",
        "A write to this map from inside update()'s callback (through another view of the map in this thread): this thread holds the key's lock. Return the new values from the callback instead.",
      );
    }
    // Another writer holds it for a few stores (or runs an update() callback): spin, then park briefly so a
    // descheduled holder can run. Between parks: a holder that died is recovered (frees its stripes).
    if (spins < SPINS) continue;
    if (m.holderDied(holder)) {
      m.recoverDead(holder);
      continue;
    }
    if (canWait()) Atomics.wait(idx, word, holder, PARK_MS);
  }
}

/**
 * Takes lock `word` like {@link lock} but gives up after `tries` attempts (spinning, then parking briefly), or
 * as soon as the holder is known dead: for recovery, which must neither wait forever nor recover another thread
 * while it holds a dead thread's stripes. Returns 0 when taken, else the holder it gave up on.
 */
export function tryLock(m: StripeLockHolder, word: number, tries: number): number {
  const idx = m.idx;
  const me = m.me;
  let holder = 0;
  for (let spins = 0; spins < tries; spins++) {
    holder = Atomics.compareExchange(idx, word, 0, me);
    if (holder === 0) return 0;
    if (spins < SPINS) continue;
    if (m.holderDied(holder)) return holder;
    if (canWait()) Atomics.wait(idx, word, holder, PARK_MS);
  }
  return holder;
}

/** Releases lock `word`. */
export function unlock(m: StripeLockHolder, word: number): void {
  Atomics.store(m.idx, word, 0);
}
