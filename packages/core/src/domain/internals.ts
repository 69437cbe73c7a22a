/**
 * What engines, cells and adapters need from a domain beyond its public surface. Looked up through a
 * WeakMap keyed by the public `RcuDomain` object, so internals never appear on the public type and a domain
 * from another copy of `@rcu/core` is detected (and refused with a clear message) instead of silently
 * splitting grace periods.
 */
import { RcuError } from "../errors.js";
import type { RcuDomain } from "../types.js";
import type { Grace } from "../flavor/grace-source.js";

/** A drainable unit owned by a domain (engines, pools, layers). */
export interface Drainable {
  hasPending(): boolean;
  drainInternal(): Promise<void>;
}

export interface DomainInternals {
  readonly name: string;
  readonly debug: boolean;
  readonly grace: Grace;
  /** Reports a failure: counts it, publishes `rcu:error`, calls `onError`. */
  report(err: unknown, context: string): void;
  /** Marks the start/end of a synchronous run of one of the domain's callbacks ("from inside"). */
  enter(): void;
  exit(): void;
  /** Whether the current call comes from inside one of the domain's callbacks. */
  isInside(): boolean;
  /** Whether the domain refuses work from outside (closing or closed). */
  isClosing(): boolean;
  /** The misuse error for a waiting call (`flush`, `drain`, ...) made here and now, if any. */
  misuse(what: string): RcuError | undefined;
  registerEngine(engine: Drainable): () => void;
  addCloseHook(hook: () => void | Promise<void>): () => void;
}

const registry = new WeakMap<object, DomainInternals>();

export function setInternals(domain: RcuDomain, internals: DomainInternals): void {
  registry.set(domain, internals);
}

export function internalsOf(domain: RcuDomain): DomainInternals {
  const internals = registry.get(domain);
  if (internals === undefined) {
    throw new RcuError(
      "INVALID_OPTION",
      "This is not a domain created by this copy of @rcu/core. Create it with createDomain()/createManualDomain() " +
        "from the same @rcu/core your other packages use (adapters take @rcu/core as a peer dependency).",
    );
  }
  return internals;
}
