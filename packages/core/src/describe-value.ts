/**
 * Describing any value for an error message without ever throwing. User code may throw (or reject with, or
 * abort a signal with) anything: `Object.create(null)` (whose `String()` throws: no `toString`), a revoked
 * `Proxy` (every operation throws), an object whose `name`/`message` getters or `toString` throw, a symbol (whose
 * implicit string conversion throws). Error paths build messages with this function only, so reporting a
 * failure can never become a second, unreported failure.
 */

/** Longest description kept (a huge `message` must not make every report huge). */
const MAX_LENGTH = 200;

function clip(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}

/** Reads `value[key]` as a string, or `undefined` when the read throws or gives no string. */
function stringProp(value: object, key: string): string | undefined {
  try {
    const prop: unknown = (value as Record<string, unknown>)[key];
    return typeof prop === "string" ? prop : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A short, human-readable description of any value, for error messages: `"TypeError: boom"`, `"42"`,
 * `"Symbol(x)"`, `"[object with null prototype]"`, `"[unprintable value]"` for a revoked proxy. Never throws,
 * whatever the value (unlike `String(value)`, which throws for `Object.create(null)` and symbols). Every error
 * path of `@rcu/*` builds its messages with it; adapters reporting user failures should too.
 *
 * @example
 * import { describeValue } from '@rcu/core'
 *
 * describeValue(Object.create(null)) // '[object with null prototype]'
 * describeValue(new RangeError('x')) // 'RangeError: x'
 * @since 0.1.0
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case "string":
        return clip(value);
      case "number":
      case "boolean":
      case "undefined":
        return String(value);
      case "bigint":
        return `${value.toString()}n`;
      case "symbol":
        return clip(value.toString());
      case "function":
        return `[function ${stringProp(value, "name") || "anonymous"}]`;
      default:
        break;
    }
    if (value === null) return "null";
    const obj = value as object;
    const message = stringProp(obj, "message");
    if (message !== undefined) {
      const name = stringProp(obj, "name");
      return clip(name === undefined || name === "" ? message : `${name}: ${message}`);
    }
    if (Object.getPrototypeOf(obj) === null) return "[object with null prototype]";
    // The object's own toString (a custom one is what its author wants shown); a throw lands in the catch below.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    const text: unknown = String(obj);
    return typeof text === "string" ? clip(text) : "[unprintable object]";
  } catch {
    return "[unprintable value]";
  }
}
