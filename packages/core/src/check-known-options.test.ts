import { describe, expect, it } from "vitest";
import { checkKnownOptions, isRcuError, RcuError } from "./index.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("checkKnownOptions", () => {
  it("returns the options object itself when every key is known, and {} for undefined", () => {
    const options = { retries: 3 };
    expect(checkKnownOptions("f", options, ["retries", "signal"])).toBe(options);
    expect(checkKnownOptions("f", undefined, ["retries"])).toEqual({});
  });

  it("refuses undefined when not optional, and null, numbers, strings and arrays always", () => {
    for (const bad of [null, 1, "x", [], () => {}]) {
      const err = thrown(() => checkKnownOptions("f", bad, ["a"]));
      expect(isRcuError(err, "INVALID_OPTION")).toBe(true);
      expect((err as Error).message).toMatch(/^f: options must be an object or omitted, got /);
    }
    const err = thrown(() => checkKnownOptions("f", undefined, ["a"], { optional: false }));
    expect((err as Error).message).toBe("f: options must be an object, got undefined.");
  });

  it("names an unknown key, suggests the closest known one and lists them all", () => {
    expect((thrown(() => checkKnownOptions("f", { retris: 1 }, ["retries", "signal"])) as Error).message).toBe(
      'f: unknown option "retris" (did you mean `retries`?). Known options: retries, signal.',
    );
    expect((thrown(() => checkKnownOptions("f", { SIGNAL: 1 }, ["retries", "signal"])) as Error).message).toContain(
      "(did you mean `signal`?)",
    );
    expect((thrown(() => checkKnownOptions("f", { zzzzzzzz: 1 }, ["retries"])) as Error).message).toBe(
      'f: unknown option "zzzzzzzz". Known options: retries.',
    );
  });

  it("ignores symbol keys", () => {
    expect(() => checkKnownOptions("f", { [Symbol("x")]: 1 }, ["a"])).not.toThrow();
  });

  it("turns a revoked proxy into INVALID_OPTION with the thrown value as cause", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const err = thrown(() => checkKnownOptions("f", proxy, ["a"]));
    expect(isRcuError(err, "INVALID_OPTION")).toBe(true);
    expect((err as Error).message).toMatch(
      /^f: the options object cannot be read \(TypeError: .*\)\. Pass a plain object\.$/,
    );
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });

  it("throws what settings.error builds", () => {
    class MyError extends Error {}
    const err = thrown(() => checkKnownOptions("f", { b: 1 }, ["a"], { error: (message) => new MyError(message) }));
    expect(err).toBeInstanceOf(MyError);
    expect(err).not.toBeInstanceOf(RcuError);
    expect((err as Error).message).toContain('unknown option "b"');
  });
});
