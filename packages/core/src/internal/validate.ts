/**
 * Validation of everything a caller hands to `@rcu/core`: option objects (through `checkKnownOptions`: an
 * object, known keys only, with a "did you mean" for a misspelt key), integers in range (timeouts at most `2**31 - 1` ms, the largest delay a
 * timer honours: Node clamps larger ones to 1 ms, which would fire a false timeout at once), abort signals and
 * integer items. Every failure is an `RcuError('INVALID_OPTION')` whose message names the option, shows the
 * value (via {@link describeValue}, which never throws) and says what to pass instead.
 */
import type { WatchedWorker } from "../watched-worker.js";
import { RcuError } from "../errors.js";
import { describeValue } from "../describe-value.js";
import { checkKnownOptions } from "../check-known-options.js";

/** The largest timer delay (ms) JavaScript runtimes honour: 2^31 - 1. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function invalid(message: string): RcuError {
  return new RcuError("INVALID_OPTION", message);
}

/** `value instanceof Error`, false for a revoked proxy (on which `instanceof` throws). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * Checks that `options` is `undefined` (when `optional`) or a plain object whose own keys are all in `known`
 * (see {@link checkKnownOptions}, the same check exported for library authors). Returns the options as a record.
 */
export function checkOptions(
  what: string,
  options: unknown,
  known: readonly string[],
  optional = true,
): Readonly<Record<string, unknown>> {
  return checkKnownOptions(what, options, known, { optional });
}

/**
 * Checks an optional integer option in `[min, max]` (`Infinity` too when `allowInfinity`). Rejects `NaN`,
 * fractions, non-numbers and anything out of range.
 */
export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  allowInfinity = false,
): void {
  if (value === undefined) return;
  if (allowInfinity && value === Infinity) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "2^53 - 1" : max}]`;
    throw invalid(`${name} must be ${range}${allowInfinity ? " or Infinity" : ""}, got ${describeValue(value)}.`);
  }
}

/** Checks an optional timeout in ms: an integer in `[0, 2**31 - 1]` (`0` disables it). */
export function checkTimeout(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw invalid(
      `${name} must be an integer number of milliseconds in [0, 2^31 - 1] (0 disables it), got ${describeValue(value)}. ` +
        "Timers cannot wait longer: a larger delay would fire at once.",
    );
  }
}

/** Whether `value` is an `AbortSignal` (or quacks like one well enough to be listened to). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    if (typeof AbortSignal === "function" && value instanceof AbortSignal) return true;
    const s = value as Partial<AbortSignal> | null;
    return (
      s !== null &&
      typeof s === "object" &&
      typeof s.aborted === "boolean" &&
      typeof s.addEventListener === "function" &&
      typeof s.removeEventListener === "function"
    );
  } catch {
    return false;
  }
}

/** The `INVALID_OPTION` error for `options.signal` of `what`, or `undefined` when it is absent or a signal. */
export function signalError(what: string, signal: unknown): RcuError | undefined {
  if (signal === undefined || isAbortSignal(signal)) return undefined;
  return invalid(`${what}: options.signal must be an AbortSignal (or omitted), got ${describeValue(signal)}.`);
}

/** Reads `options.signal` of a waiting call, refusing options that are not an object (returns the error). */
export function readSignal(
  what: string,
  options: unknown,
): { signal?: AbortSignal | undefined; error?: RcuError | undefined } {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    return {
      error: invalid(
        `${what}: options must be an object such as { signal } or omitted, got ${describeValue(options)}.`,
      ),
    };
  }
  let signal: unknown;
  try {
    signal = (options as { signal?: unknown }).signal;
  } catch (err) {
    return { error: invalid(`${what}: options.signal cannot be read (${describeValue(err)}).`) };
  }
  const error = signalError(what, signal);
  return error === undefined ? { signal: signal as AbortSignal | undefined } : { error };
}

/** Checks the argument of a `watch(worker)` (a `worker_threads` Worker); returns its owner word (threadId + 1). */
export function checkWorker(what: string, worker: unknown): number {
  let ok = false;
  let threadId: unknown;
  try {
    const w = worker as Partial<WatchedWorker> | null;
    threadId = w?.threadId;
    ok = w !== null && typeof w === "object" && typeof w.once === "function";
  } catch {
    // a revoked proxy or a throwing getter
  }
  if (!ok || typeof threadId !== "number" || !Number.isInteger(threadId) || threadId < 0 || threadId >= 2 ** 31 - 1) {
    throw invalid(
      `${what}: pass a worker_threads Worker (with a numeric threadId and once()), got ${describeValue(worker)}.`,
    );
  }
  return threadId + 1;
}

/** Checks an int32 item (`storage: 'int32'` engines): a number that is an integer in int32 range. */
export function isInt32(value: unknown): value is number {
  return typeof value === "number" && (value | 0) === value;
}
