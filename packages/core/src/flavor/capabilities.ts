/**
 * What a flavour allows, declared once per flavour. The domain layer, the adapters and the tests ask these
 * capabilities instead of comparing flavour names, so a new flavour only declares what it can do.
 */
import { internalsOf } from "../domain/internals.js";
import type { RcuDomain } from "../types.js";

/**
 * The capabilities a domain's flavour declares.
 *
 * | flavour | `asyncSections` | `countsSyncReads` | `crossThread` | `manualGracePeriods` |
 * |---|---|---|---|---|
 * | `loop` | false | false | false | false |
 * | `srcu` | true | false | false | false |
 * | manual | true | true | false | true |
 * | `shared` | false | true | true | false |
 *
 * @example
 * import { createDomain, domainCapabilities } from '@rcu/core'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * domainCapabilities(domain).asyncSections // true: sections may span await
 * @since 0.1.0
 */
export interface FlavorCapabilities {
  /**
   * Read sections may span `await` and turn boundaries: a promise-returning `read(fn)` is held until it
   * settles, and a guard may be held across turns.
   */
  readonly asyncSections: boolean;
  /** Every read section is counted, synchronous `read(fn)` included (a grace period may be driven inside one). */
  readonly countsSyncReads: boolean;
  /** Readers may live on other threads (`worker_threads` attached to the same domain). */
  readonly crossThread: boolean;
  /** Grace periods move only when the caller drives them (`startGracePeriod`/`endGracePeriod`/`advance`). */
  readonly manualGracePeriods: boolean;
}

/** `loop`: synchronous readers on one isolate; a grace period costs one turn. */
export const LOOP_CAPABILITIES: FlavorCapabilities = Object.freeze({
  asyncSections: false,
  countsSyncReads: false,
  crossThread: false,
  manualGracePeriods: false,
});

/** `srcu`: sections may span `await`. */
export const SRCU_CAPABILITIES: FlavorCapabilities = Object.freeze({
  asyncSections: true,
  countsSyncReads: false,
  crossThread: false,
  manualGracePeriods: false,
});

/** The manual test domain: readers may span `await`; every section counts; tests drive grace periods. */
export const MANUAL_CAPABILITIES: FlavorCapabilities = Object.freeze({
  asyncSections: true,
  countsSyncReads: true,
  crossThread: false,
  manualGracePeriods: true,
});

/** `shared`: synchronous sections on any attached thread, counted in a SharedArrayBuffer. */
export const SHARED_CAPABILITIES: FlavorCapabilities = Object.freeze({
  asyncSections: false,
  countsSyncReads: true,
  crossThread: true,
  manualGracePeriods: false,
});

/**
 * The capabilities of `domain`'s flavour. Adapters use it to refuse what a flavour cannot do (for example a
 * read section held for a subscription's lifetime needs `asyncSections`).
 *
 * @throws {RcuError} `INVALID_OPTION` if `domain` was not created by this copy of `@rcu/core`.
 * @example
 * import { createDomain, domainCapabilities } from '@rcu/core'
 *
 * const domain = createDomain() // 'loop'
 * if (!domainCapabilities(domain).asyncSections) {
 *   // keep read sections synchronous on this domain
 * }
 * @since 0.1.0
 */
export function domainCapabilities(domain: RcuDomain): FlavorCapabilities {
  return internalsOf(domain).grace.capabilities;
}
