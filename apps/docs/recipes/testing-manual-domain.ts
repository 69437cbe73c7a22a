/**
 * Recipe: testing your code with the manual domain.
 *
 * Code under test takes an `RcuDomain` as a parameter. In production it gets `createDomain()`; in tests it gets
 * `createManualDomain()` from `@rcu/core/testing`, whose grace periods start and end only when the test says so.
 * Work that becomes due runs synchronously inside `advance()` / `endGracePeriod()`, so the test can assert the
 * exact moment something is disposed — no timers, no sleeps, no flakiness.
 */
import type { RcuDomain } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";

/** The code under test: a cache whose evicted entries are closed only after readers are done with them. */
export class SessionCache {
  private readonly entries = new Map<string, { user: string; closed: boolean }>();
  constructor(private readonly domain: RcuDomain) {}
  put(key: string, user: string) {
    this.entries.set(key, { user, closed: false });
  }
  /** Readers hold the entry for as long as their section lasts. */
  get(key: string) {
    return this.entries.get(key);
  }
  evict(key: string) {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.domain.defer(() => {
      entry.closed = true;
    });
  }
}

/** The test, step by step. In a vitest file each `steps.push` would be an `expect`. */
export function main() {
  const domain = createManualDomain();
  const cache = new SessionCache(domain);
  cache.put("s1", "ada");
  const steps: { step: string; ended?: boolean; closed: boolean | undefined }[] = [];

  const guard = domain.readLock(); // a request is reading s1
  const held = cache.get("s1");
  cache.evict("s1");
  steps.push({ step: "evicted while a reader holds it", closed: held?.closed });

  const ended1 = domain.advance(); // flips, but the old reader blocks the end
  steps.push({ step: "advance() with the reader inside", ended: ended1, closed: held?.closed });

  guard.unlock(); // the reader leaves; a manual grace period never ends by itself
  steps.push({ step: "reader left, nothing advanced yet", closed: held?.closed });

  const ended2 = domain.endGracePeriod(); // ends it; the deferred close runs inside this call
  steps.push({ step: "endGracePeriod()", ended: ended2, closed: held?.closed });
  return { steps, stats: domain.stats() };
}
