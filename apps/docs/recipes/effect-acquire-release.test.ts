import { expect, test } from "vitest";
import { main } from "./effect-acquire-release.js";

test("effect-acquire-release: the release waits for the reader, and scope close waits for the release", async () => {
  const log = await main();
  expect(log).toEqual(["scope closing; released: false", "reader got 42", "released", "scope closed; released: true"]);
});
