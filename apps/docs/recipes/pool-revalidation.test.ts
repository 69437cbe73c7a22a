import { expect, test } from "vitest";
import { main } from "./pool-revalidation.js";

test("pool-revalidation: a reader detects a record recycled under it and retries", async () => {
  const r = await main();
  expect(r.quiet).toEqual({ upstream: "10.0.0.1", retries: 0 });
  // the first read saw the old upstream; the re-check failed, so the reader retried and got the current one
  expect(r.raced).toEqual({ upstream: "10.0.0.3", retries: 1 });
  expect(r.reusedFromPending).toBeGreaterThanOrEqual(1);
  expect(r.created).toBe(3);
});
