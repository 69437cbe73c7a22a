import { expect, test } from "vitest";
import { main } from "./pending-buffers.js";

test("pending-buffers: one batch, dequeue takes the newest of the oldest batch, the rest processed FIFO", async () => {
  const r = await main();
  expect(r.before).toEqual({ size: 3, pendingBytes: 3 * 4096, batches: 1 });
  expect(r.early).toBe("c");
  expect(r.freeList).toEqual(["a", "b"]);
  expect(r.stats).toMatchObject({ enqueued: 3, processed: 2, dequeued: 1, pending: 0, pendingBytes: 0 });
});
