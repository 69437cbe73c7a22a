/**
 * The options check every `@rcu/*` entry point runs on its `options` argument, exported for library authors who
 * build on `@rcu/core` so that their misuse errors read the same. It refuses anything that is not a plain object
 * (`null`, a number, a string, an array), an object whose keys cannot be listed (a revoked proxy), and an own key
 * outside the known ones; a misspelt key gets a "did you mean" for the closest known name by Levenshtein
 * distance (case-insensitive, close enough when within `max(2, length / 3)` edits). Symbol keys are ignored:
 * they cannot be option names. Values are described with `describeValue`, which never throws.
 */
import { RcuError } from "./errors.js";
import { describeValue } from "./describe-value.js";

/**
 * How {@link checkKnownOptions} treats `undefined` and which error it throws.
 *
 * @example
 * import type { CheckKnownOptionsSettings } from '@rcu/core'
 *
 * const settings: CheckKnownOptionsSettings = { optional: false }
 * @since 0.1.0
 */
export interface CheckKnownOptionsSettings {
  /** Whether `undefined` is accepted (as `{}`). Default `true`. */
  readonly optional?: boolean | undefined;
  /**
   * Builds the error to throw from its message (and the value thrown while reading the options, as `cause`).
   * Default: `new RcuError('INVALID_OPTION', message, { cause })`.
   */
  readonly error?: ((message: string, cause?: unknown) => Error) | undefined;
}

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

/** The known name closest to `key` when it is close enough to be a typo, else `undefined`. */
function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const name of known) {
    const d = distance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** `Array.isArray` that treats a revoked proxy (on which it throws) as "not an array". */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Checks that `options` is a plain object (or `undefined`, unless `settings.optional` is `false`) whose own keys
 * are all in `known`, and returns it as a record (`{}` for `undefined`). Otherwise throws
 * `RcuError('INVALID_OPTION')` (or what `settings.error` builds) with a message that starts with `where`, shows
 * the value, and for an unknown key names it, suggests the closest known key and lists them all.
 *
 * @example
 * import { checkKnownOptions } from '@rcu/core'
 *
 * const { retries } = checkKnownOptions('fetchWithRetry', { retries: 3 }, ['retries', 'signal'])
 * checkKnownOptions('fetchWithRetry', { retris: 3 }, ['retries', 'signal'])
 * // throws RcuError INVALID_OPTION: fetchWithRetry: unknown option "retris" (did you mean `retries`?).
 * //   Known options: retries, signal.
 * @since 0.1.0
 */
export function checkKnownOptions<K extends string>(
  where: string,
  options: unknown,
  known: readonly K[],
  settings: CheckKnownOptionsSettings = {},
): Readonly<Partial<Record<K, unknown>>> {
  const optional = settings.optional ?? true;
  const fail =
    settings.error ??
    ((message: string, cause?: unknown): Error =>
      new RcuError("INVALID_OPTION", message, cause === undefined ? undefined : { cause }));
  if (options === undefined && optional) return {} as Readonly<Partial<Record<K, unknown>>>;
  if (options === null || typeof options !== "object" || isArray(options)) {
    throw fail(`${where}: options must be an object${optional ? " or omitted" : ""}, got ${describeValue(options)}.`);
  }
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (err) {
    throw fail(`${where}: the options object cannot be read (${describeValue(err)}). Pass a plain object.`, err);
  }
  for (const key of keys) {
    if ((known as readonly string[]).includes(key)) continue;
    const suggestion = closestName(key, known);
    throw fail(
      `${where}: unknown option ${JSON.stringify(key)}` +
        (suggestion === undefined ? "" : ` (did you mean \`${suggestion}\`?)`) +
        `. Known options: ${known.join(", ")}.`,
    );
  }
  return options as Readonly<Partial<Record<K, unknown>>>;
}
