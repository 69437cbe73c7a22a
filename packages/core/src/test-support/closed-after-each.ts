/**
 * Test helper: wraps a factory so that everything it made during a test is closed after that test (in creation
 * order), whatever the test did. Shared by the core and pool suites that create shared domains per test.
 */
import { afterEach } from "vitest";

/**
 * Returns `factory` wrapped: each object it makes is closed by an `afterEach` registered in the calling suite.
 *
 * @example
 * const make = closedAfterEach((maxThreads: number) => createSharedDomain({ maxThreads }))
 * it('…', () => { const domain = make(2) })
 */
export function closedAfterEach<A extends unknown[], T extends { close(): Promise<unknown> }>(
  factory: (...args: A) => T,
): (...args: A) => T {
  const made: T[] = [];
  afterEach(async () => {
    for (const x of made.splice(0)) await x.close();
  });
  return (...args) => {
    const x = factory(...args);
    made.push(x);
    return x;
  };
}
