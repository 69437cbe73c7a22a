/**
 * Options check shared by the operators: an options argument must be a plain object (or left out) whose keys are
 * all known; it is read once, into a snapshot, so a getter or proxy cannot change (or throw from) it later. `null`, a number or a string would otherwise surface as a raw `TypeError` (or be silently ignored),
 * and a misspelt key (`{ dispoze }`) would quietly fall back to the default; both throw `RcuError('INVALID_OPTION')`
 * at the call site instead, a misspelling with a "did you mean" suggestion (`checkKnownOptions` of `@rcu/core`, the
 * check every `@rcu/*` package runs).
 */
import { checkKnownOptions, describeValue, RcuError } from "@rcu/core";

/**
 * Checks `options` and returns a plain snapshot of its known keys, read once. Throws
 * `RcuError('INVALID_OPTION')` naming `where` unless `options` is an object whose own keys are all in `known`,
 * or if reading it throws (a revoked proxy, a throwing getter). `undefined` reads as `{}`.
 *
 * @example
 * const { dispose } = readOptions(options, ['dispose'], 'retirePrevious(domain, options)')
 * @internal
 */
export function readOptions<K extends string>(
  options: unknown,
  known: readonly K[],
  where: string,
): Partial<Record<K, unknown>> {
  const checked = checkKnownOptions(where, options, known);
  const snapshot: Partial<Record<K, unknown>> = {};
  try {
    for (const key of known) snapshot[key] = checked[key];
  } catch (err) {
    throw new RcuError("INVALID_OPTION", `${where}: the options object could not be read (${describeValue(err)}).`, {
      cause: err,
    });
  }
  return snapshot;
}
