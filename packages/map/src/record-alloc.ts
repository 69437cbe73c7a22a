/**
 * A writer's records. Each thread claims one writer slot (its owner word, then the record it is publishing
 * and the one it is retiring, which recovery reads if the thread dies, and the generation the record being
 * published has, which tells recovery whether that record is still the one the slot named). `alloc` takes a record whose grace
 * period ended from the shared pending ring (a CAS on its (generation, RETIRED) meta skips stale duplicates),
 * else a fresh one, growing the record buffer in place; `fill` writes key, hash and values into it before it
 * is published; `retire`/`discard` send a record back through the ring with the current grace-period cookie.
 */
import { RcuError, isRcuError } from "@rcu/core";
import { KIND_F64, KIND_U32, encodeUtf8 } from "./map-keys.js";
import {
  FRESH,
  GEN_MASK,
  HASH,
  INDEX_BITS,
  INDEX_MASK,
  INFLIGHT,
  KEY,
  KEY64,
  KEY_BYTES,
  META,
  RETIRED,
  SLOTS,
  SLOT_GEN,
  SLOT_INFLIGHT,
  SLOT_OWNER,
  SLOT_RETIRING,
  SLOT_WORDS,
  describe,
} from "./map-layout.js";
import type { AnyMap } from "./shared-map-impl.js";

/** Claims this thread's writer slot (owner word), once. */
export function mySlot(m: AnyMap): number {
  if (m.slot !== -1) return m.slot;
  const idx = m.idx;
  for (let i = 0; i < m.threads; i++) {
    const at = SLOTS + i * SLOT_WORDS;
    if (Atomics.load(idx, at + SLOT_OWNER) === m.me) return (m.slot = at);
  }
  for (let i = 0; i < m.threads; i++) {
    const at = SLOTS + i * SLOT_WORDS;
    if (Atomics.compareExchange(idx, at + SLOT_OWNER, 0, m.me) === 0) return (m.slot = at);
  }
  throw new RcuError(
    "TOO_MANY_THREADS",
    `All ${m.threads} writer slots of this map are taken (one per thread, as many as the domain's maxThreads). ` +
      "watch(worker) every worker so the slots of exited ones are freed.",
  );
}

/**
 * Reads and checks `values` into the scratch array. A values object that cannot be read (a revoked proxy, a
 * throwing getter) is refused like any other bad values object, with what it threw as the `cause`.
 */
export function readValues(m: AnyMap, values: unknown): void {
  try {
    readValuesUnchecked(m, values);
  } catch (err) {
    if (isRcuError(err)) throw err;
    throw new RcuError(
      "INVALID_OPTION",
      `values cannot be read (a revoked proxy or a throwing getter): pass a plain object with the fields ${m.fields.map((f) => f.name).join(", ")}.`,
      { cause: err },
    );
  }
}

function readValuesUnchecked(m: AnyMap, values: unknown): void {
  if (values === null || typeof values !== "object") {
    throw new RcuError(
      "INVALID_OPTION",
      `values must be an object with the fields ${m.fields.map((f) => f.name).join(", ")}.`,
    );
  }
  const v = values as Record<string, unknown>;
  let n = 0;
  for (let i = 0; i < m.fields.length; i++) {
    const f = m.fields[i]!;
    const x = Object.hasOwn(v, f.name) ? v[f.name] : undefined;
    if (typeof x !== "number") {
      throw new RcuError("INVALID_OPTION", `values.${f.name} must be a number, got ${describe(x)}.`);
    }
    m.scratch[i] = x;
    n++;
  }
  const keys = Object.keys(v);
  if (keys.length !== n) {
    const extra = keys.find((k) => m.byName[k] === undefined) ?? "";
    const near = m.fields.find((f) => f.name.toLowerCase() === extra.toLowerCase())?.name;
    throw new RcuError(
      "INVALID_OPTION",
      `values.${extra} is not a field of this map (${m.fields.map((f) => f.name).join(", ")})${near === undefined ? "" : `; did you mean '${near}'?`}.`,
    );
  }
}

/** Takes a record for this thread (state INFLIGHT, recorded in the writer slot); returns its index. */
export function alloc(m: AnyMap): number {
  const slot = mySlot(m);
  const idx = m.idx;
  for (;;) {
    const item = m.pending.takeExpired();
    if (item === -1) break;
    const i = item & INDEX_MASK;
    const rec = m.recFor(i);
    const w = i * m.sw;
    const meta = Atomics.load(rec, w + META);
    if ((meta & 7) !== RETIRED || ((meta >>> 8) & GEN_MASK) !== item >>> INDEX_BITS) continue; // a stale duplicate
    const next = ((((meta >>> 8) + 1) & 0xffffff) << 8) | INFLIGHT;
    // The slot names the record (and the generation it is about to get) before the claim, so a thread killed
    // right after claiming never leaves it named by no one; a lost claim (a duplicate ring entry) un-names it.
    Atomics.store(idx, slot + SLOT_GEN, next >>> 8);
    Atomics.store(idx, slot + SLOT_INFLIGHT, i + 1);
    if (Atomics.compareExchange(rec, w + META, meta, next) === meta) return i;
    Atomics.store(idx, slot + SLOT_INFLIGHT, 0);
  }
  for (;;) {
    const f = Atomics.load(idx, FRESH);
    if (f >= m.maxRecords) {
      throw new RcuError(
        "FULL",
        `Every spare record of this map still waits for its grace period (${m.maxRecords} records). ` +
          "await map.reclaimable() and retry, or let readers leave their sections sooner.",
      );
    }
    if (Atomics.compareExchange(idx, FRESH, f, f + 1) === f) {
      Atomics.store(idx, slot + SLOT_GEN, 1);
      Atomics.store(idx, slot + SLOT_INFLIGHT, f + 1);
      ensureRecords(m, f + 1);
      const rec = m.recFor(f);
      Atomics.store(rec, f * m.sw + META, (1 << 8) | INFLIGHT);
      return f;
    }
  }
}

/** Grows the record buffer (in place) so it holds at least `count` records. */
export function ensureRecords(m: AnyMap, count: number): void {
  const buf = m.handle.records;
  const need = count * m.sw * 4;
  if (buf.byteLength >= need) return;
  const want = Math.min(buf.maxByteLength, Math.max(need, buf.byteLength * 2));
  try {
    buf.grow(want);
  } catch (err) {
    if (buf.byteLength < need) throw err; // another thread grew it further meanwhile: fine
  }
}

/** Writes the probe key, its hash and the scratch values into record `i`. */
export function fill(m: AnyMap, i: number, h: number): void {
  const rec = m.recFor(i);
  const w = i * m.sw;
  rec[w + HASH] = h;
  if (m.kind === KIND_U32) rec[w + KEY] = m.probeNum;
  else if (m.kind === KIND_F64) {
    rec[w + KEY64] = m.probeLo;
    rec[w + KEY64 + 1] = m.probeHi;
  } else {
    rec[w + KEY] = encodeUtf8(m.probeStr, m.bytes, w * 4 + KEY_BYTES, m.maxBytes);
  }
  for (let j = 0; j < m.fields.length; j++) {
    const f = m.fields[j]!;
    f.view[i * f.stride + f.offset] = m.scratch[j]!;
  }
}

/** Record `i` (unlinked, RETIRING in our slot) → RETIRED, then into the pending ring. */
export function retire(m: AnyMap, i: number): void {
  const rec = m.rec;
  const w = i * m.sw;
  const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
  Atomics.store(rec, w + META, meta);
  m.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
  Atomics.store(m.idx, m.slot + SLOT_RETIRING, 0);
}

/** A record that was never published goes back through the ring (no reader can hold it). */
export function discard(m: AnyMap, i: number): void {
  const rec = m.recFor(i);
  const w = i * m.sw;
  const meta = (Atomics.load(rec, w + META) & ~7) | RETIRED;
  Atomics.store(rec, w + META, meta);
  m.pending.enqueue((((meta >>> 8) & GEN_MASK) << INDEX_BITS) | i);
  Atomics.store(m.idx, m.slot + SLOT_INFLIGHT, 0);
}
