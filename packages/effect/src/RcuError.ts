/**
 * `RcuError`: the typed failure of `@rcu/effect`.
 *
 * How it works: every `RcuError` thrown or rejected by `@rcu/core` (a plain `Error` subclass) is mapped at the
 * boundary into this `Data.TaggedError`, keeping its `code`, its message and the original error as `cause`, so
 * Effect code can `Effect.catchTag("RcuError", ...)` and branch on `code`. Anything else core throws is a bug and
 * becomes a defect. The class takes the codes an operation can produce as a type parameter, so each operation's
 * error type names only what it can fail with (`Rcu.synchronize` fails with `RcuError<"SELF_DEADLOCK" | "CLOSED">`)
 * and narrowing on `code` is exhaustive.
 *
 * @since 0.1.0
 */
import type { RcuErrorCode } from "@rcu/core";
import { Data } from "effect";

/** Every code an `RcuError` may carry (see `RcuError.Code`). */
type Code = RcuErrorCode | "NOT_IN_SECTION";

/**
 * A failure reported by the RCU domain behind the `Rcu` service, with core's stable `code`:
 * `CLOSED` (the domain is closing), `SELF_DEADLOCK` (waiting for a grace period inside a read section this fiber
 * holds or inherited from its parent), `INSIDE_CALLBACK` (`Rcu.barrier` from a deferred effect), `ASYNC_SECTION`
 * (a domain flavour whose read sections cannot span async boundaries), `INVALID_OPTION`, and the rest of core's
 * `RcuErrorCode`. Each operation's type names the subset it can produce: `RcuError<"CLOSED">` for `Rcu.defer`.
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
export class RcuError<out C extends Code = Code> extends Data.TaggedError("RcuError")<{
  /** The stable code for what went wrong; the type parameter lists the codes the operation can produce. */
  readonly code: C;
  /** What happened and what to do about it. */
  readonly message: string;
  /** The original error (core's `RcuError`), when there is one. */
  readonly cause?: unknown;
}> {}

/**
 * Types that go with `RcuError`.
 *
 * @example
 * ```ts
 * import type { RcuError } from "@rcu/effect"
 *
 * const retryable = (code: RcuError.Code) => code === "CLOSED"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
// eslint-disable-next-line @typescript-eslint/no-namespace -- types only, merged with the class (as Effect's modules do)
export declare namespace RcuError {
  /**
   * Every code an `RcuError` of `@rcu/effect` may carry: core's `RcuErrorCode`, plus `NOT_IN_SECTION` (a
   * borrow-free read such as `RcuRef.deref` running after its read section ended, or inside a section of another
   * domain; raised as a defect).
   *
   * @example
   * ```ts
   * import type { RcuError } from "@rcu/effect"
   *
   * const code: RcuError.Code = "SELF_DEADLOCK"
   * ```
   *
   * @since 0.1.0
   * @category errors
   */
  export type Code = RcuErrorCode | "NOT_IN_SECTION";
}
