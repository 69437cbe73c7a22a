import { expect, test } from "vitest";
import { main } from "./misuse-errors.js";

test("misuse-errors: each misuse has its code and its channel", async () => {
  const r = await main();
  expect(r.thrown).toEqual({
    unlockTwice: "UNLOCK_TWICE",
    foreignCookie: "INVALID_COOKIE",
    badOption: "INVALID_OPTION",
    sharedFlavor: "UNSUPPORTED_FLAVOR",
    selfDeadlock: "SELF_DEADLOCK",
    afterClose: "CLOSED",
  });
  expect(r.reported).toContain("CALLBACK_FAILED");
  expect(r.ran).toEqual(["first", "third"]);
});
