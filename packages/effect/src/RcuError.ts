/**
 * `RcuError`: the typed failure of `@rcu/effect`.
 *
 * How it works: every `RcuError` thrown or rejected by `@rcu/core` (a plain `Error` subclass) is mapped at the
 * boundary into this `Data.TaggedError`, keeping its `code`, its message and the original error as `cause`, so
 * Effect code can `Effect.catchTag("RcuError", ...)` and branch on `code`. Anything else core throws is a bug and
 * becomes a defect.
 *
 * @since 0.1.0
 */
import type { RcuError as CoreRcuError } from "@rcu/core";
import { Data } from "effect";

/**
 * A failure reported by the RCU domain behind the `Rcu` service, with core's stable `code`:
 * `CLOSED` (the domain is closing), `SELF_DEADLOCK` (waiting for a grace period inside your own read
 * section), `INSIDE_CALLBACK` (`Rcu.barrier` from a deferred effect), `ASYNC_SECTION` (a domain flavour whose
 * read sections cannot span async boundaries), `INVALID_OPTION`, and the rest of core's `RcuErrorCode`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu } from "@rcu/effect"
 *
 * const program = Rcu.synchronize.pipe(
 *   Effect.catchTag("RcuError", (error) =>
 *     error.code === "CLOSED" ? Effect.void : Effect.fail(error)
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RcuError extends Data.TaggedError("RcuError")<{
  /** Core's stable code for what went wrong. */
  readonly code: CoreRcuError["code"];
  /** What happened and what to do about it. */
  readonly message: string;
  /** The original error (core's `RcuError`), when there is one. */
  readonly cause?: unknown;
}> {}
