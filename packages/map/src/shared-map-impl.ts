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
 * publishing and the one it is retiring. `watch(worker)` runs recovery when the worker exits: it takes over
 * the locks the worker held, finishes any half-moved bucket, decides from reachability whether the in-flight
 * record was published (keep) or not (recycle), and whether the record being retired was unlinked (recycle)
 * or not (keep). Records recycled twice are harmless: the ring items carry the record's generation, and taking
 * one is a CAS on (generation, RETIRED), so a stale duplicate is skipped.
 */
import { RcuError } from "@rcu/core";
import { attachSharedPending, type SharedDomain, type SharedPending } from "@rcu/core/shared";
import type { FieldType, StructLayout } from "@rcu/pool";
import {
  KIND_F64,
  KIND_STRING,
  KIND_U32,
  decodeUtf8,
  encodeUtf8,
  equalsUtf8,
  f64Hi,
  f64Lo,
  hashF64,
  hashString,
  mix32,
  type KeyOf,
  type KeySpec,
} from "./map-keys.js";
import {
  FREE,
  FRESH,
  GEN_MASK,
  HASH,
  INDEX_BITS,
  INDEX_MASK,
  INFLIGHT,
  KEY,
  KEY64,
  KEY_BYTES,
  LEVEL0_WORD,
  LEVELMAX_WORD,
  LEVEL_MASK,
  LIVE,
  LOCKS,
  MAXCAP_WORD,
  MAXREC_WORD,
  META,
  MIN_BUCKETS,
  NEXT,
  RECOVERED,
  RESIZES,
  RESIZE_LOCK,
  RESIZING,
  RETIRED,
  RETIRING,
  SIZE,
  SLOTS,
  SLOT_INFLIGHT,
  SLOT_OWNER,
  SLOT_RETIRING,
  SLOT_WORDS,
  STATE,
  STRIPES,
  THREADS_WORD,
  describe,
  tableBase,
  type RecordLayout,
} from "./map-layout.js";
import type { SharedMap, SharedMapHandle, SharedMapStats, ValuesOf } from "./shared-map.js";

type AnyView = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const CTORS: { readonly [K in FieldType]: new (buffer: SharedArrayBuffer, offset: number, length: number) => AnyView } = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
};
const WIDTH: { readonly [K in FieldType]: number } = { f64: 8, f32: 4, i32: 4, u32: 4, i16: 2, u16: 2, i8: 1, u8: 1 };

/** Lock attempts before parking between attempts. */
const SPINS = 256;
/** One park (ms) while a stripe is held by another thread. */
const PARK_MS = 0.05;

/** One field's accessor, re-pointed at new views when the record buffer grows. */
interface FieldAccess {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly stride: number;
  view: AnyView;
}

function currentThreadId(): number {
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

function nextPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

export class SharedMapImpl<K extends KeySpec, L extends StructLayout> implements SharedMap<K, L> {
  readonly maxCapacity: number;
  private readonly kind: number;
  private readonly maxBytes: number;
  private readonly sw: number;
  private readonly maxRecords: number;
  private readonly level0: number;
  private readonly levelMax: number;
  private readonly threads: number;
  private readonly me: number;
  private readonly pending: SharedPending;
  private readonly fields: FieldAccess[];
  private readonly byName: Record<string, FieldAccess>;
  /** Per level: first table word. */
  private readonly bases: number[] = [];
  /** Value scratch (validated values, copied into a record after allocation). */
  private readonly scratch: Float64Array;
  private idx: Int32Array;
  private rec: Int32Array;
  private recF64: Float64Array;
  private bytes: Uint8Array;
  private slot = -1;
  /** Inside `update`'s `fn`: writes from this thread would deadlock on the held stripe. */
  private busy = false;
  /** Result of `find`: the word that links to the found record (index word if `predInIndex`, else record word). */
  private predWord = 0;
  private predInIndex = true;
  private probeLo = 0;
  private probeHi = 0;
  private probeStr = "";
  private probeNum = 0;

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
    for (let l = 0; l <= this.levelMax + 1; l++) this.bases.push(l < this.level0 ? 0 : tableBase(this.threads, this.level0, l));
    this.me = currentThreadId() + 1;
    this.pending = pending ?? attachSharedPending(handle.pending, domain);
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
    for (const f of this.fields) f.view = new CTORS[f.type](buf, 0, Math.floor(len / WIDTH[f.type]));
  }

  private refreshIndex(): void {
    const buf = this.handle.index;
    this.idx = new Int32Array(buf, 0, buf.byteLength >> 2);
  }

  /** The record view, re-mapped if record `i` lies past this thread's view. */
  private recFor(i: number): Int32Array {
    if ((i + 1) * this.sw > this.rec.length) this.refreshRecords();
    return this.rec;
  }

  private indexFor(level: number): Int32Array {
    if (this.bases[level + 1]! > this.idx.length) this.refreshIndex();
    return this.idx;
  }

  // ---- keys ----------------------------------------------------------------------------------------------

  private badKey(key: unknown, why: string): RcuError {
    return new RcuError("INVALID_OPTION", `${describe(key)} is not a key of this map: ${why}.`);
  }

  /** Validates `key`, stores it as the probe and returns its hash. */
  private probe(key: unknown): number {
    if (this.kind === KIND_U32) {
      if (typeof key !== "number" || key >>> 0 !== key) throw this.badKey(key, "keys are integers in 0..2^32-1 ('u32')");
      this.probeNum = key | 0;
      return mix32(key);
    }
    if (this.kind === KIND_F64) {
      if (typeof key !== "number") throw this.badKey(key, "keys are numbers ('f64')");
      const h = hashF64(key);
      this.probeLo = f64Lo();
      this.probeHi = f64Hi();
      return h;
    }
    if (typeof key !== "string") throw this.badKey(key, `keys are strings of at most ${this.maxBytes} UTF-8 bytes`);
    this.probeStr = key;
    return hashString(key);
  }

  /** Whether record word `w` holds the probe key (its hash `h` already matched for strings). */
  private keyAt(rec: Int32Array, w: number, h: number): boolean {
    if (this.kind === KIND_U32) return rec[w + KEY] === this.probeNum;
    if (this.kind === KIND_F64) return rec[w + KEY64] === this.probeLo && rec[w + KEY64 + 1] === this.probeHi;
    return rec[w + HASH] === h && equalsUtf8(this.probeStr, this.bytes, w * 4 + KEY_BYTES, rec[w + KEY]!);
  }

  /** Whether records `a` and `b` (words) hold the same key. */
  private sameKey(rec: Int32Array, a: number, b: number): boolean {
    if (rec[a + HASH] !== rec[b + HASH]) return false;
    if (this.kind === KIND_U32) return rec[a + KEY] === rec[b + KEY];
    if (this.kind === KIND_F64) return rec[a + KEY64] === rec[b + KEY64] && rec[a + KEY64 + 1] === rec[b + KEY64 + 1];
    const len = rec[a + KEY]!;
    if (len !== rec[b + KEY]) return false;
    const bytes = this.bytes;
    for (let i = 0; i < len; i++) if (bytes[a * 4 + KEY_BYTES + i] !== bytes[b * 4 + KEY_BYTES + i]) return false;
    return true;
  }

  private keyAtWord(w: number): KeyOf<K> {
    const rec = this.rec;
    if (this.kind === KIND_U32) return (rec[w + KEY]! >>> 0) as KeyOf<K>;
    if (this.kind === KIND_F64) return this.recF64[(w + KEY64) >> 1]! as KeyOf<K>;
    return decodeUtf8(this.bytes, w * 4 + KEY_BYTES, rec[w + KEY]!) as KeyOf<K>;
  }

  // ---- readers -------------------------------------------------------------------------------------------

  get size(): number {
    return Atomics.load(this.idx, SIZE);
  }

  lookup(key: KeyOf<K>): number | undefined {
    const h = this.probe(key);
    let level = this.idx[STATE]! & LEVEL_MASK; // plain load: see lookupU32
    for (;;) {
      const idx = this.indexFor(level);
      let r = idx[this.bases[level]! + (h & ((MIN_BUCKETS << level) - 1))]!;
      while (r !== 0) {
        const rec = this.recFor(r - 1);
        const w = (r - 1) * this.sw;
        if (this.keyAt(rec, w, h)) return (((rec[w + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | (r - 1);
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
    if (typeof key !== "number" || key >>> 0 !== key) throw this.badKey(key, "keys are integers in 0..2^32-1 ('u32')");
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
    const f = this.byName[field as string];
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
    return this.keyAtWord(this.wordOf(handle));
  }

  forEach(fn: (handle: number, key: KeyOf<K>) => void): void {
    if (typeof fn !== "function") throw new RcuError("INVALID_OPTION", "forEach(fn): fn must be a function (handle, key) => void.");
    const level0 = Atomics.load(this.idx, STATE) & LEVEL_MASK;
    const n0 = MIN_BUCKETS << level0;
    const seen: number[] = [];
    for (let b = 0; b < n0; b++) {
      seen.length = 0;
      // The group of old bucket b: buckets b + j * n0 of every newer level (a resize only moves records up).
      for (let level = level0; ; ) {
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
            for (const s of seen) if (this.sameKey(rec, s, w)) dup = true;
            if (dup) continue;
            seen.push(w);
            fn((((rec[w + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | (w / this.sw), this.keyAtWord(w));
          }
        }
        const s = Atomics.load(this.idx, STATE);
        if ((s & LEVEL_MASK) + ((s >> 8) & 1) <= level) break;
        level++;
      }
    }
  }

  // ---- writers -------------------------------------------------------------------------------------------

  private checkWriter(op: string): void {
    if (this.busy) {
      throw new RcuError(
        "SELF_DEADLOCK",
        `${op}() from inside update()'s callback: this thread holds the key's lock. Return the new values from the callback instead.`,
      );
    }
  }

  /** Claims this thread's writer slot (owner word), once. */
  private mySlot(): number {
    if (this.slot !== -1) return this.slot;
    const idx = this.idx;
    for (let i = 0; i < this.threads; i++) {
      const at = SLOTS + i * SLOT_WORDS;
      if (Atomics.load(idx, at + SLOT_OWNER) === this.me) return (this.slot = at);
    }
    for (let i = 0; i < this.threads; i++) {
      const at = SLOTS + i * SLOT_WORDS;
      if (Atomics.compareExchange(idx, at + SLOT_OWNER, 0, this.me) === 0) return (this.slot = at);
    }
    throw new RcuError(
      "TOO_MANY_THREADS",
      `All ${this.threads} writer slots of this map are taken (one per thread, as many as the domain's maxThreads). ` +
        "watch(worker) every worker so the slots of exited ones are freed.",
    );
  }

  /** Reads and checks `values` into the scratch array. */
  private readValues(values: unknown): void {
    if (values === null || typeof values !== "object") {
      throw new RcuError("INVALID_OPTION", `values must be an object with the fields ${this.fields.map((f) => f.name).join(", ")}.`);
    }
    const v = values as Record<string, unknown>;
    let n = 0;
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      const x = Object.hasOwn(v, f.name) ? v[f.name] : undefined;
      if (typeof x !== "number") {
        throw new RcuError("INVALID_OPTION", `values.${f.name} must be a number, got ${describe(x)}.`);
      }
      this.scratch[i] = x;
      n++;
    }
    const keys = Object.keys(v);
    if (keys.length !== n) {
      const extra = keys.find((k) => this.byName[k] === undefined) ?? "";
      const near = this.fields.find((f) => f.name.toLowerCase() === extra.toLowerCase())?.name;
      throw new RcuError(
        "INVALID_OPTION",
        `values.${extra} is not a field of this map (${this.fields.map((f) => f.name).join(", ")})${near === undefined ? "" : `; did you mean '${near}'?`}.`,
      );
    }
  }

  /** Takes a record for this thread (state INFLIGHT, recorded in the writer slot); returns its index. */
  private alloc(): number {
    const slot = this.mySlot();
    const idx = this.idx;
    for (;;) {
      const item = this.pending.takeExpired();
      if (item === -1) break;
      const i = item & INDEX_MASK;
      const rec = this.recFor(i);
      const w = i * this.sw;
      const meta = Atomics.load(rec, w + META);
      if ((meta & 7) !== RETIRED || ((meta >>> 8) & GEN_MASK) !== item >>> INDEX_BITS) continue; // a stale duplicate
      const next = ((((meta >>> 8) + 1) & 0xffffff) << 8) | INFLIGHT;
      if (Atomics.compareExchange(rec, w + META, meta, next) === meta) {
        Atomics.store(idx, slot + SLOT_INFLIGHT, i + 1);
        return i;
      }
    }
    for (;;) {
      const f = Atomics.load(idx, FRESH);
      if (f >= this.maxRecords) {
        throw new RcuError(
          "FULL",
          `Every spare record of this map still waits for its grace period (${this.maxRecords} records). ` +
            "await map.reclaimable() and retry, or let readers leave their sections sooner.",
        );
      }
      if (Atomics.compareExchange(idx, FRESH, f, f + 1) === f) {
        Atomics.store(idx, slot + SLOT_INFLIGHT, f + 1);
        this.ensureRecords(f + 1);
        const rec = this.recFor(f);
        Atomics.store(rec, f * this.sw + META, (1 << 8) | INFLIGHT);
        return f;
      }
    }
  }

  /** Grows the record buffer (in place) so it holds at least `count` records. */
  private ensureRecords(count: number): void {
    const buf = this.handle.records;
    const need = count * this.sw * 4;
    if (buf.byteLength >= need) return;
    const want = Math.min(buf.maxByteLength, Math.max(need, buf.byteLength * 2));
    try {
      buf.grow(want);
    } catch (err) {
      if (buf.byteLength < need) throw err; // another thread grew it further meanwhile: fine
    }
  }

  /** Writes the probe key, its hash and the scratch values into record `i`. */
  private fill(i: number, h: number): void {
    const rec = this.recFor(i);
    const w = i * this.sw;
    rec[w + HASH] = h;
    if (this.kind === KIND_U32) rec[w + KEY] = this.probeNum;
    else if (this.kind === KIND_F64) {
      rec[w + KEY64] = this.probeLo;
      rec[w + KEY64 + 1] = this.probeHi;
    } else {
      rec[w + KEY] = encodeUtf8(this.probeStr, this.bytes, w * 4 + KEY_BYTES, this.maxBytes);
    }
    for (let j = 0; j < this.fields.length; j++) {
      const f = this.fields[j]!;
      f.view[i * f.stride + f.offset] = this.scratch[j]!;
    }
  }

  /** Checks a string probe fits (set/update only: lookups of longer strings just miss). */
  private checkStringKey(key: string): void {
    const n = encodeUtf8(key, SIZE_PROBE, 0, this.maxBytes);
    if (n === -1) throw this.badKey(key, `longer than maxBytes (${this.maxBytes}) in UTF-8`);
    if (n === -2) throw this.badKey(key, "it holds a lone surrogate (no UTF-8 form)");
  }

  private stripe(h: number): number {
    return LOCKS + (h & (STRIPES - 1));
  }

  private lock(word: number): void {
    const idx = this.idx;
    const me = this.me;
    for (let spins = 0; ; spins++) {
      const holder = Atomics.compareExchange(idx, word, 0, me);
      if (holder === 0) return;
      // Another writer holds it for a few stores (or runs an update() callback): spin, then park briefly so a
      // descheduled holder can run. A dead holder's lock is taken back by watch().
      if (spins >= SPINS && canWait()) Atomics.wait(idx, word, holder, PARK_MS);
    }
  }

  private unlock(word: number): void {
    Atomics.store(this.idx, word, 0);
  }

  /**
   * Under the key's stripe lock: finds the probe key (hash `h`) in `level`'s table; returns its record index
   * or -1, and leaves the linking word in `predWord`/`predInIndex`.
   */
  private find(level: number, h: number): number {
    const idx = this.indexFor(level);
    let pred = this.bases[level]! + (h & ((MIN_BUCKETS << level) - 1));
    let inIndex = true;
    let r = Atomics.load(idx, pred);
    while (r !== 0) {
      const rec = this.recFor(r - 1);
      const w = (r - 1) * this.sw;
      if (rec[w + HASH] === h && this.keyAt(rec, w, h)) {
        this.predWord = pred;
        this.predInIndex = inIndex;
        return r - 1;
      }
      pred = w + NEXT;
      inIndex = false;
      r = Atomics.load(rec, pred);
    }
    this.predWord = pred;
    this.predInIndex = inIndex;
    return -1;
  }

  /** Finds the probe in the current table and, during a resize, the next one. Sets `foundLevel`. */
  private findAny(h: number): number {
    const s = Atomics.load(this.idx, STATE);
    const level = s & LEVEL_MASK;
    this.foundLevel = level;
    const i = this.find(level, h);
    if (i !== -1 || (s & RESIZING) === 0) return i;
    this.foundLevel = level + 1;
    return this.find(level + 1, h);
  }
  private foundLevel = 0;

  private storePred(value: number): void {
    if (this.predInIndex) Atomics.store(this.idx, this.predWord, value);
    else Atomics.store(this.rec, this.predWord, value);
  }

  set(key: KeyOf<K>, values: ValuesOf<L>): void {
    this.checkWriter("set");
    const h = this.probe(key);
    if (this.kind === KIND_STRING) this.checkStringKey(key as string);
    this.readValues(values);
    const word = this.stripe(h);
    const r = this.alloc();
    this.fill(r, h);
    this.lock(word);
    let old: number;
    try {
      old = this.publish(r, h);
    } catch (err) {
      this.unlock(word);
      this.discard(r);
      throw err;
    }
    this.unlock(word);
    this.afterPublish(old);
  }

  /**
   * Under the stripe lock: links record `r` (filled with the probe key) in place of the key's current record,
   * or at the head of its bucket. Returns the replaced record (now RETIRING) or -1.
   */
  private publish(r: number, h: number): number {
    const old = this.findAny(h);
    const rec = this.rec;
    const w = r * this.sw;
    const slot = this.slot;
    if (old !== -1) {
      const ow = old * this.sw;
      const om = rec[ow + META]!;
      Atomics.store(rec, w + NEXT, Atomics.load(rec, ow + NEXT));
      Atomics.store(this.idx, slot + SLOT_RETIRING, old + 1);
      Atomics.store(rec, ow + META, (om & ~7) | RETIRING);
      Atomics.store(rec, w + META, (rec[w + META]! & ~0xff) | (om & 0xf8) | LIVE);
      this.storePred(r + 1); // publish
      Atomics.store(this.idx, slot + SLOT_INFLIGHT, 0);
      return old;
    }
    if (Atomics.add(this.idx, SIZE, 1) >= this.maxCapacity) {
      Atomics.sub(this.idx, SIZE, 1);
      throw new RcuError(
        "FULL",
        `This map holds maxCapacity (${this.maxCapacity}) keys. Delete keys first, or create it with a larger maxCapacity.`,
      );
    }
    // Insert at the head of the bucket in the newest table (the next one during a resize).
    const level = this.foundLevel;
    const head = this.bases[level]! + (h & ((MIN_BUCKETS << level) - 1));
    Atomics.store(rec, w + NEXT, Atomics.load(this.idx, head));
    Atomics.store(rec, w + META, (rec[w + META]! & ~0xff) | (level << 3) | LIVE);
    Atomics.store(this.idx, head, r + 1); // publish
    Atomics.store(this.idx, slot + SLOT_INFLIGHT, 0);
    return -1;
  }

  /** After the stripe is released: recycle the replaced record, and grow the table if it is too full. */
  private afterPublish(old: number): void {
    if (old !== -1) this.retire(old);
    const s = Atomics.load(this.idx, STATE);
    const level = s & LEVEL_MASK;
    if ((s & RESIZING) !== 0) {
      if (Atomics.load(this.idx, RESIZE_LOCK) === 0) this.resize();
    } else if (level < this.levelMax && Atomics.load(this.idx, SIZE) * 4 > (MIN_BUCKETS << level) * 3) {
      this.resize();
    }
  }

  /** Record `i` (unlinked, RETIRING in our slot) → RETIRED, then into the pending ring. */
  private retire(i: number): void {
    const rec = this.rec;
    const w = i * this.sw;
    const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
    Atomics.store(rec, w + META, meta);
    this.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
    Atomics.store(this.idx, this.slot + SLOT_RETIRING, 0);
  }

  /** A record that was never published goes back through the ring (no reader can hold it). */
  private discard(i: number): void {
    const rec = this.recFor(i);
    const w = i * this.sw;
    const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
    Atomics.store(rec, w + META, meta);
    this.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
    Atomics.store(this.idx, this.slot + SLOT_INFLIGHT, 0);
  }

  delete(key: KeyOf<K>): boolean {
    this.checkWriter("delete");
    const h = this.probe(key);
    this.mySlot();
    const word = this.stripe(h);
    this.lock(word);
    const old = this.unlinkLocked(h);
    this.unlock(word);
    if (old === -1) return false;
    this.retire(old);
    return true;
  }

  /** Under the stripe lock: unlinks the probe key's record (now RETIRING); returns it or -1. */
  private unlinkLocked(h: number): number {
    const old = this.findAny(h);
    if (old === -1) return -1;
    const rec = this.rec;
    const ow = old * this.sw;
    Atomics.store(this.idx, this.slot + SLOT_RETIRING, old + 1);
    Atomics.store(rec, ow + META, (rec[ow + META]! & ~7) | RETIRING);
    this.storePred(Atomics.load(rec, ow + NEXT));
    Atomics.sub(this.idx, SIZE, 1);
    return old;
  }

  update(key: KeyOf<K>, fn: (current: ValuesOf<L> | undefined) => ValuesOf<L> | undefined): void {
    this.checkWriter("update");
    if (typeof fn !== "function") throw new RcuError("INVALID_OPTION", "update(key, fn): fn must be a function (current) => values | undefined.");
    const h = this.probe(key);
    if (this.kind === KIND_STRING) this.checkStringKey(key as string);
    const probeStr = this.probeStr;
    const probeNum = this.probeNum;
    const probeLo = this.probeLo;
    const probeHi = this.probeHi;
    this.mySlot();
    const word = this.stripe(h);
    this.lock(word);
    let old: number;
    let r = -1;
    try {
      const found = this.findAny(h);
      const current = found === -1 ? undefined : this.values((((this.rec[found * this.sw + META]! >>> 8) & GEN_MASK) << INDEX_BITS) | found);
      let next: ValuesOf<L> | undefined;
      this.busy = true;
      try {
        next = fn(current);
      } finally {
        this.busy = false;
      }
      // fn may have used this map's readers (which reuse the probe): restore it.
      this.probeStr = probeStr;
      this.probeNum = probeNum;
      this.probeLo = probeLo;
      this.probeHi = probeHi;
      if (next === undefined) {
        old = found === -1 ? -1 : this.unlinkLocked(h);
      } else {
        this.readValues(next);
        r = this.alloc();
        this.fill(r, h);
        old = this.publish(r, h);
      }
    } catch (err) {
      this.unlock(word);
      if (r !== -1) this.discard(r);
      throw err;
    }
    this.unlock(word);
    this.afterPublish(old);
  }

  // ---- resize --------------------------------------------------------------------------------------------

  /** Grows the table one level (or finishes a resize a dead writer left half done). */
  private resize(): void {
    const idx = this.idx;
    if (Atomics.compareExchange(idx, RESIZE_LOCK, 0, this.me) !== 0) return;
    try {
      let s = Atomics.load(idx, STATE);
      const level = s & LEVEL_MASK;
      if ((s & RESIZING) === 0) {
        if (level >= this.levelMax || Atomics.load(idx, SIZE) * 4 <= (MIN_BUCKETS << level) * 3) return;
        const buf = this.handle.index;
        const need = this.bases[level + 2]! * 4;
        if (buf.byteLength < need) {
          try {
            buf.grow(need);
          } catch (err) {
            if (buf.byteLength < need) throw err;
          }
        }
        this.refreshIndex();
        s = level | RESIZING;
        Atomics.store(this.idx, STATE, s); // new keys go to the next table from now on
      }
      this.refreshIndex();
      const n = MIN_BUCKETS << level;
      for (let b = 0; b < n; b++) {
        const word = LOCKS + (b & (STRIPES - 1));
        this.lock(word);
        this.migrate(level, b);
        this.unlock(word);
      }
      Atomics.store(this.idx, STATE, level + 1);
      Atomics.add(this.idx, RESIZES, 1);
    } finally {
      Atomics.store(this.idx, RESIZE_LOCK, 0);
    }
  }

  /**
   * Under bucket `b`'s stripe lock: moves every record of old bucket `b` (table `level`) to the next table,
   * last record first, so that a record is always reachable from one table or both. Idempotent: also repairs
   * a bucket whose mover died halfway through a step.
   */
  private migrate(level: number, b: number): void {
    const idx = this.indexFor(level + 1);
    const head = this.bases[level]! + b;
    const newMask = (MIN_BUCKETS << (level + 1)) - 1;
    for (;;) {
      // The last record of the old chain (records already marked with the next level are not part of it).
      let predWord = head;
      let predInIndex = true;
      let r = Atomics.load(idx, head);
      if (r === 0 || ((this.recFor(r - 1)[(r - 1) * this.sw + META]! >>> 3) & 31) !== level) {
        if (r !== 0) Atomics.store(idx, head, 0);
        return;
      }
      for (;;) {
        const w = (r - 1) * this.sw;
        const nx = Atomics.load(this.rec, w + NEXT);
        if (nx === 0 || ((this.recFor(nx - 1)[(nx - 1) * this.sw + META]! >>> 3) & 31) !== level) break;
        predWord = w + NEXT;
        predInIndex = false;
        r = nx;
      }
      const rec = this.rec;
      const w = (r - 1) * this.sw;
      const newHead = this.bases[level + 1]! + (rec[w + HASH]! & newMask);
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

  // ---- dead workers --------------------------------------------------------------------------------------

  watch(worker: { readonly threadId: number; once(event: "exit", listener: () => void): unknown }): void {
    const w = worker as Partial<{ threadId: number; once: unknown }> | null;
    if (w === null || typeof w !== "object" || typeof w.threadId !== "number" || typeof w.once !== "function") {
      throw new RcuError("INVALID_OPTION", "watch(worker): pass a worker_threads Worker (with threadId and once()).");
    }
    const owner = worker.threadId + 1;
    this.pending.watch(worker); // runs first: the ring's lock is free before recovery enqueues
    worker.once("exit", () => this.recover(owner));
    this.domain.watch(worker);
  }

  /** Takes back what thread `owner` (dead) held: locks, a half-moved bucket, its in-flight records. */
  private recover(owner: number): void {
    const idx = this.idx;
    const held: number[] = [];
    const s = Atomics.load(idx, STATE);
    for (let i = 0; i < STRIPES; i++) {
      if (Atomics.compareExchange(idx, LOCKS + i, owner, this.me) !== owner) continue;
      held.push(LOCKS + i);
      if ((s & RESIZING) !== 0) {
        const level = s & LEVEL_MASK;
        for (let b = i; b < MIN_BUCKETS << level; b += STRIPES) this.migrate(level, b);
      }
    }
    let recovered = held.length;
    for (let i = 0; i < this.threads; i++) {
      const at = SLOTS + i * SLOT_WORDS;
      if (Atomics.load(idx, at + SLOT_OWNER) !== owner) continue;
      for (const which of [SLOT_INFLIGHT, SLOT_RETIRING]) {
        const r = Atomics.load(idx, at + which) - 1;
        if (r < 0) continue;
        this.settle(r, which === SLOT_INFLIGHT, held);
        Atomics.store(idx, at + which, 0);
        recovered++;
      }
      Atomics.store(idx, at + SLOT_OWNER, 0);
    }
    for (const word of held) this.unlock(word);
    if (Atomics.compareExchange(idx, RESIZE_LOCK, owner, 0) === owner) recovered++;
    recovered += this.sweep();
    if (recovered !== 0) Atomics.add(idx, RECOVERED, recovered);
  }

  /**
   * Re-enqueues retired records that are in no ring entry: a thread killed between the ring's commit and the
   * return of `takeExpired` (or of `enqueue`) leaves one. Takes every entry out (`dequeue`), marks them, puts
   * them back (with a newer cookie: only later, never earlier) plus the orphans. Safe while other threads run:
   * an entry it adds for a record that another thread is just taking or retiring is a duplicate, and the
   * generation check on take skips duplicates.
   */
  private sweep(): number {
    const items: number[] = [];
    for (let item = this.pending.dequeue(); item !== -1; item = this.pending.dequeue()) items.push(item);
    const queued = new Set<number>();
    for (const item of items) queued.add(item & INDEX_MASK);
    const fresh = Math.min(Atomics.load(this.idx, FRESH), this.maxRecords);
    const rec = this.recFor(Math.max(0, fresh - 1));
    let orphans = 0;
    for (let i = 0; i < fresh; i++) {
      const meta = Atomics.load(rec, i * this.sw + META);
      if ((meta & 7) === RETIRED && !queued.has(i)) {
        items.push((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
        orphans++;
      }
    }
    for (const item of items) {
      try {
        this.pending.enqueue(item);
      } catch {
        // FULL: only a duplicate can overflow a ring sized for every record; dropping it loses nothing
      }
    }
    return orphans;
  }

  /** A dead writer's record `r`: keep it if a table links it, else recycle it. */
  private settle(r: number, inflight: boolean, held: number[]): void {
    const rec = this.recFor(r);
    const w = r * this.sw;
    let state = Atomics.load(rec, w + META) & 7;
    if (inflight && state === FREE) {
      Atomics.store(rec, w + META, (1 << 8) | INFLIGHT); // died between claiming a fresh record and marking it
      state = INFLIGHT;
    }
    if (inflight ? state !== INFLIGHT : state !== RETIRING && state !== RETIRED) return;
    const h = rec[w + HASH]!;
    const word = this.stripe(h);
    const mine = held.includes(word);
    if (!mine) this.lock(word);
    try {
      if (this.linked(r, h)) {
        const meta = Atomics.load(rec, w + META);
        Atomics.store(rec, w + META, (meta & ~7) | LIVE);
      } else {
        const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
        Atomics.store(rec, w + META, meta);
        try {
          this.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | r);
        } catch {
          // FULL cannot happen for a ring sized for every record; if it did, the sweep below re-offers it
        }
      }
    } finally {
      if (!mine) this.unlock(word);
    }
  }

  /** Under the stripe lock: whether a table links record `r` (hash `h`). */
  private linked(r: number, h: number): boolean {
    const s = Atomics.load(this.idx, STATE);
    const level = s & LEVEL_MASK;
    for (let l = level; l <= level + ((s >> 8) & 1); l++) {
      const idx = this.indexFor(l);
      let x = Atomics.load(idx, this.bases[l]! + (h & ((MIN_BUCKETS << l) - 1)));
      while (x !== 0) {
        if (x === r + 1) return true;
        x = Atomics.load(this.recFor(x - 1), (x - 1) * this.sw + NEXT);
      }
    }
    return false;
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
      records: Atomics.load(idx, FRESH),
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

/** Scratch for measuring a string key's UTF-8 length. */
const SIZE_PROBE = new Uint8Array(4096);

