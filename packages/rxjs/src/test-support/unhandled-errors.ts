/**
 * Collects what RxJS reports through `config.onUnhandledError` during each test of the calling `describe` block:
 * a `beforeEach` empties the list and installs the collector, an `afterEach` removes it. Tests assert that
 * nothing (or exactly the expected errors) escaped to RxJS's global handler.
 */
import { config } from "rxjs";
import { afterEach, beforeEach } from "vitest";

/** Registers the hooks and returns the list the current test's unhandled errors land in. */
export function collectUnhandledErrors(): unknown[] {
  const unhandled: unknown[] = [];
  beforeEach(() => {
    unhandled.length = 0;
    config.onUnhandledError = (err) => unhandled.push(err);
  });
  afterEach(() => {
    config.onUnhandledError = null;
  });
  return unhandled;
}
