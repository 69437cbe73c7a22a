import { RcuError } from "./errors.js";
import { DomainImpl } from "./domain/domain-impl.js";
import { LOOP_CAPABILITIES, SRCU_CAPABILITIES } from "./flavor/capabilities.js";
import { LocalGrace } from "./flavor/local-grace.js";
import type { DomainOptions, RcuDomain } from "./types.js";

/**
 * Creates an RCU domain: readers enter sections with `read(fn)` or `readLock()`; writers wait for a grace
 * period with `synchronize()`, poll one with `startPoll()`/`poll()`, or hand work to it with `defer()` and
 * `retire()`. Domains are independent: a slow reader holds back only its own domain.
 *
 * `flavor: 'loop'` (default) is for synchronous readers and costs one event-loop turn per grace period;
 * `'srcu'` allows sections that span `await`. Worker threads use `@rcu/core/shared`; tests use
 * `createManualDomain()` from `@rcu/core/testing`.
 *
 * @throws {RcuError} `INVALID_OPTION` for options out of range; `UNSUPPORTED_FLAVOR` for `'shared'`.
 * @example
 * import { createDomain } from '@rcu/core'
 *
 * await using domain = createDomain({ flavor: 'srcu' })
 * const guard = domain.readLock()
 * const pending = domain.synchronize() // waits for `guard`
 * guard.unlock()
 * await pending
 * @since 0.1.0
 */
export function createDomain(options: DomainOptions = {}): RcuDomain {
  const flavor = (options as { flavor?: unknown } | undefined)?.flavor ?? "loop";
  if (flavor === "shared") {
    throw new RcuError(
      "UNSUPPORTED_FLAVOR",
      "The 'shared' flavour spans worker threads: import { createSharedDomain } from '@rcu/core/shared' instead.",
    );
  }
  if (flavor !== "loop" && flavor !== "srcu") {
    throw new RcuError(
      "INVALID_OPTION",
      `Unknown flavor ${JSON.stringify(flavor)}: use 'loop' (synchronous readers) or 'srcu' (readers that await).`,
    );
  }
  const capabilities = flavor === "srcu" ? SRCU_CAPABILITIES : LOOP_CAPABILITIES;
  return new DomainImpl(
    {
      flavor,
      mode: "auto",
      makeGrace: (observer, debug) => new LocalGrace({ mode: "auto", capabilities, observer, debug }),
    },
    options,
  );
}
