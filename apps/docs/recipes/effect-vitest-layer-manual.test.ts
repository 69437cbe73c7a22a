import { expect, test } from "vitest";
import { main } from "./effect-vitest-layer-manual.js";

test("effect-vitest-layer-manual: each test's scope closes by itself, releasing every value once", async () => {
  const r = await main();
  expect(r.results).toEqual(["config v3", "connection"]);
  expect(r.log).toEqual([
    "acquire config v2",
    "acquire config v3",
    "release config v2",
    "release config v3",
    "test 1 done",
    "acquire connection",
    "connection closed",
    "release connection",
    "test 2 done",
    "layer closed",
  ]);
});
