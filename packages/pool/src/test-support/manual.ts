/** Test helpers: drive a manual domain until a promise settles (close/drain wait for grace periods). */
import type { ManualDomain } from "@rcu/core/testing";

/** Advances `domain` and yields a macrotask at a time until `promise` settles (at most `rounds` times). */
export async function settleWith<T>(domain: ManualDomain, promise: Promise<T>, rounds = 20): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  for (let i = 0; i < rounds && !settled; i += 1) {
    domain.advance();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return tracked;
}

/** Lets queued microtasks and one macrotask run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
