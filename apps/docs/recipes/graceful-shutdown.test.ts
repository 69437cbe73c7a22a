import { expect, test } from "vitest";
import { main } from "./graceful-shutdown.js";

test("graceful-shutdown: close drains everything, including children retired from inside, then refuses work", async () => {
  const r = await main();
  expect(r.code).toBe(0);
  expect([...r.log].sort()).toEqual(["close a", "close a/session-1", "close b", "close b/session-2", "flush metrics"]);
  // a child is closed after its parent retired it
  expect(r.log.indexOf("close a/session-1")).toBeGreaterThan(r.log.indexOf("close a"));
  expect(r.refused).toBe("CLOSED");
  expect(r.readAfterClose).toBe("b");
  expect(r.pendingAfterClose).toBe(0);
});
