/**
 * `@rcu/core/testing`: a domain whose grace periods move only when the test says so, and helpers for tests
 * that drive domains.
 */
export { createManualDomain } from "./flavor/manual.js";
export type { ManualControls, ManualDomain } from "./flavor/manual.js";
export { endGracePeriodsEarly, whileHoldingSharedLocks } from "./internal/test-hooks.js";
export { drive } from "./flavor/drive.js";
export type { DriveOptions } from "./flavor/drive.js";
