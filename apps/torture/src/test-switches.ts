/**
 * The test-only switches the self-test flips: they make grace periods end without waiting for readers (in
 * `loop`/`srcu` domains and in `shared` domains). They are not reachable from any `@rcu/core` entry point; this
 * file imports them by path from core's build output, which resolves to the same module instances that
 * `@rcu/core` itself loaded (the workspace link points at packages/core).
 */
import { graceTestHooks } from "../../../packages/core/dist/internal/grace-core.js";
import { sharedTestHooks } from "../../../packages/core/dist/internal/shared-grace.js";

/**
 * Turns early grace-period ends on or off for every domain in this thread.
 *
 * @example
 * endGracePeriodsEarly(true) // the self-test: the torture must now report violations
 */
export function endGracePeriodsEarly(on: boolean): void {
  graceTestHooks.endGracePeriodsEarly = on;
  sharedTestHooks.endGracePeriodsEarly = on;
}
