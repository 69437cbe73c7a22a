/**
 * A deliberate fault for self-tests: when `endGracePeriodsEarly` is set, every grace-period source of this
 * thread (local and shared) ends grace periods without waiting for the readers on the old index. A torture run
 * flips it to prove that it detects a reader seeing freed data. Reached through `endGracePeriodsEarly()` in
 * `@rcu/core/testing`; never set outside tests.
 */
export const graceTestHooks = { endGracePeriodsEarly: false };

/**
 * Test-only fault injection: while on, every grace period in this thread (local and `shared` domains) ends
 * without waiting for the readers that entered before it — a deliberate RCU bug. A torture or stress test
 * turns it on to prove that it detects a reader seeing reclaimed data. Never turn it on outside such tests.
 *
 * @example
 * import { endGracePeriodsEarly } from '@rcu/core/testing'
 *
 * endGracePeriodsEarly(true)
 * try {
 *   // run the stress test: it must now report violations
 * } finally {
 *   endGracePeriodsEarly(false)
 * }
 * @since 0.1.0
 */
export function endGracePeriodsEarly(on: boolean): void {
  graceTestHooks.endGracePeriodsEarly = on;
}

/** Called inside every shared spinlock right after it is taken (`undefined`: nothing); see {@link whileHoldingSharedLocks}. */
export const sharedLockTestHooks: { insideLock: (() => void) | undefined } = { insideLock: undefined };

/**
 * Test-only fault injection: `hook` runs inside every shared spinlock this thread takes (the struct pool's free
 * list, the shared pending ring, `createSharedLock`), right after taking it and before the guarded work — so a
 * test can linger or park a worker there and terminate it while it holds the lock. `undefined` removes it.
 * Never set it outside such tests.
 *
 * @example
 * import { whileHoldingSharedLocks } from '@rcu/core/testing'
 *
 * // in a worker: park inside the first lock taken, then let the parent terminate this thread
 * whileHoldingSharedLocks(() => {
 *   parentPort.postMessage('inside')
 *   for (;;) Atomics.wait(parkWord, 0, 0)
 * })
 * @since 0.1.0
 */
export function whileHoldingSharedLocks(hook: (() => void) | undefined): void {
  sharedLockTestHooks.insideLock = hook;
}
