/**
 * The command line and the report format: flags (with the `--` that `pnpm torture -- …` passes), clear errors,
 * one check per invariant per flavour, and the final plain `N passed, N failed` line.
 */
import { describe, expect, it } from "vitest";
import { emptyStats } from "./flavor-stats.js";
import { parseTortureArgs } from "./parse-torture-args.js";
import { checksOf, formatReport } from "./torture-report.js";

describe("parseTortureArgs", () => {
  it("reads --seconds, --flavor, --self-test and ignores a bare --", () => {
    expect(parseTortureArgs(["--", "--seconds", "5", "--flavor", "srcu"])).toEqual({
      help: false,
      settings: { seconds: 5, flavors: ["srcu"], selfTest: false, workers: 4 },
    });
    const all = parseTortureArgs(["--self-test"]);
    expect(all.help === false && all.settings).toMatchObject({
      flavors: ["loop", "srcu", "shared"],
      selfTest: true,
      seconds: 30,
    });
    expect(parseTortureArgs(["--help"])).toEqual({ help: true });
  });

  it("rejects bad values with a message saying what to pass", () => {
    expect(() => parseTortureArgs(["--flavor", "rcu"])).toThrow(/--flavor must be loop, srcu, shared or all/);
    expect(() => parseTortureArgs(["--seconds", "0"])).toThrow(/--seconds must be/);
    expect(() => parseTortureArgs(["--workers", "2"])).toThrow(/--workers must be an integer in 4\.\.64/);
    expect(() => parseTortureArgs(["--bogus"])).toThrow();
  });
});

describe("report", () => {
  it("one check per invariant; any violation, loss or unreported fault fails its check; ends with N passed, N failed", () => {
    const good = { ...emptyStats(), reads: 10, updates: 5, gracePeriods: 3 };
    expect(checksOf("srcu", good, false).every((c) => c.ok)).toBe(true);
    const bad = emptyStats();
    bad.maxPipe = 2;
    bad.violations.pipe = 1;
    bad.lost.engine = 1;
    bad.faultsInjected = 1;
    const names = checksOf("loop", bad, false)
      .filter((c) => !c.ok)
      .map((c) => c.name);
    expect(names).toEqual([
      "pipe count never above 1",
      "nothing lost or handled twice",
      "every injected fault reported, nothing else",
      "made progress and stopped",
    ]);
    expect(checksOf("shared", good, false)).toHaveLength(8);
    const text = formatReport(new Map([["loop", bad]]), checksOf("loop", bad, false), false, 1);
    expect(text.endsWith("2 passed, 4 failed\n")).toBe(true);
  });

  it("the self-test passes only where violations were reported, and says that exit 0 is the expected outcome", () => {
    const none = emptyStats();
    const some = emptyStats();
    some.violations.reclaimed = 3;
    expect(checksOf("srcu", none, true)[0]!.ok).toBe(false);
    expect(checksOf("srcu", some, true)[0]!.ok).toBe(true);
    const text = formatReport(new Map([["srcu", some]]), checksOf("srcu", some, true), true, 1);
    expect(text).toMatch(/REPORTED as expected.*exiting 0 because that is the expected outcome/);
    expect(text.endsWith("1 passed, 0 failed\n")).toBe(true);
  });
});
