/**
 * Recipe: recycling buffers through the pending engine, with `dequeue`.
 *
 * Released buffers may still be read by readers that started before the release, so they go into a
 * `createPending` engine instead of straight back to the free list. After their grace period `process` puts them
 * on the free list — in cookie order, FIFO within a batch. When the allocator needs a buffer *now*, `dequeue()`
 * takes one back early (the oldest batch's newest item) — its grace period may not have ended, so this is only
 * for type-stable reuse where readers re-validate (see "Type-stable reuse").
 */
import { createDomain, createPending } from "@rcu/core";

export async function main() {
  const domain = createDomain({ name: "buffers" });
  const freeList: string[] = [];
  const pending = createPending<{ id: string; bytes: Uint8Array }>(domain, {
    name: "buffers",
    process: (buf) => void freeList.push(buf.id), // after the grace period: safe to reuse
    sizeOf: (buf) => buf.bytes.byteLength, // feeds pendingBytes
  });

  // Three releases in one turn: one cookie, one batch, one grace period.
  for (const id of ["a", "b", "c"]) pending.enqueue({ id, bytes: new Uint8Array(4096) });
  const before = { size: pending.size, pendingBytes: pending.pendingBytes, batches: pending.stats().batches };

  const early = pending.dequeue(); // the oldest batch's newest item: "c"

  await pending.flush(); // everything enqueued before this call is processed (or was dequeued)
  const stats = pending.stats();
  await domain.close(); // drains the engine too
  return { before, early: early?.id, freeList, stats };
}
