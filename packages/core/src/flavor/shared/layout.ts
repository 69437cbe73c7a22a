/**
 * Layout of a shared domain's `SharedArrayBuffer` (an `Int32Array`). The 32-bit wrap-safe cookie arithmetic
 * lives in grace-period.ts with the rest of the `rcu_seq` encoding.
 *
 * Every hot word sits on its own 64-byte cache line so readers on different threads never share a line:
 *
 * | line | word | meaning |
 * |---|---|---|
 * | 0 | `GP_PHASE` | the global parity bit (0/1) readers copy on their outermost `readLock` |
 * | 1 | `SEQ` | `rcu_seq` sequence number, 32-bit, wrapping (low two bits: 0 idle, 1 in progress) |
 * | 2 | `LOCK` | owner (threadId + 1) of the grace-period runner lock, 0 when free |
 * | 3 | `WAITING` | futex word: -1 while a writer sleeps waiting for readers |
 * | 4 | `REQUESTED` | the newest cookie whose grace period must run (wrap-safe max) |
 * | 5 | `STARTED`, `COMPLETED`, `MAX_THREADS`, `MAGIC`, …, `DOMAIN_ID` (last word) | counters and metadata |
 * | 6+i | slot i: `CTR` (0 inactive, 1 + phase while inside), `OWNER` (threadId + 1, 0 free), `TID` (the owner's OS thread id where known, else 0: lock.ts asks the kernel whether it still exists) |
 */

/** Int32 words per 64-byte cache line. */
export const LINE = 16;
export const GP_PHASE = 0;
export const SEQ = LINE;
export const LOCK = 2 * LINE;
export const WAITING = 3 * LINE;
export const REQUESTED = 4 * LINE;
export const STARTED = 5 * LINE;
export const COMPLETED = 5 * LINE + 1;
export const MAX_THREADS = 5 * LINE + 2;
export const MAGIC_WORD = 5 * LINE + 3;
/**
 * A random non-zero identity of the domain, written once at creation. Structures bound to the domain (the
 * shared pending ring) store it in their own header, so a handle attached with another domain is refused.
 */
export const DOMAIN_ID = 5 * LINE + 15;
export const SLOTS = 6 * LINE;

/** A random non-zero int32 (a buffer identity; not a secret). */
export function randomId(): number {
  const id = (Math.random() * 0x7fffffff) | 0;
  return id === 0 ? 1 : id;
}
/** Identifies a shared-domain buffer (and its layout version). */
export const MAGIC = 0x52435531; // "RCU1"

export function slotCtr(i: number): number {
  return SLOTS + i * LINE;
}

export function slotOwner(i: number): number {
  return SLOTS + i * LINE + 1;
}

export function slotTid(i: number): number {
  return SLOTS + i * LINE + 2;
}

export function bufferBytes(maxThreads: number): number {
  return (SLOTS + maxThreads * LINE) * 4;
}
