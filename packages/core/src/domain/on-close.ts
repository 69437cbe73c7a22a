import { internalsOf } from "./internals.js";
import type { RcuDomain } from "../types.js";

/**
 * For library authors (pools, adapters): runs `hook` when `domain.close()` begins, before the domain drains
 * its engines, so a pool or layer built on the domain drains with it. Calls made from the hook (and its async
 * continuation, where AsyncLocalStorage exists) count as "from inside" and are accepted while the domain
 * closes. A throwing hook is reported and does not stop the close. Returns a function that removes the hook.
 *
 * @example
 * import { onDomainClose } from '@rcu/core'
 *
 * const unregister = onDomainClose(domain, () => myPool.drain())
 * // later, if the pool is drained on its own:
 * unregister()
 * @since 0.1.0
 */
export function onDomainClose(domain: RcuDomain, hook: () => void | Promise<void>): () => void {
  return internalsOf(domain).addCloseHook(hook);
}
