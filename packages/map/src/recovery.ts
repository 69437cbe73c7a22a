/**
 * Dead-writer recovery. Lock words and writer slots name their owner (threadId + 1). `recover(m, owner)` runs
 * when a watched worker exits (its `exit` event) and, earlier, from inside any writer's stripe-lock spin that
 * finds the holder's OS thread gone (stripe-lock.ts) — so it may run on several threads at once, inside a writer
 * that holds the resize lock, and during a resize. One pass:
 *
 * 1. Stripes: CAS each lock word `owner` → this thread (each stripe goes to exactly one recovering thread) and,
 *    during a resize, finish moving that stripe's old buckets (`migrate` is idempotent: the dead thread may have
 *    stopped halfway through a move).
 * 2. Writer slots: claim each slot of `owner` by CAS of its owner word to minus this thread's id (one winner), and
 *    settle the two records it names by reachability, under their stripe: the in-flight one (if it still has the
 *    generation the slot recorded) is kept if a table links it (it was published) and recycled otherwise; the
 *    retiring one is recycled once unlinked. A settled slot word is cleared before its record is offered to the
 *    ring, so no later pass can mistake a reused record for the dead thread's. The slot is freed once both are
 *    settled. A slot still claimed by a recovering thread that died too (minus its id) is taken over by that
 *    thread's own recovery.
 * 3. Free the stripes and the resize lock; `sweep` re-offers retired records that are in no ring entry.
 *
 * A record whose stripe another thread holds is left for another pass of this thread, its slot still claimed
 * (so the claim outlives the dead thread's `exit` listener, and passes to this thread's recovery should it die
 * too): at once when that thread is known dead (it is recovered first, which frees its stripes), else after a
 * short delay. Ring entries
 * that a recovery adds twice are harmless: taking a record from the ring is a CAS on (generation, RETIRED).
 */
import {
  FREE,
  FRESH,
  GEN_MASK,
  HASH,
  INDEX_BITS,
  INDEX_MASK,
  INFLIGHT,
  LEVEL_MASK,
  LIVE,
  LOCKS,
  META,
  MIN_BUCKETS,
  NEXT,
  RECOVERED,
  RESIZE_LOCK,
  RESIZING,
  RETIRED,
  RETIRING,
  SLOTS,
  SLOT_GEN,
  SLOT_INFLIGHT,
  SLOT_OWNER,
  SLOT_RETIRING,
  SLOT_WORDS,
  SIZE,
  STATE,
  STRIPES,
} from "./map-layout.js";
import type { AnyMap } from "./shared-map-impl.js";
import { ensureRecords } from "./record-alloc.js";
import { migrate } from "./resize.js";
import { stripe, tryLock, unlock } from "./stripe-lock.js";

/** Lock attempts (spin, then short parks) a recovery makes on a stripe before leaving it for a later pass. */
const RECOVERY_TRIES = 2_000;
/** Delay before a recovery pass retries the records it left (ms). */
const RETRY_MS = 1;

/** Takes back what thread `owner` (dead) held: locks, a half-moved bucket, its in-flight records. */
export function recover(m: AnyMap, owner: number, depth = 0): void {
  const blockers: number[] = [];
  if (pass(m, owner, blockers)) return;
  // A record's stripe was held by another thread. Known dead: recover it (its stripes come free) and retry now —
  // every stripe it held is freed by then, so this recursion is bounded by the number of dead threads.
  let again = false;
  for (const b of blockers) {
    if (b !== owner && b !== m.me && depth < m.threads && m.holderDied(b)) {
      recover(m, b, depth + 1);
      again = true;
    }
  }
  blockers.length = 0;
  if (again && pass(m, owner, blockers)) return;
  // Alive (or liveness unknown): retry once this turn is over. Passes are idempotent.
  setTimeout(() => recover(m, owner), RETRY_MS);
}

/**
 * One recovery pass for `owner` (see the header). Returns `true` when nothing was left; else `blockers` holds the
 * threads whose stripes kept records from being settled.
 */
function pass(m: AnyMap, owner: number, blockers: number[]): boolean {
  const idx = m.idx;
  const held: number[] = [];
  const s = Atomics.load(idx, STATE);
  for (let i = 0; i < STRIPES; i++) {
    if (Atomics.compareExchange(idx, LOCKS + i, owner, m.me) !== owner) continue;
    held.push(LOCKS + i);
    if ((s & RESIZING) !== 0) {
      const level = s & LEVEL_MASK;
      for (let b = i; b < MIN_BUCKETS << level; b += STRIPES) migrate(m, level, b);
    }
  }
  let recovered = held.length;
  let done = true;
  for (let i = 0; i < m.threads; i++) {
    const at = SLOTS + i * SLOT_WORDS;
    const o = Atomics.load(idx, at + SLOT_OWNER);
    // `owner`'s slot, one it had claimed while recovering another thread, or one this thread left for a retry
    if (o !== owner && o !== -owner && o !== -m.me) continue;
    if (Atomics.compareExchange(idx, at + SLOT_OWNER, o, -m.me) !== o) continue; // another thread settles it
    let left = false;
    for (const which of [SLOT_INFLIGHT, SLOT_RETIRING]) {
      if (left) break; // the retiring word tells whether the in-flight record was an insert: settle it first
      if (Atomics.load(idx, at + which) === 0) continue;
      const blocker = settle(m, at + which, which === SLOT_INFLIGHT, held);
      if (blocker === 0) {
        recovered++;
      } else {
        blockers.push(blocker);
        left = true;
      }
    }
    if (!left) Atomics.store(idx, at + SLOT_OWNER, 0);
    if (left) done = false;
  }
  for (const word of held) unlock(m, word);
  if (Atomics.compareExchange(idx, RESIZE_LOCK, owner, 0) === owner) recovered++;
  recovered += sweep(m, owner);
  if (recovered !== 0) Atomics.add(idx, RECOVERED, recovered);
  return done;
}

/**
 * Re-enqueues retired records that are in no ring entry of their generation: a thread killed between the ring's
 * commit and the return of `takeExpired` (or between marking a record RETIRED and `enqueue`) leaves one. Takes
 * every entry out (`dequeue`), puts back those that still name a RETIRED record in their generation, once each
 * (with a newer cookie: only later, never earlier), plus the orphans. Safe while writers run: an entry
 * it adds for a record that another thread is just taking or retiring is a duplicate, and the generation check
 * on take skips duplicates. One sweep at a time (`m.sweepLock`, taken over from a dead sweeper, whose entries
 * out of the ring this sweep finds as orphans): two at once would each re-add what the other holds out.
 * `owner` is the dead thread being recovered: a sweep lock it held is freed first.
 */
export function sweep(m: AnyMap, owner: number): number {
  m.sweepLock.releaseOf(owner);
  m.sweepLock.lock();
  try {
    return sweepLocked(m);
  } finally {
    m.sweepLock.unlock();
  }
}

function sweepLocked(m: AnyMap): number {
  const items: number[] = [];
  for (let item = m.pending.dequeue(); item !== -1; item = m.pending.dequeue()) items.push(item);
  const fresh = Math.min(Atomics.load(m.idx, FRESH), m.maxRecords);
  ensureRecords(m, fresh); // a writer killed between taking fresh records and growing the buffer for them
  const rec = m.recFor(Math.max(0, fresh - 1));
  // Keep one entry per (generation, record) that is still RETIRED in that generation; the others are stale
  // duplicates, which a writer would skip anyway. A record matched only by a stale entry is an orphan.
  const keep = new Set<number>();
  for (const item of items) {
    const i = item & INDEX_MASK;
    const meta = i < fresh ? Atomics.load(rec, i * m.sw + META) : 0;
    if ((meta & 7) === RETIRED && ((meta >>> 8) & GEN_MASK) === item >>> INDEX_BITS) keep.add(item);
  }
  let orphans = 0;
  for (let i = 0; i < fresh; i++) {
    const meta = Atomics.load(rec, i * m.sw + META);
    if ((meta & 7) !== RETIRED) continue;
    const item = (((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i;
    if (keep.has(item)) continue;
    keep.add(item);
    orphans++;
  }
  for (const item of keep) {
    try {
      m.pending.enqueue(item);
    } catch {
      // FULL takes more entries than records (duplicates retired meanwhile); a dropped one is re-offered by a later sweep
    }
  }
  return orphans;
}

/**
 * A dead writer's record named by slot word `word` (in flight or retiring): keep it if a table links it, else
 * recycle it; clears `word` before the record can go back to the ring. Returns 0 when settled, or the thread
 * holding the record's stripe when it gave up (that thread may be dead too: its stripes are freed by its own
 * recovery). The caller holds the slot's claim, so no other thread settles the same record.
 */
export function settle(m: AnyMap, word: number, inflight: boolean, held: readonly number[]): number {
  const r = Atomics.load(m.idx, word) - 1;
  ensureRecords(m, r + 1); // the dead thread may have taken a fresh record before growing the buffer for it
  const rec = m.recFor(r);
  const w = r * m.sw;
  let meta = Atomics.load(rec, w + META);
  if (inflight && meta === FREE) {
    meta = (1 << 8) | INFLIGHT; // died between claiming a fresh record and marking it
    Atomics.store(rec, w + META, meta);
  }
  const state = meta & 7;
  // In flight: INFLIGHT, or LIVE (marked just before the publishing store), and still in the generation the slot
  // recorded — otherwise it was published and since recycled, or never claimed (died just before the claim; the
  // sweep re-offers a RETIRED record that left the ring). Retiring: still RETIRING; one the dead thread already
  // marked RETIRED is left to the sweep.
  const ours = inflight
    ? (state === INFLIGHT || state === LIVE) && meta >>> 8 === Atomics.load(m.idx, word - SLOT_INFLIGHT + SLOT_GEN)
    : state === RETIRING;
  if (!ours) {
    Atomics.store(m.idx, word, 0);
    return 0;
  }
  const h = rec[w + HASH]!;
  const lockWord = stripe(h);
  const mine = held.includes(lockWord);
  if (!mine) {
    const holder = tryLock(m, lockWord, RECOVERY_TRIES);
    if (holder !== 0) return holder;
  }
  try {
    if (linked(m, r, h)) {
      Atomics.store(rec, w + META, (Atomics.load(rec, w + META) & ~7) | LIVE);
      Atomics.store(m.idx, word, 0);
    } else {
      // A LIVE in-flight record that no table links died just before its publishing store; with no record being
      // replaced (retiring word 0) it was an insert, which had already counted itself in SIZE.
      if (inflight && state === LIVE && Atomics.load(m.idx, word - SLOT_INFLIGHT + SLOT_RETIRING) === 0) {
        Atomics.sub(m.idx, SIZE, 1);
      }
      meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
      Atomics.store(rec, w + META, meta);
      Atomics.store(m.idx, word, 0);
      try {
        m.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | r);
      } catch {
        // FULL cannot happen for a ring sized for every record; if it did, the sweep re-offers it
      }
    }
  } finally {
    if (!mine) unlock(m, lockWord);
  }
  return 0;
}

/** Under the stripe lock: whether a table links record `r` (hash `h`). */
export function linked(m: AnyMap, r: number, h: number): boolean {
  const s = Atomics.load(m.idx, STATE);
  const level = s & LEVEL_MASK;
  for (let l = level; l <= level + ((s >> 8) & 1); l++) {
    const idx = m.indexFor(l);
    let x = Atomics.load(idx, m.bases[l]! + (h & ((MIN_BUCKETS << l) - 1)));
    while (x !== 0) {
      if (x === r + 1) return true;
      x = Atomics.load(m.recFor(x - 1), (x - 1) * m.sw + NEXT);
    }
  }
  return false;
}
