/**
 * Layout of a shared domain's `SharedArrayBuffer` (an `Int32Array`), and 32-bit wrap-safe cookie arithmetic.
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
 * | 5 | `STARTED`, `COMPLETED`, `MAX_THREADS`, `MAGIC` | counters and metadata |
 * | 6+i | slot i: `CTR` (0 inactive, 1 + phase while inside), `OWNER` (threadId + 1, 0 free), `TID` (the owner's OS thread id where known, else 0: shared-lock.ts asks the kernel whether it still exists) |
 */
import { COMPLETED_COOKIE } from "./cookie.js";

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
export const SLOTS = 6 * LINE;
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


/** `rcu_seq_snap` on 32 bits (result in [0, 2^32)). */
export function snap32(seq: number): number {
  return ((seq + 7) & ~3) >>> 0;
}

/** Sequence value after the grace period in progress at `seq` ends. */
export function end32(seq: number): number {
  return ((seq | 3) + 1) >>> 0;
}

/** `a` strictly before `b`, modulo 2^32. */
export function before32(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * `rcu_seq_done_exact` on 32 bits: done when the counter has reached the cookie (modular), or when the cookie
 * is more than two grace periods *ahead* of the counter — which a live cookie never is (at most 7 units), so
 * the counter must have wrapped past it (spec case 35's guard band).
 */
export function done32(seq: number, cookie: number): boolean {
  if (cookie === COMPLETED_COOKIE) return true;
  const ahead = (cookie - seq) | 0;
  return ahead <= 0 || ahead > 8;
}

/**
 * Whether a domain at `seq` that has started `started` grace periods could have produced `cookie`: not ahead
 * of `snap(seq)`, and not older than the first cookie it ever handed out (so 0 is refused until the counter
 * has really wrapped).
 */
export function plausible32(seq: number, started: number, cookie: unknown): cookie is number {
  if (cookie === COMPLETED_COOKIE) return true;
  if (typeof cookie !== "number" || !Number.isInteger(cookie) || cookie < 0 || cookie >= 2 ** 32 || cookie % 4 !== 0) {
    return false;
  }
  const behind = (snap32(seq) - cookie) >>> 0;
  return behind <= Math.min(4 * started, 2 ** 31);
}
