import { RcuError } from "./errors.js";
import { internalsOf } from "./domain/internals.js";
import { checkOptions } from "./internal/validate.js";
import type { RcuDomain } from "./types.js";

/**
 * Options of {@link trackSettle}.
 *
 * @example
 * trackSettle(domain, destroy(obj), { what: 'pool destroy', onRejected: (err) => report(err) })
 * @since 0.1.0
 */
export interface TrackSettleOptions {
  /** What the task is, for messages: `"An async <what> on domain … did not settle"`. Default `'task'`. */
  readonly what?: string;
  /** Receives a rejection instead of the domain's `onError` (called at most once). */
  readonly onRejected?: (reason: unknown) => void;
}

/**
 * For library authors (pools, adapters): follows a value returned by user code that may be a promise, on
 * `domain`, with the domain's rules for async work. A thenable whose `then` (or `then` getter) throws counts
 * as a rejection; one that settles twice counts once. The returned promise resolves when `value` settles, or
 * after the domain's `settleTimeoutMs` (reported as `SETTLE_TIMEOUT`), whichever comes first — so a hung
 * callback can never hang `close()`. `barrier()` and `close()` wait for it; while the domain closes, the
 * timer keeps the process alive. A rejection is reported (`CALLBACK_FAILED` through `onError`) unless
 * `onRejected` takes it. Returns `undefined` when `value` is not a thenable (nothing to wait for).
 *
 * @throws {RcuError} `INVALID_OPTION` when `domain` is not a domain of this copy of `@rcu/core`.
 * @example
 * import { trackSettle } from '@rcu/core'
 *
 * const result = userDestroy(obj)
 * const settled = trackSettle(domain, result, { what: 'pool destroy', onRejected: reportDestroyFailed })
 * if (settled !== undefined) await settled // never longer than the domain's settle timeout
 * @since 0.1.0
 */
export function trackSettle(
  domain: RcuDomain,
  value: unknown,
  options: TrackSettleOptions = {},
): Promise<void> | undefined {
  const internals = internalsOf(domain);
  const { what, onRejected } = checkOptions("trackSettle", options, ["what", "onRejected"]);
  if (what !== undefined && typeof what !== "string")
    throw new RcuError("INVALID_OPTION", "trackSettle: `what` must be a string.");
  if (onRejected !== undefined && typeof onRejected !== "function") {
    throw new RcuError("INVALID_OPTION", "trackSettle: `onRejected` must be a function.");
  }
  return internals.trackExternal(value, what ?? "task", onRejected as ((reason: unknown) => void) | undefined);
}
