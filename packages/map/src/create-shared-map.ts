/**
 * `createSharedMap` / `attachSharedMap`: build a shared map's buffers (header, tables, records, pending ring)
 * in the creating thread, and map the same buffers in workers after checking the handle against the buffer
 * header (a foreign or forged handle is refused, never misread). How the table works: shared-map-impl.ts.
 */
import { RcuError, describeValue } from "@rcu/core";
import { createSharedPending, type SharedDomain } from "@rcu/core/shared";
import type { StructLayout } from "@rcu/pool";
import type { KeySpec } from "./map-keys.js";
import {
  KIND_WORD,
  LAYOUT_WORD,
  LEVEL0_WORD,
  LEVELMAX_WORD,
  MAGIC,
  MAGIC_WORD,
  MAXBYTES_WORD,
  MAXCAP_WORD,
  MAXREC_WORD,
  MAX_CAPACITY,
  MIN_BUCKETS,
  STATE,
  STRIDE_WORD,
  THREADS_WORD,
  FRESH,
  FIRST_RECORD,
  HASH,
  MAPID_WORD,
  NEXT,
  RECORDS_MAGIC,
  checkKey,
  checkLayout,
  describe,
  keySpecOf,
  layoutHash,
  recordLayout,
  tableBase,
} from "./map-layout.js";
import { SharedMapImpl } from "./shared-map-impl.js";
import type { SharedMap, SharedMapHandle, SharedMapOptions } from "./shared-map.js";

const OPTION_KEYS = ["domain", "key", "value", "capacity", "maxCapacity"];

function checkDomain(domain: unknown): asserts domain is SharedDomain {
  let ok = false;
  try {
    const d = domain as Partial<SharedDomain> | null;
    ok =
      d !== null &&
      typeof d === "object" &&
      d.flavor === "shared" &&
      d.handle?.buffer instanceof SharedArrayBuffer &&
      typeof d.watch === "function";
  } catch {
    // a revoked proxy or a throwing getter: not a domain
  }
  if (!ok) {
    throw new RcuError(
      "INVALID_OPTION",
      "A shared map needs a shared domain: createSharedDomain({ maxThreads }) from '@rcu/core/shared' (attachSharedDomain in workers).",
    );
  }
}

function checkCount(name: string, n: unknown, min: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > MAX_CAPACITY) {
    throw new RcuError("INVALID_OPTION", `${name} must be an integer in ${min}..${MAX_CAPACITY}, got ${describe(n)}.`);
  }
  return n;
}

/** Smallest level whose table keeps `keys` at a load factor ≤ 3/4. */
function levelFor(keys: number): number {
  let level = 0;
  while ((MIN_BUCKETS << level) * 3 < keys * 4) level++;
  return level;
}

/**
 * Records a map may use: every key, plus spares for writes in flight and records waiting for a grace period, plus
 * record 0 (the buffer's identity, never handed out).
 */
function recordsFor(maxCapacity: number): number {
  return FIRST_RECORD + maxCapacity + Math.max(64, maxCapacity >> 2);
}

/**
 * Creates a hash table in shared memory on a `shared` domain. Send `map.handle` (with `domain.handle`) to workers,
 * which call {@link attachSharedMap}; call `map.watch(worker)` for each.
 *
 * Readers in any attached thread call `lookup`, `get`, `has`, `forEach` inside `domain.read`: no lock, no
 * allocation for numeric keys, and a record found stays whole until the section ends. Writers in any thread
 * call `set`, `update`, `delete`: each publishes a new record with one atomic store, and the record it replaces
 * is recycled after a grace period. The table grows in place up to `maxCapacity` keys (both buffers are
 * growable `SharedArrayBuffer`s) while readers keep reading.
 *
 * @throws {RcuError} `INVALID_OPTION` for a domain that is not `shared`, a bad key or value layout, a capacity
 * outside 1..2^21, `maxCapacity < capacity`, an unknown option, options that cannot be read (a revoked proxy, a
 * throwing getter), or a map larger than the runtime can reserve as a growable `SharedArrayBuffer`.
 * @example
 * import { Worker } from 'node:worker_threads'
 * import { createSharedDomain } from '@rcu/core/shared'
 * import { createSharedMap } from '@rcu/map'
 *
 * const domain = createSharedDomain({ maxThreads: 5 })
 * const routes = createSharedMap({ domain, key: 'u32', value: { port: 'u16', weight: 'f64' }, capacity: 1024, maxCapacity: 65536 })
 * routes.set(42, { port: 8080, weight: 1 })
 * const worker = new Worker(new URL('./reader.js', import.meta.url), { workerData: { rcu: domain.handle, routes: routes.handle } })
 * routes.watch(worker)
 * @since 0.1.0
 */
export function createSharedMap<const K extends KeySpec, const L extends StructLayout>(
  options: SharedMapOptions<K, L>,
): SharedMap<K, L> {
  const o = options as Partial<SharedMapOptions<K, L>> | null | undefined;
  if (o === null || typeof o !== "object") {
    throw new RcuError(
      "INVALID_OPTION",
      "createSharedMap(options): pass { domain, key, value, capacity, maxCapacity? }.",
    );
  }
  let keys: string[];
  let read: { readonly [F in keyof SharedMapOptions<K, L>]?: unknown };
  try {
    keys = Object.keys(o);
    read = { domain: o.domain, key: o.key, value: o.value, capacity: o.capacity, maxCapacity: o.maxCapacity };
  } catch (err) {
    throw new RcuError(
      "INVALID_OPTION",
      `createSharedMap(options): the options object cannot be read (${describeValue(err)}); pass a plain object.`,
      { cause: err },
    );
  }
  for (const k of keys) {
    if (!OPTION_KEYS.includes(k)) {
      const near = OPTION_KEYS.find((n) => n.toLowerCase() === k.toLowerCase() || n.startsWith(k.slice(0, 3)));
      throw new RcuError(
        "INVALID_OPTION",
        `Unknown option '${k}'${near === undefined ? "" : `; did you mean '${near}'?`}`,
      );
    }
  }
  checkDomain(read.domain);
  const domain = read.domain;
  const { kind, maxBytes } = checkKey(read.key);
  const value = checkLayout(read.value);
  const capacity = checkCount("capacity", read.capacity, 1);
  const maxCapacity = read.maxCapacity === undefined ? capacity : checkCount("maxCapacity", read.maxCapacity, 1);
  if (maxCapacity < capacity) {
    throw new RcuError("INVALID_OPTION", `maxCapacity (${maxCapacity}) must be at least capacity (${capacity}).`);
  }
  const layout = recordLayout(kind, maxBytes, value);
  const threads = domain.handle.maxThreads;
  const level0 = levelFor(capacity);
  const levelMax = levelFor(maxCapacity);
  const maxRecords = recordsFor(maxCapacity);
  const strideBytes = layout.strideWords * 4;
  let index: SharedArrayBuffer;
  let records: SharedArrayBuffer;
  try {
    index = new SharedArrayBuffer(tableBase(threads, level0, level0 + 1) * 4, {
      maxByteLength: tableBase(threads, level0, levelMax + 1) * 4,
    });
    records = new SharedArrayBuffer(Math.min(recordsFor(capacity), maxRecords) * strideBytes, {
      maxByteLength: maxRecords * strideBytes,
    });
  } catch (err) {
    // The runtime refuses to reserve a growable buffer this large (V8 caps `maxByteLength`), or is out of memory.
    throw new RcuError(
      "INVALID_OPTION",
      `This map needs ${maxRecords} records of ${strideBytes} bytes (${maxRecords * strideBytes} bytes at maxCapacity), ` +
        `more than this runtime can reserve (${describeValue(err)}). Lower maxCapacity, key.maxBytes or the value layout.`,
      { cause: err },
    );
  }
  const i32 = new Int32Array(index);
  i32[KIND_WORD] = kind;
  i32[MAXBYTES_WORD] = maxBytes;
  i32[STRIDE_WORD] = layout.strideWords;
  i32[MAXCAP_WORD] = maxCapacity;
  i32[MAXREC_WORD] = maxRecords;
  i32[LEVEL0_WORD] = level0;
  i32[LEVELMAX_WORD] = levelMax;
  i32[THREADS_WORD] = threads;
  i32[LAYOUT_WORD] = layoutHash(layout);
  const id = crypto.getRandomValues(new Int32Array(1))[0]! | 1;
  i32[MAPID_WORD] = id;
  const identity = new Int32Array(records, 0, HASH + 1);
  identity[NEXT] = RECORDS_MAGIC;
  identity[HASH] = id;
  i32[FRESH] = FIRST_RECORD;
  i32[STATE] = level0;
  Atomics.store(i32, MAGIC_WORD, MAGIC);
  const pending = createSharedPending(domain, { capacity: SharedMapImpl.ringCapacity(maxRecords) });
  const handle: SharedMapHandle<K, L> = {
    index,
    records,
    pending: pending.handle,
    key: keySpecOf(kind, maxBytes) as K,
    value: value as L,
  };
  return new SharedMapImpl(handle, domain, pending, layout);
}

/** `instanceof SharedArrayBuffer` that treats a revoked proxy (on which it throws) as "not one". */
function isShared(value: unknown): value is SharedArrayBuffer {
  try {
    return value instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

const attached = new WeakMap<SharedArrayBuffer, WeakMap<SharedDomain, SharedMap<KeySpec, StructLayout>>>();

/**
 * Attaches the calling thread (usually a worker) to a shared map made by {@link createSharedMap}. `domain` is this
 * thread's view of the map's shared domain (`attachSharedDomain(handle)`). Attaching twice returns the same view.
 *
 * @throws {RcuError} `INVALID_OPTION` for a handle that is not a shared map's (checked against the buffer
 * header: key type, value layout, sizes; its records buffer must be the one made with its index) or a domain
 * that is not `shared` or has another `maxThreads`.
 * @example
 * import { workerData } from 'node:worker_threads'
 * import { attachSharedDomain } from '@rcu/core/shared'
 * import { attachSharedMap } from '@rcu/map'
 *
 * const domain = attachSharedDomain(workerData.rcu)
 * const routes = attachSharedMap(workerData.routes, domain)
 * const port = domain.read(() => { const h = routes.lookup(42); return h === undefined ? 0 : routes.get(h, 'port') })
 * @since 0.1.0
 */
export function attachSharedMap<const K extends KeySpec, const L extends StructLayout>(
  handle: SharedMapHandle<K, L>,
  domain: SharedDomain,
): SharedMap<K, L> {
  checkDomain(domain);
  const bad = (why: string, cause?: unknown): RcuError =>
    new RcuError(
      "INVALID_OPTION",
      `Not a shared map handle (${why}): pass the \`handle\` of a map from createSharedMap().`,
      cause === undefined ? undefined : { cause },
    );
  if (handle === null || typeof handle !== "object") throw bad("not an object");
  let h: Partial<SharedMapHandle<K, L>>;
  try {
    // One read of each field: a getter cannot hand the checks one value and the map another.
    const { index, records, pending, key, value } = handle as Partial<SharedMapHandle<K, L>>;
    h = { index, records, pending, key, value } as Partial<SharedMapHandle<K, L>>;
  } catch (err) {
    throw bad("it cannot be read", err);
  }
  if (!isShared(h.index) || !isShared(h.records) || h.pending === undefined) {
    throw bad("missing buffers");
  }
  if (h.index.byteLength < 64 * 4 || new Int32Array(h.index, 0, 16)[MAGIC_WORD] !== MAGIC) throw bad("bad magic");
  const header = new Int32Array(h.index, 0, 64);
  const { kind, maxBytes } = checkKey(h.key);
  const value = checkLayout(h.value);
  const layout = recordLayout(kind, maxBytes, value);
  if (
    header[KIND_WORD] !== kind ||
    header[MAXBYTES_WORD] !== maxBytes ||
    header[STRIDE_WORD] !== layout.strideWords ||
    header[LAYOUT_WORD] !== layoutHash(layout)
  ) {
    throw bad("its key type or value layout does not match its buffer");
  }
  if (header[THREADS_WORD] !== domain.handle.maxThreads) throw bad("it belongs to another shared domain");
  const threads = header[THREADS_WORD];
  if (
    !h.index.growable ||
    h.index.byteLength < tableBase(threads, header[LEVEL0_WORD]!, header[LEVEL0_WORD]! + 1) * 4 ||
    h.index.maxByteLength !== tableBase(threads, header[LEVEL0_WORD]!, header[LEVELMAX_WORD]! + 1) * 4
  ) {
    throw bad("its index buffer does not match its header");
  }
  // The records buffer must be the one the index was made with: same record size and limit, and long enough to
  // hold every record the index has handed out (a foreign one would be read as records it does not hold).
  const strideBytes = layout.strideWords * 4;
  if (
    !h.records.growable ||
    h.records.maxByteLength !== header[MAXREC_WORD]! * strideBytes ||
    h.records.byteLength < (Atomics.load(header, FRESH) - threads) * strideBytes || // a claim may not have grown it yet
    h.records.byteLength < strideBytes
  ) {
    throw bad("its records buffer does not belong to its index");
  }
  const identity = new Int32Array(h.records, 0, HASH + 1);
  if (identity[NEXT] !== RECORDS_MAGIC || identity[HASH] !== header[MAPID_WORD]) {
    throw bad("its records buffer belongs to another map");
  }
  const known = attached.get(h.index)?.get(domain);
  if (known !== undefined) return known as unknown as SharedMap<K, L>;
  const map = new SharedMapImpl<K, L>(h as SharedMapHandle<K, L>, domain, undefined, layout);
  let perDomain = attached.get(h.index);
  if (perDomain === undefined) attached.set(h.index, (perDomain = new WeakMap()));
  perDomain.set(domain, map);
  return map;
}
