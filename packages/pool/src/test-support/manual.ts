/** Test helpers of the pool's suites: `drive` a manual domain (from `@rcu/core/testing`) and one-turn `tick`. */
export { drive } from "@rcu/core/testing";

/** Lets queued microtasks and one macrotask run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
