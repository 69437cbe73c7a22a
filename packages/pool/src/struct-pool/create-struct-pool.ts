/**
 * `createStructPool`: fixed-layout records in a `SharedArrayBuffer`, lent and recycled by any thread attached to
 * a `shared` domain — the JS form of a kernel slab shared across CPUs.
 *
 * How it works. Record `i` has a 32-bit generation `gen[i]`: odd while lent, even while free or pending. A handle
 * is `gen * 2^21 + i` (a safe integer, handle.ts), so it names one lend of one record.
 * - `acquire`: pop an index from the free list (free-list.ts; ABA-safe), else take one whose grace period
 *   has ended from the SAB-resident pending ring of `@rcu/core/shared` (`createSharedPending`), else, with
 *   `typesafe`, dequeue one still pending; then `owner[i] = thread`, `gen[i] += 1` (now odd; bumped *before*
 *   the new owner writes a field) and return the handle. Exclusive: each index leaves the free list or the
 *   ring through one linearizable step, so no record is ever lent to two owners.
 * - `release(h)`: `CAS gen[i]: g → g + 1` (a stale or second release fails the CAS: it can never free someone
 *   else's lend), swap `owner[i]` to 0, and — if it was not 0 already — enqueue `i` in the pending ring with the
 *   current grace-period cookie (the owner swap decides, between a release and `watch` reclaiming a dead
 *   owner's records, which one enqueues).
 * - Readers (any attached thread, inside `domain.read`) get fields by handle. Default mode: a record is reused
 *   only after a grace period, so a reader inside a section that found the handle reads stable fields even if
 *   it was released meanwhile; `isLive(h)` tells whether it still is lent. `typesafe: true`: a record may be
 *   re-lent before the grace period, so readers follow the seqlock pattern — check `isLive(h)`, read the
 *   fields, check `isLive(h)` again, retry or skip on change; the bump before reuse makes every reuse visible.
 *   (The re-check relies on plain field reads not moving past the atomic generation loads: true on x86-64, not
 *   promised by JavaScript's memory model for non-atomic reads; on weakly ordered CPUs prefer the default.)
 * - Dead workers (`watch`): when a watched worker exits, its reader slot is freed (`domain.watch`), any lock it
 *   held is released, and every record it held is **reclaimed**: released on its behalf and recycled after a
 *   grace period. A worker killed inside the few instructions of an acquire or release (between the free-list
 *   pop and `owner[i] = thread`, or between the owner swap and the enqueue) leaks that one record: it stays out
 *   of circulation for the pool's lifetime.
 * - Dead lock holders: a worker killed while it holds the free list's or the pending ring's lock wedges nobody —
 *   a thread waiting for that lock takes it over as soon as the holder's thread is gone (`createSharedLock` of
 *   `@rcu/core/shared`; no repair is needed, every locked operation commits with one final store), even on the
 *   main thread before the worker's `exit` event could run.
 *
 * Hot path: acquire = a lock-protected pop + an atomic store and add; release = one CAS + one swap + one
 * lock-protected ring append. No objects are made per call (the BigInt `'tagged'` free list excepted).
 */
import { describeValue, onDomainClose } from "@rcu/core";
import { attachSharedPending, createSharedPending } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { PoolError } from "../pool-error.js";
import { checkOptions } from "../validate.js";
import {
  CAPACITY_WORD,
  FREE_HEAD,
  KIND_WORD,
  MAGIC,
  MAGIC_WORD,
  MAX_CAPACITY,
  TYPESAFE_WORD,
  checkLayout,
  structBytes,
  structViews,
  type StructLayout,
  type StructViews,
} from "./layout.js";
import { initFreeList } from "./free-list.js";
import { StructPoolImpl } from "./struct-pool-impl.js";
import type { StructPool, StructPoolHandle, StructPoolOptions } from "./types.js";

export type { StructPool, StructPoolHandle, StructPoolOptions, StructPoolStats } from "./types.js";

const ALL_VIEWS = new WeakMap<SharedArrayBuffer, StructViews>();

function checkShared(domain: unknown): asserts domain is SharedDomain {
  let ok = false;
  try {
    const d = domain as Partial<SharedDomain> | null;
    ok = d !== null && typeof d === "object" && d.flavor === "shared" && typeof d.watch === "function";
  } catch {
    // a revoked proxy or a throwing getter: not a domain
  }
  if (!ok) {
    throw new PoolError(
      "INVALID_OPTION",
      "A struct pool needs a shared domain: createSharedDomain({ maxThreads }) from '@rcu/core/shared' (attachSharedDomain in workers).",
    );
  }
}

/**
 * Creates a pool of `capacity` fixed-layout records in one `SharedArrayBuffer`, recycled after grace periods
 * of a `shared` domain. Send `pool.handle` to workers, which call {@link attachStructPool}; call
 * `pool.watch(worker)` for each so a dead worker's slot, locks and records are reclaimed.
 *
 * Handles are numbers (`generation * 2^21 + index`); acquire and release allocate nothing. The domain's
 * `close()` (in this thread) closes the pool.
 *
 * @throws {PoolError} `INVALID_OPTION` for a domain that is not `shared`, a bad layout, or capacity outside 1..2^21.
 * @example
 * import { createSharedDomain } from '@rcu/core/shared'
 * import { createStructPool } from '@rcu/pool'
 *
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const points = createStructPool({ domain, capacity: 1024, layout: { x: 'f64', y: 'f64', id: 'u32' } })
 * const h = points.acquire()
 * points.set(h, 'x', 1)
 * const worker = new Worker(url, { workerData: { rcu: domain.handle, points: points.handle } })
 * points.watch(worker)
 * @since 0.1.0
 */
export function createStructPool<const L extends StructLayout>(options: StructPoolOptions<L>): StructPool<L> {
  checkOptions("createStructPool", options, ["domain", "layout", "capacity", "typesafe", "strict", "freeList"]);
  const o = options as Partial<StructPoolOptions<L>>;
  checkShared(o.domain);
  const domain = o.domain;
  for (const flag of ["typesafe", "strict"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") {
      throw new PoolError("INVALID_OPTION", `${flag} must be a boolean, got ${describeValue(o[flag])}.`);
    }
  }
  const layout = checkLayout(o.layout) as L;
  const capacity = o.capacity;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw new PoolError(
      "INVALID_OPTION",
      `capacity must be an integer in 1..${MAX_CAPACITY}, got ${describeValue(capacity)}.`,
    );
  }
  const freeList = o.freeList ?? "lock";
  if (freeList !== "lock" && freeList !== "tagged") {
    throw new PoolError("INVALID_OPTION", `freeList must be 'lock' or 'tagged', got ${describeValue(freeList)}.`);
  }
  const buffer = new SharedArrayBuffer(structBytes(layout, capacity));
  const views = structViews(buffer, layout, capacity);
  initFreeList(views.control, views.tagged, views.next, FREE_HEAD);
  views.control[MAGIC_WORD] = MAGIC;
  views.control[CAPACITY_WORD] = capacity;
  views.control[KIND_WORD] = freeList === "tagged" ? 1 : 0;
  views.control[TYPESAFE_WORD] = o.typesafe === true ? 1 : 0;
  const pending = createSharedPending(domain, { capacity });
  const handle: StructPoolHandle<L> = {
    buffer,
    layout,
    capacity,
    typesafe: o.typesafe === true,
    freeList,
    pending: pending.handle,
  };
  ALL_VIEWS.set(buffer, views);
  const pool = new StructPoolImpl(handle, domain, views, pending, o.strict === true);
  onDomainClose(domain, () => pool.close());
  return pool;
}

/**
 * Attaches the calling thread (usually a worker) to a struct pool made by {@link createStructPool}. `domain` is
 * this thread's view of the pool's shared domain (`attachSharedDomain(handle)`).
 *
 * @throws {PoolError} `INVALID_OPTION` for a foreign handle or a domain that is not `shared`.
 * @example
 * import { workerData } from 'node:worker_threads'
 * import { attachSharedDomain } from '@rcu/core/shared'
 * import { attachStructPool } from '@rcu/pool'
 *
 * const domain = attachSharedDomain(workerData.rcu)
 * const points = attachStructPool(workerData.points, domain)
 * domain.read(() => points.get(current(), 'x'))
 * @since 0.1.0
 */
export function attachStructPool<L extends StructLayout>(
  handle: StructPoolHandle<L>,
  domain: SharedDomain,
  options: { readonly strict?: boolean } = {},
): StructPool<L> {
  checkShared(domain);
  const strict = checkOptions("attachStructPool", options, ["strict"], true).strict;
  let h: Partial<StructPoolHandle<L>> | null;
  try {
    h =
      handle === null || typeof handle !== "object"
        ? null
        : {
            buffer: handle.buffer,
            layout: handle.layout,
            capacity: handle.capacity,
            typesafe: handle.typesafe,
            freeList: handle.freeList,
            pending: handle.pending,
          };
  } catch {
    h = null; // a revoked proxy or a throwing getter
  }
  if (
    h === null ||
    typeof h !== "object" ||
    !(h.buffer instanceof SharedArrayBuffer) ||
    h.pending === undefined ||
    typeof h.capacity !== "number" ||
    new Int32Array(h.buffer, 0, 64)[MAGIC_WORD] !== MAGIC ||
    new Int32Array(h.buffer, 0, 64)[CAPACITY_WORD] !== h.capacity
  ) {
    throw new PoolError(
      "INVALID_OPTION",
      "Not a struct pool handle: pass the `handle` of a pool from createStructPool().",
    );
  }
  const layout = checkLayout(h.layout) as L;
  if (h.buffer.byteLength < structBytes(layout, h.capacity)) {
    throw new PoolError("INVALID_OPTION", "Not a struct pool handle: its buffer does not match its layout.");
  }
  if (
    typeof h.typesafe !== "boolean" ||
    (h.freeList !== "lock" && h.freeList !== "tagged") ||
    h.typesafe !== (new Int32Array(h.buffer, 0, 64)[TYPESAFE_WORD] === 1) ||
    (h.freeList === "tagged") !== (new Int32Array(h.buffer, 0, 64)[KIND_WORD] === 1)
  ) {
    throw new PoolError(
      "INVALID_OPTION",
      "Not a struct pool handle: its typesafe/freeList do not match its buffer. Pass the handle unchanged.",
    );
  }
  const views = ALL_VIEWS.get(h.buffer) ?? structViews(h.buffer, layout, h.capacity);
  const pending = attachSharedPending(h.pending, domain);
  return new StructPoolImpl(h as StructPoolHandle<L>, domain, views, pending, strict === true);
}
