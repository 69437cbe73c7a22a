/**
 * The shared map's engine: an RCU hash table in the style of the kernel's `rhashtable` and liburcu's
 * `rculfhash`, over two growable `SharedArrayBuffer`s (layout in map-layout.ts).
 *
 * Readers (no lock, no allocation). Load `STATE` (current level, resize bit), hash the key, walk the chain of
 * its bucket with `Atomics.load` on every link, compare keys inline. On a miss, load `STATE` again: if a
 * newer table exists (a resize started or finished meanwhile), walk that one too. The handle returned is
 * `generation << 22 | index`; `get` re-checks the generation, so a handle is only ever the record it named.
 *
 * Writers. Copy-update: allocate a record (a recycled one whose grace period ended, from the `@rcu/core`
 * shared pending ring, else a fresh one, growing the record buffer in place), fill key and values, then take
 * the key's stripe lock (CAS 0 → threadId + 1) and publish with one `Atomics.store`: replacing a record links
 * the new one where the old one was (same `NEXT`), inserting links it at the bucket head. The old record is
 * unlinked, then enqueued in the pending ring with the current grace-period cookie; it is reused only after
 * every reader that could have reached it left its section. A reader therefore sees the old record or the
 * new one, whole, never a mix, and never a recycled record.
 *
 * Resize (grow only). One writer at a time (the `RESIZE_LOCK`) grows the index buffer by the next level's table
 * and sets the resize bit; from then on new keys go to the new table and writers look in both. It then
 * moves every old bucket, one at a time under its stripe lock, always taking the **last** record of the old
 * chain: point its `NEXT` at the new bucket's head, publish it there, mark its level, and only then cut it
 * from the old chain. A record is thus always reachable from at least one table, and readers walk the old
 * table before loading `STATE` again and walking the new one — so a present key is never missed. A reader that
 * walks off the end of an old chain into a new one only sees more (valid) records. Old tables are never reused,
 * so walking them is always memory-safe. Because the stripe count divides every table size, one stripe lock
 * guards a key's bucket in both tables.
 *
 * Dead writers. Every lock word holds its owner (threadId + 1); each writer's slot names the record it is
 * publishing and the one it is retiring. Recovery runs when a watched worker exits (`watch(worker)`) and, sooner,
 * in any writer that spins on a stripe whose holder's OS thread is gone (`threadDied` of `@rcu/core/shared`) —
 * a thread writing synchronously right after `terminate()` never waits for an `exit` event. It takes over the
 * locks the dead thread held, finishes any half-moved bucket, decides from reachability whether the in-flight
 * record was published (keep) or not (recycle), and whether the record being retired was unlinked (recycle)
 * or not (keep); stripes and writer slots are claimed by CAS, so recoveries on several threads at once split the
 * work. Records recycled twice are harmless: the ring items carry the record's generation, and taking
 * one is a CAS on (generation, RETIRED), so a stale duplicate is skipped.
 *
 * Where each part lives. This class holds the state every part shares (views, probe, writer slot) and keeps
 * the reader path (`lookup`, the u32 `lookupU32`, `get`, `values`, `forEach`) inline, so a lookup calls no
 * other module except to probe a non-u32 key. The mechanisms are functions that take the map:
 * record-views.ts (typed field views), key-probe.ts (key validation, hashing, comparison), stripe-lock.ts
 * (owner-stamped striped locks), record-alloc.ts (writer slot, record allocation and recycling),
 * copy-update.ts (set/delete/update), resize.ts (grow and migrate), recovery.ts (dead writers).
 */
import { RcuError } from "@rcu/core";
import {
  attachSharedPending,
  createSharedLock,
  threadDied,
  type SharedDomain,
  type SharedPending,
  type SharedSpinLock,
} from "@rcu/core/shared";
import type { StructLayout } from "@rcu/pool";
import { deleteKey, setKey, updateKey } from "./copy-update.js";
import { keyAt, keyAtWord, probe, sameKey, badKey } from "./key-probe.js";
import { KIND_U32, mix32, type KeyOf, type KeySpec } from "./map-keys.js";
import {
  GEN_MASK,
  HASH,
  INDEX_BITS,
  INDEX_MASK,
  FIRST_RECORD,
  FRESH,
  KEY,
  LEVEL0_WORD,
  LEVELMAX_WORD,
  LEVEL_MASK,
  LIVE,
  MAXCAP_WORD,
  MAXREC_WORD,
  META,
  MIN_BUCKETS,
  NEXT,
  RECOVERED,
  RESIZES,
  RESIZING,
  SIZE,
  STATE,
  SWEEP_LOCK,
  THREADS_WORD,
  describe,
  tableBase,
  type RecordLayout,
} from "./map-layout.js";
import { fieldView, type FieldAccess } from "./record-views.js";
import { recover } from "./recovery.js";
import type { SharedMap, SharedMapHandle, SharedMapStats, ValuesOf } from "./shared-map.js";
import { currentThreadId } from "./stripe-lock.js";
import type { WatchedWorker } from "@rcu/core/shared";

/** The engine with its key and value types erased, as the mechanism files take it. */
export type AnyMap = SharedMapImpl<KeySpec, StructLayout>;

function nextPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/**
 * The engine behind `SharedMap`. Its non-private fields are the state the mechanism files read and write;
 * the class is internal (not exported from the package).
 */
export class SharedMapImpl<K extends KeySpec, L extends StructLayout> implements SharedMap<K, L> {
  readonly maxCapacity: number;
  readonly kind: number;
  readonly maxBytes: number;
  readonly sw: number;
  readonly maxRecords: number;
  readonly level0: number;
  readonly levelMax: number;
  readonly threads: number;
  readonly me: number;
  readonly pending: SharedPending;
  /** One recovery sweep of the pending ring at a time (recovery.ts). */
  readonly sweepLock: SharedSpinLock;
  readonly fields: FieldAccess[];
  readonly byName: Record<string, FieldAccess>;
  /** Per level: first table word. */
  readonly bases: number[] = [];
  /** Value scratch (validated values, copied into a record after allocation). */
  readonly scratch: Float64Array;
  idx: Int32Array;
  rec: Int32Array;
  recF64: Float64Array;
  bytes: Uint8Array;
  slot = -1;
  /** Inside `update`'s `fn`: writes from this thread would deadlock on the held stripe. */
  busy = false;
  /** Result of `find`: the word that links to the found record (index word if `predInIndex`, else record word). */
  predWord = 0;
  predInIndex = true;
  /** Result of `findAny`: the table level the probe key was found in (or would be inserted into). */
  foundLevel = 0;
  /** The probe: the key being looked up or written, as `probe` (key-probe.ts) stored it. */
  probeLo = 0;
  probeHi = 0;
  probeStr = "";
  probeNum = 0;

  constructor(
    readonly handle: SharedMapHandle<K, L>,
    readonly domain: SharedDomain,
    pending: SharedPending | undefined,
    layout: RecordLayout,
  ) {
    this.idx = new Int32Array(handle.index, 0, handle.index.byteLength >> 2);
    const idx = this.idx;
    this.kind = layout.kind;
    this.maxBytes = layout.maxBytes;
    this.sw = layout.strideWords;
    this.maxCapacity = idx[MAXCAP_WORD]!;
    this.maxRecords = idx[MAXREC_WORD]!;
    this.level0 = idx[LEVEL0_WORD]!;
    this.levelMax = idx[LEVELMAX_WORD]!;
    this.threads = idx[THREADS_WORD]!;
    for (let l = 0; l <= this.levelMax + 1; l++)
      this.bases.push(l < this.level0 ? 0 : tableBase(this.threads, this.level0, l));
    this.me = currentThreadId() + 1;
    this.pending = pending ?? attachSharedPending(handle.pending, domain);
    this.sweepLock = createSharedLock(domain, idx, SWEEP_LOCK);
    this.byName = Object.create(null) as Record<string, FieldAccess>;
    this.rec = new Int32Array(0);
    this.recF64 = new Float64Array(0);
    this.bytes = new Uint8Array(0);
    this.fields = layout.fields.map((f) => {
      const access: FieldAccess = { name: f.name, type: f.type, offset: f.offset, stride: f.stride, view: this.rec };
      this.byName[f.name] = access;
      return access;
    });
    this.scratch = new Float64Array(this.fields.length);
    this.refreshRecords();
    if (this.kind === KIND_U32) this.lookup = (key: KeyOf<K>): number | undefined => this.lookupU32(key as number);
  }

  // ---- views ---------------------------------------------------------------------------------------------

  /** Re-maps the record views after another thread grew the record buffer. */
  private refreshRecords(): void {
    const buf = this.handle.records;
    const len = buf.byteLength;
    this.rec = new Int32Array(buf, 0, len >> 2);
    this.recF64 = new Float64Array(buf, 0, len >> 3);
    this.bytes = new Uint8Array(buf, 0, len);
    for (const f of this.fields) f.view = fieldView(buf, f.type);
  }

  refreshIndex(): void {
    const buf = this.handle.index;
    this.idx = new Int32Array(buf, 0, buf.byteLength >> 2);
  }

  /** The record view, re-mapped if record `i` lies past this thread's view. */
  recFor(i: number): Int32Array {
    if ((i + 1) * this.sw > this.rec.length) this.refreshRecords();
    return this.rec;
  }

  indexFor(level: number): Int32Array {
    if (this.bases[level + 1]! > this.idx.length) this.refreshIndex();
    return this.idx;
  }

  // ---- readers -------------------------------------------------------------------------------------------

  get size(): number {
    return Atomics.load(this.idx, SIZE);
  }

  lookup(key: KeyOf<K>): number | undefined {
    const h = probe(this, key);
    let level = this.idx[STATE]! & LEVEL_MASK; // plain load: see lookupU32
    for (;;) {
      const idx = this.indexFor(level);
      let r = idx[this.bases[level]! + (h & ((MIN_BUCKETS << level) - 1))]!;
      while (r !== 0) {
        const rec = this.recFor(r - 1);
        const w = (r - 1) * this.sw;
        if (keyAt(this, rec, w, h)) return (((rec[w + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | (r - 1);
        r = rec[w + NEXT]!;
      }
      const s = Atomics.load(this.idx, STATE);
      if ((s & LEVEL_MASK) + ((s >> 8) & 1) <= level) return undefined;
      level++;
    }
  }

  /**
   * `lookup` for u32 keys: the hot path, specialised. Links are read with plain loads: each load's address
   * depends on the previous one (the record it names), which orders them on every mainstream CPU, and the
   * writer published the record with a sequentially consistent store after filling it. The first `STATE` load
   * may be stale (a drained old table is still safe to walk); a miss re-checks it with `Atomics.load`.
   */
  private lookupU32(key: number): number | undefined {
    if (typeof key !== "number" || key >>> 0 !== key) throw badKey(key, "keys are integers in 0..2^32-1 ('u32')");
    const h = mix32(key);
    const k = key | 0;
    const sw = this.sw;
    let level = this.idx[STATE]! & LEVEL_MASK;
    for (;;) {
      const idx = this.bases[level + 1]! > this.idx.length ? this.indexFor(level) : this.idx;
      let r = idx[this.bases[level]! + (h & ((MIN_BUCKETS << level) - 1))]!;
      while (r !== 0) {
        const w = (r - 1) * sw;
        const rec = w + sw > this.rec.length ? this.recFor(r - 1) : this.rec;
        if (rec[w + KEY] === k) return (((rec[w + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | (r - 1);
        r = rec[w + NEXT]!;
      }
      const s = Atomics.load(this.idx, STATE);
      if ((s & LEVEL_MASK) + ((s >> 8) & 1) <= level) return undefined;
      level++;
    }
  }

  has(key: KeyOf<K>): boolean {
    return this.lookup(key) !== undefined;
  }

  /** The record word of a valid handle (one `lookup`/`forEach` returned, record not recycled since). */
  private wordOf(handle: number): number {
    return this.indexOf(handle) * this.sw;
  }

  /** The record index of a valid handle. */
  private indexOf(handle: number): number {
    if (typeof handle !== "number" || handle !== (handle & 0x7fffffff)) {
      throw new RcuError(
        "INVALID_OPTION",
        `${describe(handle)} is not a handle of this map: pass a handle that lookup() or forEach() returned.`,
      );
    }
    const i = handle & INDEX_MASK;
    const rec = i < this.maxRecords ? this.recFor(i) : this.rec;
    const w = i * this.sw;
    const meta = rec[w + META];
    if (meta === undefined || ((meta >>> 8) & GEN_MASK) !== handle >>> INDEX_BITS || (meta & 7) < LIVE) {
      throw new RcuError(
        "INVALID_OPTION",
        `${handle} does not name a record of this map any more (forged, or kept past the read section in which lookup() returned it). ` +
          "Use handles only inside the domain.read section that found them.",
      );
    }
    return i;
  }

  get<F extends keyof L & string>(handle: number, field: F): number {
    // Only a string names a field: any other value would be converted to a property key first, and that can
    // throw (a symbol-named error, a throwing `toString`, a revoked proxy).
    const f = typeof field === "string" ? this.byName[field] : undefined;
    if (f === undefined) throw this.badField(field);
    return f.view[this.indexOf(handle) * f.stride + f.offset]!;
  }

  private badField(field: unknown): RcuError {
    const names = this.fields.map((f) => f.name);
    const near = typeof field === "string" ? names.find((n) => n.toLowerCase() === field.toLowerCase()) : undefined;
    return new RcuError(
      "INVALID_OPTION",
      `No field ${describe(field)} in this map's value layout (${names.join(", ")})${near === undefined ? "" : `; did you mean '${near}'?`}.`,
    );
  }

  values(handle: number): ValuesOf<L> {
    const w = this.wordOf(handle);
    const i = w / this.sw;
    const out: Record<string, number> = {};
    for (const f of this.fields) out[f.name] = f.view[i * f.stride + f.offset]!;
    return out as ValuesOf<L>;
  }

  keyOf(handle: number): KeyOf<K> {
    return keyAtWord<K>(this, this.wordOf(handle));
  }

  forEach(fn: (handle: number, key: KeyOf<K>) => void): void {
    if (typeof fn !== "function")
      throw new RcuError("INVALID_OPTION", "forEach(fn): fn must be a function (handle, key) => void.");
    const level0 = Atomics.load(this.idx, STATE) & LEVEL_MASK;
    const n0 = MIN_BUCKETS << level0;
    const seen: number[] = [];
    for (let b = 0; b < n0; b++) {
      seen.length = 0;
      // The group of old bucket b: buckets b + j * n0 of every newer level (a resize only moves records up).
      for (let level = level0; ;) {
        const idx = this.indexFor(level);
        for (let j = 0; j < 1 << (level - level0); j++) {
          const bucket = b + j * n0;
          let r = Atomics.load(idx, this.bases[level]! + bucket);
          while (r !== 0) {
            const rec = this.recFor(r - 1);
            const w = (r - 1) * this.sw;
            r = Atomics.load(rec, w + NEXT);
            if ((rec[w + HASH]! & (n0 - 1)) !== b) continue; // reached through a moved record: not this group
            let dup = false;
            for (const s of seen) if (sameKey(this, rec, s, w)) dup = true;
            if (dup) continue;
            seen.push(w);
            fn((((rec[w + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | (w / this.sw), keyAtWord<K>(this, w));
          }
        }
        const s = Atomics.load(this.idx, STATE);
        if ((s & LEVEL_MASK) + ((s >> 8) & 1) <= level) break;
        level++;
      }
    }
  }

  // ---- writers (copy-update.ts) --------------------------------------------------------------------------

  set(key: KeyOf<K>, values: ValuesOf<L>): void {
    setKey(this, key, values);
  }

  delete(key: KeyOf<K>): boolean {
    return deleteKey(this, key);
  }

  update(key: KeyOf<K>, fn: (current: ValuesOf<L> | undefined) => ValuesOf<L> | undefined): void {
    updateKey(this, key, fn);
  }

  // ---- dead workers (recovery.ts) --------------------------------------------------------------------------------------

  watch(worker: WatchedWorker): void {
    let threadId: unknown;
    let ok = false;
    try {
      const w = worker as Partial<{ threadId: number; once: unknown }> | null;
      if (w !== null && typeof w === "object" && typeof w.once === "function") {
        threadId = w.threadId;
        ok = true;
      }
    } catch {
      // a revoked proxy or a throwing getter: not a worker
    }
    if (!ok || typeof threadId !== "number") {
      throw new RcuError("INVALID_OPTION", "watch(worker): pass a worker_threads Worker (with threadId and once()).");
    }
    const owner = threadId + 1;
    this.pending.watch(worker); // runs first: the ring's lock is free before recovery enqueues
    worker.once("exit", () => recover(this, owner));
    this.domain.watch(worker); // after recovery: until its slot is freed, `threadDied` can still name the thread
  }

  /** Whether the thread tagged `owner` is known dead: its OS thread is gone (stripe-lock.ts asks between parks). */
  holderDied(owner: number): boolean {
    return threadDied(this.domain, owner);
  }

  /** Recovers the dead thread `owner` (recovery.ts), from a writer's spin on a stripe it holds. */
  recoverDead(owner: number): void {
    recover(this, owner);
  }

  // ---- misc ----------------------------------------------------------------------------------------------

  reclaimable(): Promise<void> {
    return this.pending.whenExpired();
  }

  stats(): SharedMapStats {
    const idx = this.idx;
    const s = Atomics.load(idx, STATE);
    return {
      size: Atomics.load(idx, SIZE),
      maxCapacity: this.maxCapacity,
      buckets: MIN_BUCKETS << (s & LEVEL_MASK),
      resizing: (s & RESIZING) !== 0,
      resizes: Atomics.load(idx, RESIZES),
      records: Atomics.load(idx, FRESH) - FIRST_RECORD,
      pendingRecords: this.pending.size,
      recovered: Atomics.load(idx, RECOVERED),
      bytes: this.handle.index.byteLength + this.handle.records.byteLength + this.pending.handle.buffer.byteLength,
    };
  }

  /** Sizes the pending ring for `maxRecords` records (every record can wait at once). */
  static ringCapacity(maxRecords: number): number {
    return nextPow2(maxRecords);
  }
}
