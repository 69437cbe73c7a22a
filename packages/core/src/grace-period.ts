/**
 * Grace-period sequence numbers, encoded like the kernel's `rcu_seq` (kernel/rcu/rcu.h): the low two bits
 * are the state (0 = idle, 1 = a grace period is in progress) and the rest counts grace periods. Starting a
 * grace period adds 1; ending one rounds up to the next multiple of 4. A cookie is the sequence value that
 * will mean "a full grace period has elapsed since the cookie was taken" (`rcu_seq_snap`): idle at 4k gives
 * 4k+4 (the end of the next grace period); in progress at 4k+1 gives 4k+8 (the current one may predate the
 * caller). Numbers are doubles: 2^53 grace periods never wrap in practice, so comparison is plain `>=`.
 */

import type { GpCookie } from "./types.js";

/** The cookie that always polls true (`RCU_GET_STATE_COMPLETED`). */
export const COMPLETED_COOKIE = 1;

/** One grace period in sequence units. */
export const SEQ_STEP = 4;

/** Whether a grace period is in progress. */
export function seqInProgress(seq: number): boolean {
  return seq % SEQ_STEP !== 0;
}

/** `rcu_seq_snap`: the earliest sequence value that proves a full grace period elapsed after now. */
export function seqSnap(seq: number): number {
  const t = seq + 2 * (SEQ_STEP - 1) + 1;
  return t - (t % SEQ_STEP);
}

/** The sequence value after the grace period in progress at `seq` ends. */
export function seqEnd(seq: number): number {
  return seq + (SEQ_STEP - (seq % SEQ_STEP));
}

/** Whether `cookie` has completed at sequence `seq`. */
export function seqDone(seq: number, cookie: number): boolean {
  return cookie === COMPLETED_COOKIE || seq >= cookie;
}

/** Whether a domain at sequence `seq` could have produced `cookie`. */
export function isPlausibleCookie(seq: number, cookie: unknown): cookie is number {
  if (cookie === COMPLETED_COOKIE) return true;
  return (
    typeof cookie === "number" &&
    Number.isSafeInteger(cookie) &&
    cookie > 0 &&
    cookie % SEQ_STEP === 0 &&
    cookie <= seqSnap(seq)
  );
}

// ---- 32-bit cookies (the `shared` flavour) -----------------------------------------------------------------
// A shared domain keeps its sequence number in one Int32 word of a SharedArrayBuffer, so it wraps at 2^32;
// these are the same operations with modular comparison.

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
 * the counter must have wrapped past it (the guard band the kernel's `rcu_seq_done_exact` keeps).
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

/**
 * A cookie that always polls true (`RCU_GET_STATE_COMPLETED`): a neutral initial value for "the grace period
 * this object last waited for", so `poll(GP_COMPLETED)` needs no special case.
 *
 * @example
 * let lastFreed: GpCookie = GP_COMPLETED
 * domain.poll(lastFreed) // true
 * @since 0.1.0
 */
export const GP_COMPLETED: GpCookie = COMPLETED_COOKIE;
