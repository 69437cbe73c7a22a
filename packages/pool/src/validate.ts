/**
 * Validation of everything a caller hands to `@rcu/pool`: option objects (an object, known keys only, with a
 * "did you mean" for a misspelt key), abort signals, and struct pool handles (a safe integer ≥ 0 whose index is
 * inside the pool: a fractional, string, `NaN` or forged handle is an error, never another record). Failures are
 * `PoolError`s with a code; messages describe values with `describeValue`, which never throws.
 */
import { describeValue } from "@rcu/core";
import { PoolError } from "./pool-error.js";

/** Levenshtein distance, small strings only (option names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * Checks that `options` is a plain object (or `undefined` when `optional`) whose own keys are all in `known`;
 * throws `PoolError('INVALID_OPTION')` naming an unknown key and the closest known one.
 */
export function checkOptions(
  what: string,
  options: unknown,
  known: readonly string[],
  optional = false,
): Readonly<Record<string, unknown>> {
  if (options === undefined && optional) return {};
  let array = false;
  try {
    array = Array.isArray(options);
  } catch {
    // a revoked proxy: Object.keys below refuses it
  }
  if (options === null || typeof options !== "object" || array) {
    throw new PoolError("INVALID_OPTION", `${what} needs an options object, got ${describeValue(options)}.`);
  }
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (err) {
    throw new PoolError("INVALID_OPTION", `${what}: the options object cannot be read (${describeValue(err)}).`);
  }
  for (const key of keys) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new PoolError(
      "INVALID_OPTION",
      `${what}: unknown option ${JSON.stringify(key)}${suggestion === undefined ? "" : ` (did you mean \`${suggestion}\`?)`}. ` +
        `Known options: ${known.join(", ")}.`,
    );
  }
  return options as Readonly<Record<string, unknown>>;
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
export function readSignal(what: string, options: unknown): { signal?: AbortSignal | undefined; error?: PoolError | undefined } {
  if (options === undefined) return {};
  try {
    checkOptions(what, options, ["signal"]);
    const signal = (options as { signal?: unknown }).signal;
    if (signal === undefined || isAbortSignal(signal)) return { signal };
    return { error: new PoolError("INVALID_OPTION", `${what}: options.signal must be an AbortSignal (or omitted), got ${describeValue(signal)}.`) };
  } catch (err) {
    return { error: err instanceof PoolError ? err : new PoolError("INVALID_OPTION", `${what}: bad options (${describeValue(err)}).`) };
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
