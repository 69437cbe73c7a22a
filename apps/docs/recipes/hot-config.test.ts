import { expect, test } from "vitest";
import { main } from "./hot-config.js";

test("hot-config: a request keeps its snapshot; the old config is disposed only after it", async () => {
  const r = await main();
  expect(r.slowResult).toEqual({ version: 1, disposedWhileInUse: false });
  expect(r.v1DisposedDuringRequest).toBe(false);
  expect(r.v1DisposedAfter).toBe(true);
  expect(r.freshVersion).toBe(2);
});
