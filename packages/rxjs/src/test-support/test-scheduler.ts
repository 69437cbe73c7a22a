/**
 * Test helpers: a `TestScheduler` that asserts with vitest, and `at(scheduler, frame, fn)` to run domain steps
 * (`advance()`, `readLock()`, …) at an exact virtual frame inside `scheduler.run`.
 */
import { TestScheduler } from "rxjs/testing";
import { expect } from "vitest";

/** A `TestScheduler` whose deep-equality check is vitest's `toEqual`. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

/** Runs `fn` at virtual `frame` (call inside `scheduler.run`; same-frame work runs in scheduling order). */
export function at(scheduler: TestScheduler, frame: number, fn: () => void): void {
  scheduler.schedule(fn, frame);
}
