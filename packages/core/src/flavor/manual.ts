/**
 * The manual flavour: a {@link LocalGrace} in manual mode under a domain, for tests. Grace periods start and
 * end only inside `startGracePeriod`/`endGracePeriod`/`advance`, which run the work that became due
 * synchronously. Exported from `@rcu/core/testing`.
 */
import { DomainImpl } from "../domain/domain-impl.js";
import type { DomainOptions, RcuDomain } from "../types.js";
import { MANUAL_CAPABILITIES } from "./capabilities.js";
import { LocalGrace } from "./local-grace.js";

/**
 * The controls of a manual domain.
 *
 * @example
 * const domain = createManualDomain()
 * domain.defer(() => console.log('after the grace period'))
 * domain.advance() // logs
 * @since 0.1.0
 */
export interface ManualControls {
  /** Flips the reader index (starts a grace period); does nothing while one is in progress. */
  startGracePeriod(): void;
  /** Ends the running grace period unless a reader on the old index blocks it (then `false`). Due work runs inside. */
  endGracePeriod(): boolean;
  /** Starts a grace period if none is running, then tries to end it. */
  advance(): boolean;
}

/**
 * A manual domain: the full {@link RcuDomain} surface plus {@link ManualControls}.
 *
 * @example
 * const domain: ManualDomain = createManualDomain()
 * @since 0.1.0
 */
export type ManualDomain = RcuDomain & ManualControls;

class ManualDomainImpl extends DomainImpl implements ManualControls {
  private readonly core: LocalGrace;
  constructor(options: Omit<DomainOptions, "flavor">) {
    let core!: LocalGrace;
    super(
      {
        flavor: "manual",
        mode: "manual",
        makeGrace: (observer, debug) =>
          (core = new LocalGrace({ mode: "manual", capabilities: MANUAL_CAPABILITIES, observer, debug })),
      },
      options,
    );
    this.core = core;
  }
  startGracePeriod(): void {
    this.core.startGracePeriod();
  }
  endGracePeriod(): boolean {
    return this.core.endGracePeriod();
  }
  advance(): boolean {
    return this.core.advance();
  }
}

/**
 * Creates a manual domain for tests (flavour `'manual'`). Grace periods start and end only inside
 * `startGracePeriod()`, `endGracePeriod()` and `advance()` — never by themselves when the last reader leaves —
 * and the work that becomes due (deferred callbacks, engine processing, `waitFor` resolutions) runs
 * synchronously inside those calls (an engine's `maxPerTurn` caps it per call; the rest runs on the next
 * call). Readers may span `await`. Drives RxJS `TestScheduler.run` and Effect `TestClock` tests.
 *
 * @example
 * import { createManualDomain } from '@rcu/core/testing'
 *
 * const domain = createManualDomain()
 * const guard = domain.readLock()
 * let freed = false
 * domain.defer(() => { freed = true })
 * domain.advance()        // false: the reader blocks the grace period
 * guard.unlock()
 * domain.endGracePeriod() // true; `freed` is now true
 * @since 0.1.0
 */
export function createManualDomain(options: Omit<DomainOptions, "flavor"> = {}): ManualDomain {
  return new ManualDomainImpl(options);
}
