/**
 * Dead-writer recovery. Lock words and writer slots name their owner (threadId + 1), so when a watched worker
 * exits, `recover` takes over the stripe locks it held, finishes a bucket it was moving, and settles the two
 * records its slot names by reachability: the in-flight one is kept if a table links it (it was published) and
 * recycled otherwise; the retiring one is recycled once unlinked. `sweep` then re-offers retired records that
 * are in no ring entry (a thread killed inside the pending ring). Duplicates are harmless: taking a record
 * from the ring is a CAS on (generation, RETIRED).
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
  SLOT_INFLIGHT,
  SLOT_OWNER,
  SLOT_RETIRING,
  SLOT_WORDS,
  STATE,
  STRIPES,
} from "./map-layout.js";
import type { AnyMap } from "./shared-map-impl.js";
import { migrate } from "./resize.js";
import { stripe, tryLock, unlock } from "./stripe-lock.js";

/** Lock attempts (spin, then short parks) a recovery makes on a stripe before leaving it for a later pass. */
const RECOVERY_TRIES = 2_000;
/** Delay before a recovery pass retries the records it left (ms). */
const RETRY_MS = 1;

/** Takes back what thread `owner` (dead) held: locks, a half-moved bucket, its in-flight records. */
export function recover(m: AnyMap, owner: number): void {
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
  let retry = false;
  for (let i = 0; i < m.threads; i++) {
    const at = SLOTS + i * SLOT_WORDS;
    if (Atomics.load(idx, at + SLOT_OWNER) !== owner) continue;
    for (const which of [SLOT_INFLIGHT, SLOT_RETIRING]) {
      const r = Atomics.load(idx, at + which) - 1;
      if (r < 0) continue;
      if (!settle(m, r, which === SLOT_INFLIGHT, held)) {
        retry = true;
        continue;
      }
      Atomics.store(idx, at + which, 0);
      recovered++;
    }
    if (!retry) Atomics.store(idx, at + SLOT_OWNER, 0);
  }
  for (const word of held) unlock(m, word);
  if (Atomics.compareExchange(idx, RESIZE_LOCK, owner, 0) === owner) recovered++;
  recovered += sweep(m);
  if (recovered !== 0) Atomics.add(idx, RECOVERED, recovered);
  // A record whose stripe another (dead) thread still holds: try again once this turn is over, after the other
  // thread's exit listener has freed its locks. The pass is idempotent: settled slots were cleared above.
  if (retry) setTimeout(() => recover(m, owner), RETRY_MS);
}

/**
 * Re-enqueues retired records that are in no ring entry: a thread killed between the ring's commit and the
 * return of `takeExpired` (or of `enqueue`) leaves one. Takes every entry out (`dequeue`), marks them, puts
 * them back (with a newer cookie: only later, never earlier) plus the orphans. Safe while other threads run:
 * an entry it adds for a record that another thread is just taking or retiring is a duplicate, and the
 * generation check on take skips duplicates.
 */
export function sweep(m: AnyMap): number {
  const items: number[] = [];
  for (let item = m.pending.dequeue(); item !== -1; item = m.pending.dequeue()) items.push(item);
  const queued = new Set<number>();
  for (const item of items) queued.add(item & INDEX_MASK);
  const fresh = Math.min(Atomics.load(m.idx, FRESH), m.maxRecords);
  const rec = m.recFor(Math.max(0, fresh - 1));
  let orphans = 0;
  for (let i = 0; i < fresh; i++) {
    const meta = Atomics.load(rec, i * m.sw + META);
    if ((meta & 7) === RETIRED && !queued.has(i)) {
      items.push((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
      orphans++;
    }
  }
  for (const item of items) {
    try {
      m.pending.enqueue(item);
    } catch {
      // FULL: only a duplicate can overflow a ring sized for every record; dropping it loses nothing
    }
  }
  return orphans;
}

/**
 * A dead writer's record `r`: keep it if a table links it, else recycle it. Returns `false`, leaving the record
 * for a later pass, when its stripe stays held by another thread — possibly one that died too and whose own
 * `exit` listener (which frees that stripe) cannot run while this thread spins.
 */
export function settle(m: AnyMap, r: number, inflight: boolean, held: number[]): boolean {
  const rec = m.recFor(r);
  const w = r * m.sw;
  let state = Atomics.load(rec, w + META) & 7;
  if (inflight && state === FREE) {
    Atomics.store(rec, w + META, (1 << 8) | INFLIGHT); // died between claiming a fresh record and marking it
    state = INFLIGHT;
  }
  if (inflight ? state !== INFLIGHT : state !== RETIRING && state !== RETIRED) return true;
  const h = rec[w + HASH]!;
  const word = stripe(h);
  const mine = held.includes(word);
  if (!mine && !tryLock(m, word, RECOVERY_TRIES)) return false;
  try {
    if (linked(m, r, h)) {
      const meta = Atomics.load(rec, w + META);
      Atomics.store(rec, w + META, (meta & ~7) | LIVE);
    } else {
      const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
      Atomics.store(rec, w + META, meta);
      try {
        m.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | r);
      } catch {
        // FULL cannot happen for a ring sized for every record; if it did, the sweep below re-offers it
      }
    }
  } finally {
    if (!mine) unlock(m, word);
  }
  return true;
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
