import { expect, test } from "vitest";
import { main } from "./polled-reuse.js";

test("polled-reuse: a buffer is reused only once poll(cookie) says its grace period completed", async () => {
  const r = await main();
  expect(r.sameTurnReused).toBe(false);
  expect(r.laterReused).toBe(true);
  expect(r.created).toBe(2);
  expect(r.reused).toBe(1);
  expect(r.completed).toBe(true);
});
