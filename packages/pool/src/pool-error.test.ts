import { describe, expect, it } from "vitest";
import { isPoolError, PoolError } from "./pool-error.js";

describe("PoolError", () => {
  it("is an Error with a stable code, a name and an optional cause", () => {
    const cause = new Error("root");
    const err = new PoolError("CREATE_FAILED", "create() threw", { cause });
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.code, err.message, err.cause]).toEqual([
      "PoolError",
      "CREATE_FAILED",
      "create() threw",
      cause,
    ]);
    expect(String(err)).toBe("PoolError: create() threw");
  });

  it("isPoolError narrows by class and, optionally, by code", () => {
    const err = new PoolError("EXHAUSTED", "full");
    expect(isPoolError(err)).toBe(true);
    expect(isPoolError(err, "EXHAUSTED")).toBe(true);
    expect(isPoolError(err, "CLOSED")).toBe(false);
    expect(isPoolError(new Error("EXHAUSTED"))).toBe(false);
    expect(isPoolError({ code: "EXHAUSTED" })).toBe(false);
  });
});
