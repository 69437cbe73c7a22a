/**
 * Argument check shared by the operators: fail at the call site, with a code, when something that is not an
 * `RcuDomain` is passed (a plain object, `undefined` from a missing import), instead of a `TypeError` at the first
 * grace period.
 */
import type { RcuDomain } from "@rcu/core";
import { RcuError } from "@rcu/core";

/**
 * Throws `RcuError('INVALID_OPTION')` naming `where` unless `domain` looks like an {@link RcuDomain}.
 *
 * @example
 * assertDomain(domain, 'retirePrevious(domain)')
 * @internal
 */
export function assertDomain(domain: unknown, where: string): asserts domain is RcuDomain {
  let looksLikeDomain = false;
  try {
    const d = domain as Partial<RcuDomain> | null | undefined;
    looksLikeDomain =
      d !== null &&
      typeof d === "object" &&
      typeof d.defer === "function" &&
      typeof d.startPoll === "function" &&
      typeof d.poll === "function" &&
      typeof d.readLock === "function";
  } catch {
    // A revoked proxy or a throwing getter: not a domain.
  }
  if (!looksLikeDomain) {
    throw new RcuError(
      "INVALID_OPTION",
      `${where}: expected an RcuDomain (createDomain() from '@rcu/core', or createManualDomain() in tests), got ${
        domain === null ? "null" : typeof domain
      }.`,
    );
  }
}
