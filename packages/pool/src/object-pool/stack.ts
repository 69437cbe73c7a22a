/**
 * Call-site capture for debug messages: where a lease was acquired or released. V8's `Error.captureStackTrace`
 * cuts this helper's frame, and the first remaining frame (the pool method that called us) is dropped too, so
 * the stack starts at the user's call. Elsewhere it falls back to a plain `new Error().stack`. Internal.
 */
export function captureStack(): string {
  const holder: { stack?: string } = {};
  if (typeof Error.captureStackTrace === "function") Error.captureStackTrace(holder, captureStack);
  else holder.stack = new Error().stack ?? "";
  const lines = (holder.stack ?? "").split("\n");
  // lines[0] is the "Error" header, lines[1] the pool method that asked for the stack.
  const frames = lines.slice(2).join("\n");
  return frames === "" ? "    at <unknown>" : frames;
}
