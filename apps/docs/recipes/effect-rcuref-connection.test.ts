import { expect, test } from "vitest";
import { main } from "./effect-rcuref-connection.js";

test("effect-rcuref-connection: rotation never closes a borrowed connection; it is closed after its borrower", async () => {
  const r = await main();
  expect(r.slow).toBe("#1: select 1");
  expect(r.fresh).toBe("#2: select 2");
  expect(r.log).toEqual([
    "open #1",
    "open #2",
    "rotated; #1 closed: false",
    "close #1",
    "after the slow request; #1 closed: true",
    "close #2", // the ref's own scope closed at the end of the program: the current value is released too
  ]);
});
