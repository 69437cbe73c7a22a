/**
 * Grow-in-place resize (kernel `rhashtable`-style, grow only). One writer at a time holds `RESIZE_LOCK`, grows
 * the index buffer by the next level's table and sets the resize bit (new keys then go to the new table). It
 * moves each old bucket under its stripe lock, always the **last** record of the old chain first: link it at
 * the new bucket's head, mark its level, only then cut it from the old chain, so every record stays reachable
 * from at least one table while readers walk old-then-new. `migrate` is idempotent; recovery re-runs it on a
 * bucket a dead mover left half done.
 */
import {
  HASH,
  LEVEL_MASK,
  LOCKS,
  META,
  MIN_BUCKETS,
  NEXT,
  RESIZES,
  RESIZE_LOCK,
  RESIZING,
  SIZE,
  STATE,
  STRIPES,
} from "./map-layout.js";
import type { AnyMap } from "./shared-map-impl.js";
import { lock, unlock } from "./stripe-lock.js";

/** Grows the table one level (or finishes a resize a dead writer left half done). */
export function resize(m: AnyMap): void {
  const idx = m.idx;
  if (Atomics.compareExchange(idx, RESIZE_LOCK, 0, m.me) !== 0) return;
  try {
    let s = Atomics.load(idx, STATE);
    const level = s & LEVEL_MASK;
    if ((s & RESIZING) === 0) {
      if (level >= m.levelMax || Atomics.load(idx, SIZE) * 4 <= (MIN_BUCKETS << level) * 3) return;
      const buf = m.handle.index;
      const need = m.bases[level + 2]! * 4;
      if (buf.byteLength < need) {
        try {
          buf.grow(need);
        } catch (err) {
          if (buf.byteLength < need) throw err;
        }
      }
      m.refreshIndex();
      s = level | RESIZING;
      Atomics.store(m.idx, STATE, s); // new keys go to the next table from now on
    }
    m.refreshIndex();
    const n = MIN_BUCKETS << level;
    for (let b = 0; b < n; b++) {
      const word = LOCKS + (b & (STRIPES - 1));
      lock(m, word);
      migrate(m, level, b);
      unlock(m, word);
    }
    Atomics.store(m.idx, STATE, level + 1);
    Atomics.add(m.idx, RESIZES, 1);
  } finally {
    Atomics.store(m.idx, RESIZE_LOCK, 0);
  }
}

/**
 * Under bucket `b`'s stripe lock: moves every record of old bucket `b` (table `level`) to the next table,
 * last record first, so that a record is always reachable from one table or both. Idempotent: also repairs
 * a bucket whose mover died halfway through a step.
 */
export function migrate(m: AnyMap, level: number, b: number): void {
  const idx = m.indexFor(level + 1);
  const head = m.bases[level]! + b;
  const newMask = (MIN_BUCKETS << (level + 1)) - 1;
  for (;;) {
    // The last record of the old chain (records already marked with the next level are not part of it).
    let predWord = head;
    let predInIndex = true;
    let r = Atomics.load(idx, head);
    if (r === 0 || ((m.recFor(r - 1)[(r - 1) * m.sw + META]! >>> 3) & 31) !== level) {
      if (r !== 0) Atomics.store(idx, head, 0);
      return;
    }
    for (;;) {
      const w = (r - 1) * m.sw;
      const nx = Atomics.load(m.rec, w + NEXT);
      if (nx === 0 || ((m.recFor(nx - 1)[(nx - 1) * m.sw + META]! >>> 3) & 31) !== level) break;
      predWord = w + NEXT;
      predInIndex = false;
      r = nx;
    }
    const rec = m.rec;
    const w = (r - 1) * m.sw;
    const newHead = m.bases[level + 1]! + (rec[w + HASH]! & newMask);
    if (Atomics.load(idx, newHead) !== r) {
      Atomics.store(rec, w + NEXT, Atomics.load(idx, newHead)); // the old chain now runs on into the new one
      Atomics.store(idx, newHead, r); // reachable from both tables
    }
    const meta = Atomics.load(rec, w + META);
    Atomics.store(rec, w + META, (meta & ~0xf8) | ((level + 1) << 3));
    if (predInIndex) Atomics.store(idx, predWord, 0);
    else Atomics.store(rec, predWord, 0); // cut from the old chain
  }
}
