import { expect, test } from "vitest";
import { main } from "./effect-rcuref-refresh-changes.js";

test("effect-rcuref-refresh-changes: each refresh is published to changes; old versions released once", async () => {
  const r = await main();
  expect(r.current).toBe(3);
  expect(r.log.filter((l) => l.startsWith("now serving"))).toEqual([
    "now serving v1",
    "now serving v2",
    "now serving v3",
  ]);
  expect(r.log.filter((l) => l.startsWith("released"))).toEqual(["released v1", "released v2", "released v3"]);
});
