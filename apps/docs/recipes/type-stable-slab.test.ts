import { expect, test } from "vitest";
import { main } from "./type-stable-slab.js";

test("type-stable-slab: a record recycled mid-read is detected by the generation re-check", async () => {
  const r = await main();
  expect(r.plain).toBe("ada");
  expect(r.raced).toBeUndefined(); // the reader did not return "grace" as s1's user
  expect(r.sameObject).toBe(true); // the record was reused before its grace period
  expect(r.created).toBe(1);
  expect(r.reusedEarly).toBe(1);
  expect(r.s2User).toBe("grace");
});
