/**
 * `@rcu/effect`: RCU for Effect 4 — a `Rcu` service over an `@rcu/core` domain, read sections that survive
 * interruption, `Rcu.acquireRelease` whose release waits for a grace period, and `RcuRef`/`RcuMap`,
 * swappable reference-counted resources that never free a value a reader may hold.
 *
 * @since 0.1.0
 */
export { Rcu, type LayerOptions } from "./Rcu.js";
export { RcuError } from "./RcuError.js";
export { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";
export { RcuRef };
import * as RcuMap from "./RcuMap.js";
export { RcuMap };
export { RcuSection } from "./RcuSection.js";
import * as RcuMetrics from "./RcuMetrics.js";
export { RcuMetrics };
