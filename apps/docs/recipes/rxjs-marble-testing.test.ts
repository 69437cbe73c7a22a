import { expect, test } from "vitest";
import { main } from "./rxjs-marble-testing.js";

test("rxjs-marble-testing: every marble expectation of the recipe holds", () => {
  const { checks, pendingAfter } = main();
  expect(checks).toHaveLength(3);
  for (const c of checks) expect(c.actual).toEqual(c.expected);
  expect(checks.every((c) => c.ok)).toBe(true);
  expect(pendingAfter).toBe(0);
});
