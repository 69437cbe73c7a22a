/**
 * Validation of everything a caller hands to `@rcu/pool`: option objects (an object, known keys only, with a
 * "did you mean" for a misspelt key), abort signals, and struct pool handles (a safe integer ≥ 0 whose index is
 * inside the pool: a fractional, string, `NaN` or forged handle is an error, never another record). Failures are
 * `PoolError`s with a code; messages describe values with `describeValue`, which never throws.
 */
import { checkKnownOptions, describeValue } from "@rcu/core";
import { PoolError } from "./pool-error.js";

/**
 * Checks that `options` is a plain object (or `undefined` when `optional`) whose own keys are all in `known`;
 * throws `PoolError('INVALID_OPTION')` naming an unknown key and the closest known one (`checkKnownOptions` of
 * `@rcu/core`, with pool errors).
 */
export function checkOptions(
  what: string,
  options: unknown,
  known: readonly string[],
  optional = false,
): Readonly<Record<string, unknown>> {
  return checkKnownOptions(what, options, known, { optional, error: invalidOption });
}

function invalidOption(message: string, cause?: unknown): PoolError {
  return new PoolError("INVALID_OPTION", message, cause === undefined ? undefined : { cause });
}

function isAbortSignal(value: unknown): value is AbortSignal {
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

/**
 * Reads `options.signal` of `acquireAsync` (options: `undefined` or `{ signal? }`). Returns the signal, or the
 * `INVALID_OPTION` error to reject with.
 */
export function readSignal(
  what: string,
  options: unknown,
): { signal?: AbortSignal | undefined; error?: PoolError | undefined } {
  if (options === undefined) return {};
  try {
    checkOptions(what, options, ["signal"]);
    const signal = (options as { signal?: unknown }).signal;
    if (signal === undefined || isAbortSignal(signal)) return { signal };
    return {
      error: new PoolError(
        "INVALID_OPTION",
        `${what}: options.signal must be an AbortSignal (or omitted), got ${describeValue(signal)}.`,
      ),
    };
  } catch (err) {
    return {
      error:
        err instanceof PoolError
          ? err
          : new PoolError("INVALID_OPTION", `${what}: bad options (${describeValue(err)}).`),
    };
  }
}

/** Whether `handle` can name a record of a pool of `capacity` records (`indexBits` low bits are the index). */
export function isHandleShape(handle: unknown, capacity: number, indexSpace: number): handle is number {
  return typeof handle === "number" && Number.isSafeInteger(handle) && handle >= 0 && handle % indexSpace < capacity;
}

/** The `STALE_HANDLE` error for a value that is not a handle of this pool at all. */
export function notAHandle(what: string, handle: unknown, capacity: number): PoolError {
  return new PoolError(
    "STALE_HANDLE",
    `${what}(${describeValue(handle)}): not a handle of this pool (handles are safe integers returned by acquire(), ` +
      `naming a record 0..${capacity - 1}). Pass handles unchanged.`,
  );
}
