/**
 * Options check shared by the operators: an options argument must be a plain object (or left out) whose keys are
 * all known; it is read once, into a snapshot, so a getter or proxy cannot change (or throw from) it later. `null`, a number or a string would otherwise surface as a raw `TypeError` (or be silently ignored),
 * and a misspelt key (`{ dispoze }`) would quietly fall back to the default; both throw `RcuError('INVALID_OPTION')`
 * at the call site instead, a misspelling with a "did you mean" suggestion (closest known key by edit distance).
 */
import { RcuError } from "@rcu/core";
import { describeValue } from "@rcu/core";

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))
    ? ` Did you mean \`${best}\`?`
    : "";
}

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
  if (options === undefined) return {};
  const notAnObject = (): RcuError =>
    new RcuError(
      "INVALID_OPTION",
      `${where}: options must be an object (${known.map((k) => `\`${k}\``).join(", ")}), got ${describeValue(options)}.`,
    );
  if (options === null || typeof options !== "object") throw notAnObject();
  let keys: string[];
  const snapshot: Partial<Record<K, unknown>> = {};
  try {
    if (Array.isArray(options)) throw notAnObject();
    keys = Object.keys(options);
    for (const key of known) snapshot[key] = (options as Record<string, unknown>)[key];
  } catch (err) {
    if (err instanceof RcuError) throw err;
    throw new RcuError("INVALID_OPTION", `${where}: the options object could not be read (${describeValue(err)}).`, {
      cause: err,
    });
  }
  for (const key of keys) {
    if ((known as readonly string[]).includes(key)) continue;
    throw new RcuError(
      "INVALID_OPTION",
      `${where}: unknown option \`${key}\`; known options are ${known.map((k) => `\`${k}\``).join(", ")}.` +
        suggestion(key, known),
    );
  }
  return snapshot;
}
