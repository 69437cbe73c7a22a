import { expect, test } from "vitest";
import { main } from "./pool-struct-workers.js";

test("pool-struct-workers: 8 records serve many updates; workers never read a record being reused", async () => {
  const r = await main({ workers: 2, ms: 300 });
  expect(r.exitCodes).toEqual([0, 0]);
  expect(r.reads).toBeGreaterThan(0);
  expect(r.updates).toBeGreaterThan(8); // more updates than records: records were recycled
  expect(r.reusedFromPending).toBeGreaterThan(0);
  expect(r.torn).toBe(0);
}, 20_000);
