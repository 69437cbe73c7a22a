/**
 * `RcuManual`: the test handle of `Rcu.layerManual`.
 *
 * How it works: `Rcu.layerManual` builds one `createManualDomain()` from `@rcu/core/testing` and provides it twice:
 * as the `Rcu` service (what the code under test uses) and as this service (what the test uses to drive grace
 * periods). A manual grace period starts and ends only inside these calls, and deferred work that becomes due runs
 * synchronously inside them, so a test can assert "not released yet", advance, and assert "released now".
 *
 * @since 0.1.0
 */
import type { ManualDomain } from "@rcu/core/testing";
import { Context, Effect } from "effect";

/**
 * Drives the grace periods of the domain provided by `Rcu.layerManual`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuManual } from "@rcu/effect"
 *
 * const program = Effect.gen(function*() {
 *   const released: Array<string> = []
 *   yield* Rcu.defer(Effect.sync(() => released.push("old")))
 *   yield* RcuManual.advance // starts a grace period and ends it: the deferred effect runs in here
 *   return released // ["old"]
 * }).pipe(Effect.provide(Rcu.layerManual))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RcuManual extends Context.Service<
  RcuManual,
  {
    /** The manual domain itself (also the domain of the `Rcu` service). */
    readonly domain: ManualDomain;
    /** Flips the reader index: starts a grace period (does nothing while one is in progress). */
    readonly startGracePeriod: Effect.Effect<void>;
    /** Ends the grace period in progress; `false` while a reader that entered before it still holds it. */
    readonly endGracePeriod: Effect.Effect<boolean>;
    /** Starts a grace period if none is running, then tries to end it. */
    readonly advance: Effect.Effect<boolean>;
  }
>()("@rcu/effect/RcuManual") {
  /**
   * Starts a grace period of the manual domain.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { RcuManual } from "@rcu/effect"
   *
   * const step = Effect.andThen(RcuManual.startGracePeriod, RcuManual.endGracePeriod)
   * ```
   *
   * @since 0.1.0
   * @category accessors
   */
  static readonly startGracePeriod: Effect.Effect<void, never, RcuManual> = Effect.flatMap(
    Effect.service(RcuManual),
    (manual) => manual.startGracePeriod,
  );

  /**
   * Tries to end the grace period in progress: `true` if it ended (its deferred work ran inside this call).
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { RcuManual } from "@rcu/effect"
   *
   * const ended = RcuManual.startGracePeriod.pipe(Effect.andThen(RcuManual.endGracePeriod))
   * ```
   *
   * @since 0.1.0
   * @category accessors
   */
  static readonly endGracePeriod: Effect.Effect<boolean, never, RcuManual> = Effect.flatMap(
    Effect.service(RcuManual),
    (manual) => manual.endGracePeriod,
  );

  /**
   * Starts a grace period if none is running and tries to end it: `true` if one ended.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { RcuManual } from "@rcu/effect"
   *
   * const twoGracePeriods = Effect.andThen(RcuManual.advance, RcuManual.advance)
   * ```
   *
   * @since 0.1.0
   * @category accessors
   */
  static readonly advance: Effect.Effect<boolean, never, RcuManual> = Effect.flatMap(
    Effect.service(RcuManual),
    (manual) => manual.advance,
  );

  /**
   * The service for a given manual domain.
   *
   * @example
   * ```ts
   * import { createManualDomain } from "@rcu/core/testing"
   * import { RcuManual } from "@rcu/effect"
   *
   * const manual = RcuManual.fromDomain(createManualDomain())
   * ```
   *
   * @since 0.1.0
   * @category constructors
   */
  static fromDomain(domain: ManualDomain): RcuManual["Service"] {
    return RcuManual.of({
      domain,
      startGracePeriod: Effect.sync(() => domain.startGracePeriod()),
      endGracePeriod: Effect.sync(() => domain.endGracePeriod()),
      advance: Effect.sync(() => domain.advance()),
    });
  }
}
