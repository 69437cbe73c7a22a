/**
 * `describeValue(value)`: a short, never-throwing description of any value for an error message. `String()`
 * may throw (`Object.create(null)`, a throwing `toString`, a revoked proxy), so every step is guarded.
 */

/**
 * Describes `value` in a few words: `42`, `"text"`, `null`, `a function`, `an Error: message`, `an object`.
 *
 * @example
 * describeValue(Object.create(null)) // 'an object'
 * @internal
 */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return "null";
    switch (typeof value) {
      case "string":
        return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      case "number":
      case "boolean":
      case "bigint":
      case "undefined":
        return String(value);
      case "symbol":
        return "a symbol";
      case "function":
        return "a function";
      default:
        if (value instanceof Error) return `an ${value.name}: ${String(value.message)}`;
        return "an object";
    }
  } catch {
    return "an unprintable value";
  }
}
