// The Benchmarks page's reader of bench/results.json, fed the shape bench/src/types.ts (`Results`) writes.
import { describe, expect, it } from "vitest";
import { normalise } from "../docs/.vitepress/bench-normalise.js";

const results = {
  machine: {
    os: "linux 6.1",
    arch: "x64",
    cpu: "AMD EPYC 7B13",
    cores: 2,
    totalmem: 25769803776,
    memoryGiB: 24,
    loadStart: 2.06,
    loadEnd: 3.4,
  },
  node: "v20.20.2",
  date: "2026-11-28T02:00:00.000Z",
  quick: true,
  durationMs: 50_000,
  rows: [
    {
      benchmark: "deferral",
      id: "setImmediate",
      name: "deferral of 1M vs setImmediate",
      unit: "ms",
      ratioKind: "baseline/ours",
      baselineLabel: "setImmediate",
      oursMedian: 20,
      baselineMedian: 800,
      ratio: 40,
      p99s: { ours: 22, baseline: 850, ratio: 38 },
      repetitions: 2,
      goal: { text: "≥ 25×", value: 25, direction: "min" },
      met: true,
      ours: "20 ms",
      baseline: "800 ms",
      spread: { min: 30, q1: 35, q3: 45, max: 50, relative: 0.5, runs: [38, 40, 42], runSpread: 0.1 },
    },
    {
      benchmark: "pool-peers",
      id: "grace-tarn",
      name: "pool loan vs tarn",
      unit: "ns/op",
      ratioKind: "ours/baseline",
      baselineLabel: "tarn 3.1.2",
      oursMedian: 100,
      baselineMedian: 2000,
      ratio: 0.05,
      p99s: { ours: 120, baseline: 2100, ratio: 0.06 },
      repetitions: 2,
      goal: { text: "≤ 0.1×", value: 0.1, direction: "max" },
      met: true,
      ours: "100 ns/op",
      baseline: "2000 ns/op",
      spread: { min: 0.04, q1: 0.04, q3: 0.06, max: 0.06, relative: 0.4 },
      safety: {
        checks: { stale: "stale second release accepted" },
        ours: { stale: 0 },
        baseline: { stale: 2 },
        repetitions: 2,
        text: { ours: "none", baseline: "stale second release accepted (2 in 2 repetitions)" },
      },
    },
    {
      benchmark: "sharing",
      id: "gps",
      name: "1000 synchronize()",
      unit: "GP",
      ratioKind: "ours",
      baselineLabel: null,
      oursMedian: 1,
      baselineMedian: null,
      ratio: 1,
      p99s: { ours: 1, baseline: null, ratio: 1 },
      repetitions: 2,
      goal: { text: "≤ 2 GP", value: 2, direction: "max" },
      met: false,
      ours: "1 GP",
      baseline: "—",
    },
  ],
  failures: [{ benchmark: "pool", error: "boom" }],
};

describe("bench-normalise", () => {
  it("reads the harness's results.json shape", () => {
    const d = normalise(results, "bench/results.json");
    expect(d.machine).toBe("AMD EPYC 7B13, 2 cores, 24 GiB, linux 6.1/x64");
    expect(d.node).toBe("v20.20.2");
    expect(d.quick).toBe(true);
    expect(d.load).toBe("2.1 → 3.4");
    expect(d.failures).toEqual(["pool: boom"]);
    expect(d.rows).toEqual([
      {
        name: "deferral of 1M vs setImmediate",
        ours: "20 ms",
        baseline: "800 ms",
        ratio: 40,
        goal: "≥ 25×",
        bound: 25,
        direction: "min",
        met: true,
        kind: "baseline/ours",
        safety: null,
        spread: 0.1,
      },
      {
        name: "pool loan vs tarn",
        ours: "100 ns/op",
        baseline: "2000 ns/op",
        ratio: 0.05,
        goal: "≤ 0.1×",
        bound: 0.1,
        direction: "max",
        met: true,
        kind: "ours/baseline",
        safety: { ours: "none", baseline: "stale second release accepted (2 in 2 repetitions)" },
        spread: 0.4,
      },
      {
        name: "1000 synchronize()",
        ours: "1 GP",
        baseline: "—",
        ratio: 1,
        goal: "≤ 2 GP",
        bound: 2,
        direction: "max",
        met: false,
        kind: "ours",
        safety: null,
        spread: null,
      },
    ]);
  });

  it("tolerates partial files: goals as text, no machine, unknown fields", () => {
    const d = normalise({ results: [{ name: "x", ratio: "1.5", goal: "≤ 2×" }, { nothing: true }] }, "f");
    expect(d.rows[0]).toMatchObject({ name: "x", ratio: 1.5, bound: 2, direction: "max", met: null });
    expect(d.rows[1]).toMatchObject({ name: "", ratio: null, goal: "", safety: null, spread: null });
    expect(d.machine).toBe("");
    expect(d.failures).toEqual([]);
  });
});
