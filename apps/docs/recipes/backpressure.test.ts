import { expect, test } from "vitest";
import { main } from "./backpressure.js";

test("backpressure: producers awaiting ready() keep the pending set near the high-water mark", async () => {
  const r = await main();
  expect(r.processed).toBe(r.total);
  expect(r.peak).toBeGreaterThan(100);
  expect(r.peak).toBeLessThanOrEqual(200);
  expect(r.pressureEvents).toBeGreaterThanOrEqual(1);
  expect(r.firstPressureAt).toBe(101);
});
