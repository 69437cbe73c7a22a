import { expect, test } from "vitest";
import { isRcuError } from "@rcu/core";
import { main } from "./diagnostics.js";

test("diagnostics: every channel reports what happened", async () => {
  const { counts, reported } = await main();
  expect(counts["rcu:gp:start"]).toBeGreaterThanOrEqual(1);
  expect(counts["rcu:gp:end"]).toBeGreaterThanOrEqual(1);
  expect(counts["rcu:error"]).toBeGreaterThanOrEqual(1);
  expect(counts["rcu:pressure"]).toBe(1);
  expect(counts["rcu:stall"]).toBeGreaterThanOrEqual(1);
  // the same failures reach onError, with a code
  expect(reported.some((e) => isRcuError(e, "CALLBACK_FAILED"))).toBe(true);
  expect(reported.some((e) => isRcuError(e, "STALL"))).toBe(true);
});
