import { expect, test } from "vitest";
import { main } from "./shared-workers.js";

test("shared-workers: worker readers never see their record reclaimed while the main thread recycles records", async () => {
  const r = await main({ workers: 2, ms: 300 });
  expect(r.exitCodes).toEqual([0, 0]);
  expect(r.workersReported).toBe(2);
  expect(r.reads).toBeGreaterThan(0);
  expect(r.updates).toBeGreaterThan(0);
  expect(r.violations).toBe(0);
}, 20_000);
