import { internalsOf } from "./domain/internals.js";
import { PendingEngine } from "./pending/engine.js";
import type { PendingOptions, RcuDomain, RcuPending } from "./types.js";

/**
 * Creates a pending engine (bcachefs `rcu_pending`) on `domain`: items enqueued now are handed to `process`
 * after a grace period, batched by grace-period cookie in chunked vectors, in cookie order and FIFO within a
 * batch. `dequeue()` takes one back before its grace period ends (type-stable reuse). Beyond bcachefs `rcu_pending.c`:
 * `pendingBytes`, a `highWaterMark` that expedites and signals pressure, `ready()` for backpressure, and
 * `maxPerTurn` so a flood never blocks the event loop. The domain's `close()` drains it.
 *
 * @throws {RcuError} `INVALID_OPTION` for a missing `process` or options out of range.
 * @example
 * import { createDomain, createPending } from '@rcu/core'
 *
 * const domain = createDomain()
 * const free: Uint8Array[] = []
 * const pending = createPending<Uint8Array>(domain, {
 *   process: (buf) => free.push(buf),       // after the grace period
 *   sizeOf: (buf) => buf.byteLength,
 *   highWaterMark: { bytes: 16 << 20 },
 * })
 * pending.enqueue(oldBuffer)
 * await pending.ready() // backpressure for producers
 * @since 0.1.0
 */
export function createPending<T>(domain: RcuDomain, options: PendingOptions<T>): RcuPending<T> {
  return new PendingEngine<T>(internalsOf(domain), options, { owner: "user" });
}
