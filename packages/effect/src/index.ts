/**
 * `@rcu/effect`: RCU for Effect 4 — a `Rcu` service over an `@rcu/core` domain, read sections that survive
 * interruption, `Rcu.acquireRelease` whose release waits for a grace period, and `RcuRef`, a swappable
 * reference-counted resource that never frees a value a reader may hold.
 *
 * @since 0.1.0
 */
export { Rcu, type LayerOptions } from "./Rcu.js";
export { RcuError } from "./RcuError.js";
export { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
export { RcuRef };
