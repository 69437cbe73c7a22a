/**
 * A guard for test files that feed hostile values to the library: every test of the file must end with nothing
 * escaped as an uncaught exception or an unhandled rejection. A `beforeEach` installs `process` listeners that
 * collect both; an `afterEach` lets one macrotask run (so a rejection noticed late still lands), removes them and
 * asserts the list is empty. Shared by the hostile-values tests of `@rcu/core` and `@rcu/pool`.
 */
import { afterEach, beforeEach, expect } from "vitest";

/** Registers the hooks in the calling scope (file or `describe` block). */
export function expectNoEscapes(): void {
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => {
    escaped.push(err);
  };
  beforeEach(() => {
    escaped.length = 0;
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
  });
  afterEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    expect(escaped).toEqual([]);
  });
}
