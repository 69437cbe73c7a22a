import { expect, test } from "vitest";
import { main } from "./effect-deref-structured.js";

test("effect-deref-structured: deref stays valid through a swap inside the section; a child's wait fails fast", async () => {
  const r = await main();
  expect(r.seen).toEqual([
    { request: 1, version: 1, released: false },
    { request: 2, version: 1, released: false },
    { request: 3, version: 2, released: false }, // started after the reload
  ]);
  expect(r.childWait).toBe("SELF_DEADLOCK");
  expect(r.current).toBe(2);
  expect(r.log).toEqual(["section ended", "config v1 released", "config v2 released"]);
});
