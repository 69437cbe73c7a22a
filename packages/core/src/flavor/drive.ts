/**
 * `drive(domain, promise)`: the test loop "advance the manual domain, let one turn run, repeat until the promise
 * settles". Closing and draining wait for grace periods, which a manual domain starts and ends only inside its
 * controls, so a test that awaits them must drive the domain meanwhile.
 */
import type { ManualControls } from "./manual.js";
import { scheduleTurn } from "../internal/turn.js";

/**
 * Options of {@link drive}.
 *
 * @example
 * await drive(domain, pool.drain(), { rounds: 50 })
 * @since 0.1.0
 */
export interface DriveOptions {
  /** Steps (one `advance()` and one turn each) before `drive` stops stepping. Default 20. */
  readonly rounds?: number;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => scheduleTurn(resolve));
}

/**
 * Drives a manual domain until `promise` settles: each step calls `domain.advance()` (starting and ending a
 * grace period, which runs the work that became due) and then lets one event-loop turn run. Returns `promise`
 * (resolved or rejected as it settled). If it is still pending after `rounds` steps, stepping stops and the
 * returned promise keeps waiting for it (the test's own timeout then reports the hang).
 *
 * @example
 * import { createManualDomain, drive } from '@rcu/core/testing'
 *
 * const domain = createManualDomain()
 * domain.defer(() => console.log('deferred work ran'))
 * await drive(domain, domain.close()) // close() waits for a grace period: drive advances it
 * @since 0.1.0
 */
export async function drive<T>(domain: ManualControls, promise: Promise<T>, options: DriveOptions = {}): Promise<T> {
  const rounds = options.rounds ?? 20;
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  for (let i = 0; i < rounds && !settled; i += 1) {
    domain.advance();
    await nextTurn();
  }
  return tracked;
}
