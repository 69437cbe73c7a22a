/**
 * The copy-update writer path. A new record is allocated and filled outside the lock, then, under the key's
 * stripe lock, published with one `Atomics.store` (in place of the old record, same `NEXT`, or at the head
 * of the bucket in the newest table); the old record is unlinked and retired to the pending ring after the
 * lock is released. `find`/`findAny` look the probe key up under the lock (in both tables during a resize)
 * and leave the word that links it in `predWord`/`predInIndex` for `storePred`.
 */
import { RcuError, isRcuError } from "@rcu/core";
import type { StructLayout } from "@rcu/pool";
import { KIND_STRING, type KeyOf, type KeySpec } from "./map-keys.js";
import {
  GEN_MASK,
  HASH,
  INDEX_BITS,
  LEVEL_MASK,
  LIVE,
  META,
  MIN_BUCKETS,
  NEXT,
  RESIZE_LOCK,
  RESIZING,
  RETIRING,
  SIZE,
  SLOT_INFLIGHT,
  SLOT_RETIRING,
  STATE,
} from "./map-layout.js";
import type { AnyMap, SharedMapImpl } from "./shared-map-impl.js";
import type { ValuesOf } from "./shared-map.js";
import { checkStringKey, keyAt, probe } from "./key-probe.js";
import { alloc, discard, fill, mySlot, readValues, retire } from "./record-alloc.js";
import { resize } from "./resize.js";
import { lock, stripe, unlock } from "./stripe-lock.js";

/** Refuses a write from inside `update`'s callback (this thread holds the key's stripe). */
export function checkWriter(m: AnyMap, op: string): void {
  if (m.busy) {
    throw new RcuError(
      "SELF_DEADLOCK",
      `${op}() from inside update()'s callback: this thread holds the key's lock. Return the new values from the callback instead.`,
    );
  }
}

/**
 * Under the key's stripe lock: finds the probe key (hash `h`) in `level`'s table; returns its record index
 * or -1, and leaves the linking word in `predWord`/`predInIndex`.
 */
export function find(m: AnyMap, level: number, h: number): number {
  const idx = m.indexFor(level);
  let pred = m.bases[level]! + (h & ((MIN_BUCKETS << level) - 1));
  let inIndex = true;
  let r = Atomics.load(idx, pred);
  while (r !== 0) {
    const rec = m.recFor(r - 1);
    const w = (r - 1) * m.sw;
    if (rec[w + HASH] === h && keyAt(m, rec, w, h)) {
      m.predWord = pred;
      m.predInIndex = inIndex;
      return r - 1;
    }
    pred = w + NEXT;
    inIndex = false;
    r = Atomics.load(rec, pred);
  }
  m.predWord = pred;
  m.predInIndex = inIndex;
  return -1;
}

/** Finds the probe in the current table and, during a resize, the next one. Sets `foundLevel`. */
export function findAny(m: AnyMap, h: number): number {
  const s = Atomics.load(m.idx, STATE);
  const level = s & LEVEL_MASK;
  m.foundLevel = level;
  const i = find(m, level, h);
  if (i !== -1 || (s & RESIZING) === 0) return i;
  m.foundLevel = level + 1;
  return find(m, level + 1, h);
}

/** Under the stripe lock: stores `value` into the word `find` left as the probe key's link. */
export function storePred(m: AnyMap, value: number): void {
  if (m.predInIndex) Atomics.store(m.idx, m.predWord, value);
  else Atomics.store(m.rec, m.predWord, value);
}

/** `map.set`: copy-update of `key`'s record (or insert). */
export function setKey<K extends KeySpec, L extends StructLayout>(
  m: SharedMapImpl<K, L>,
  key: KeyOf<K>,
  values: ValuesOf<L>,
): void {
  checkWriter(m, "set");
  const h = probe(m, key);
  if (m.kind === KIND_STRING) checkStringKey(m, key as string);
  readValues(m, values);
  const word = stripe(h);
  const r = alloc(m);
  fill(m, r, h);
  try {
    lock(m, word);
  } catch (err) {
    discard(m, r); // SELF_DEADLOCK: the record was never published
    throw err;
  }
  let old: number;
  try {
    old = publish(m, r, h);
  } catch (err) {
    unlock(m, word);
    discard(m, r);
    throw err;
  }
  unlock(m, word);
  afterPublish(m, old);
}

/**
 * Under the stripe lock: links record `r` (filled with the probe key) in place of the key's current record,
 * or at the head of its bucket. Returns the replaced record (now RETIRING) or -1.
 */
export function publish(m: AnyMap, r: number, h: number): number {
  const old = findAny(m, h);
  const rec = m.rec;
  const w = r * m.sw;
  const slot = m.slot;
  if (old !== -1) {
    const ow = old * m.sw;
    const om = rec[ow + META]!;
    Atomics.store(rec, w + NEXT, Atomics.load(rec, ow + NEXT));
    Atomics.store(m.idx, slot + SLOT_RETIRING, old + 1);
    Atomics.store(rec, ow + META, (om & ~7) | RETIRING);
    Atomics.store(rec, w + META, (rec[w + META]! & ~0xff) | (om & 0xf8) | LIVE);
    storePred(m, r + 1); // publish
    Atomics.store(m.idx, slot + SLOT_INFLIGHT, 0);
    return old;
  }
  // Insert at the head of the bucket in the newest table (the next one during a resize). The record turns LIVE
  // right after SIZE counts it: recovery takes a LIVE, unlinked insert as counted (recovery.ts `settle`).
  const level = m.foundLevel;
  const head = m.bases[level]! + (h & ((MIN_BUCKETS << level) - 1));
  Atomics.store(rec, w + NEXT, Atomics.load(m.idx, head));
  if (Atomics.add(m.idx, SIZE, 1) >= m.maxCapacity) {
    Atomics.sub(m.idx, SIZE, 1);
    throw new RcuError(
      "FULL",
      `This map holds maxCapacity (${m.maxCapacity}) keys. Delete keys first, or create it with a larger maxCapacity.`,
    );
  }
  Atomics.store(rec, w + META, (rec[w + META]! & ~0xff) | (level << 3) | LIVE);
  Atomics.store(m.idx, head, r + 1); // publish
  Atomics.store(m.idx, slot + SLOT_INFLIGHT, 0);
  return -1;
}

/**
 * After the stripe is released: recycle the replaced record, and grow the table if it is too full. The write is
 * done by then: a resize that meets a stripe this thread holds (a write made from inside `update`'s callback
 * through another view) stops there, and the next write finishes it (`migrate` is idempotent).
 */
export function afterPublish(m: AnyMap, old: number): void {
  if (old !== -1) retire(m, old);
  const s = Atomics.load(m.idx, STATE);
  const level = s & LEVEL_MASK;
  try {
    if ((s & RESIZING) !== 0) {
      if (Atomics.load(m.idx, RESIZE_LOCK) === 0) resize(m);
    } else if (level < m.levelMax && Atomics.load(m.idx, SIZE) * 4 > (MIN_BUCKETS << level) * 3) {
      resize(m);
    }
  } catch (err) {
    if (!isRcuError(err, "SELF_DEADLOCK")) throw err;
  }
}

/** `map.delete`: unlinks `key`'s record and retires it. */
export function deleteKey<K extends KeySpec, L extends StructLayout>(m: SharedMapImpl<K, L>, key: KeyOf<K>): boolean {
  checkWriter(m, "delete");
  const h = probe(m, key);
  mySlot(m);
  const word = stripe(h);
  lock(m, word);
  const old = unlinkLocked(m, h);
  unlock(m, word);
  if (old === -1) return false;
  retire(m, old);
  return true;
}

/** Under the stripe lock: unlinks the probe key's record (now RETIRING); returns it or -1. */
export function unlinkLocked(m: AnyMap, h: number): number {
  const old = findAny(m, h);
  if (old === -1) return -1;
  const rec = m.rec;
  const ow = old * m.sw;
  Atomics.store(m.idx, m.slot + SLOT_RETIRING, old + 1);
  Atomics.store(rec, ow + META, (rec[ow + META]! & ~7) | RETIRING);
  storePred(m, Atomics.load(rec, ow + NEXT));
  Atomics.sub(m.idx, SIZE, 1);
  return old;
}

/** `map.update`: read-modify-write of `key` under its stripe lock. */
export function updateKey<K extends KeySpec, L extends StructLayout>(
  m: SharedMapImpl<K, L>,
  key: KeyOf<K>,
  fn: (current: ValuesOf<L> | undefined) => ValuesOf<L> | undefined,
): void {
  checkWriter(m, "update");
  if (typeof fn !== "function")
    throw new RcuError("INVALID_OPTION", "update(key, fn): fn must be a function (current) => values | undefined.");
  const h = probe(m, key);
  if (m.kind === KIND_STRING) checkStringKey(m, key as string);
  const probeStr = m.probeStr;
  const probeNum = m.probeNum;
  const probeLo = m.probeLo;
  const probeHi = m.probeHi;
  mySlot(m);
  const word = stripe(h);
  lock(m, word);
  let old: number;
  let r = -1;
  try {
    const found = findAny(m, h);
    const current =
      found === -1 ? undefined : m.values((((m.rec[found * m.sw + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | found);
    let next: ValuesOf<L> | undefined;
    m.busy = true;
    try {
      next = fn(current);
    } finally {
      m.busy = false;
    }
    // fn may have used this map's readers (which reuse the probe): restore it.
    m.probeStr = probeStr;
    m.probeNum = probeNum;
    m.probeLo = probeLo;
    m.probeHi = probeHi;
    if (next === undefined) {
      old = found === -1 ? -1 : unlinkLocked(m, h);
    } else {
      readValues(m, next);
      r = alloc(m);
      fill(m, r, h);
      old = publish(m, r, h);
    }
  } catch (err) {
    unlock(m, word);
    if (r !== -1) discard(m, r);
    throw err;
  }
  unlock(m, word);
  afterPublish(m, old);
}
