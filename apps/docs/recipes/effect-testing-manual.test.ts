import { expect, test } from "vitest";
import { main } from "./effect-testing-manual.js";

test("effect-testing-manual: the release happens exactly inside endGracePeriod, after the request left", async () => {
  expect(await main()).toEqual([
    { step: "rotated", log: [] },
    { step: "advance with the request inside", ended: false, log: [] },
    { step: "request done, endGracePeriod", ended: true, log: ["old connection closed"] },
  ]);
});
