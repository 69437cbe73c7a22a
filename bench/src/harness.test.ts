// Smoke test of the benchmark harness: runs two small real rows in --quick mode in this process and checks the
// shape of what `bench/results.json` receives. Never a speed assertion: only that numbers are finite and the
// goal bookkeeping is consistent.
import { describe, expect, it } from "vitest";
import { markdownTable, textTable } from "./format.js";
import { agree, meets, mergeRuns, runBenchmark, runHarness, select, summarize } from "./harness.js";
import { END, START, replaceBetweenMarkers, readmeBlock } from "./readme-table.js";
import { benchmarks } from "./registry.js";
import { strideOrder } from "./timing.js";
import type { Benchmark, Results } from "./types.js";

describe("bench harness (--quick smoke run)", () => {
  it("runs real rows and produces results.json's shape with finite ratios", async () => {
    const logs: string[] = [];
    const results = await runHarness({ quick: true, only: ["sharing", "srcu-guard"], log: (m) => logs.push(m) });
    const json = JSON.parse(JSON.stringify(results)) as Results;

    expect(json.failures).toEqual([]);
    expect(json.quick).toBe(true);
    expect(json.node).toBe(process.version);
    expect(Number.isNaN(Date.parse(json.date))).toBe(false);
    expect(typeof json.machine.cpu).toBe("string");
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.machine.totalmem).toBeGreaterThan(0);

    expect(json.rows.map((r) => r.benchmark)).toEqual(["srcu-guard", "srcu-guard", "sharing"]);
    for (const row of json.rows) {
      expect(Object.keys(row).sort()).toEqual(
        [
          "baseline",
          "baselineLabel",
          "benchmark",
          "goal",
          "id",
          "met",
          "name",
          "ours",
          "oursMedian",
          "p99s",
          "ratio",
          "ratioKind",
          "repetitions",
          "safety",
          "spread",
          "unit",
          "baselineMedian",
        ].sort(),
      );
      expect(Number.isFinite(row.ratio)).toBe(true);
      expect(Number.isFinite(row.oursMedian)).toBe(true);
      expect(Number.isFinite(row.p99s.ours)).toBe(true);
      expect(row.p99s.ours).toBeGreaterThanOrEqual(row.oursMedian);
      expect(Object.keys(row.goal).sort()).toEqual(["direction", "text", "value"]);
      expect(typeof row.goal.text).toBe("string");
      expect(Number.isFinite(row.goal.value)).toBe(true);
      expect(["max", "min"]).toContain(row.goal.direction);
      expect(row.met).toBe(meets(row.ratio, row.goal));
      expect(row.repetitions).toBe(row.benchmark === "sharing" ? 3 : 5);
      expect(row.safety).toBeNull();
      if (row.ratio !== null) expect(row.spread.min! <= row.ratio && row.ratio <= row.spread.max!).toBe(true);
      if (row.ratioKind === "ours") expect(row.baselineMedian).toBeNull();
      else expect(Number.isFinite(row.baselineMedian)).toBe(true);
    }
    // The sharing row counts grace periods: a whole, positive number.
    const gps = json.rows.find((r) => r.benchmark === "sharing")!;
    expect(Number.isInteger(gps.oursMedian) && gps.oursMedian >= 1).toBe(true);

    const table = textTable(json);
    expect(table).toContain(json.node);
    for (const row of json.rows) expect(table).toContain(row.name);
    expect(logs.some((l) => l.startsWith("sharing:"))).toBe(true);
  });

  it("names the valid benchmarks when --only is wrong", () => {
    expect(() => select(benchmarks, ["nope"])).toThrow(
      /Unknown benchmark nope\. Valid names: read-section, srcu-guard/,
    );
    expect(select(benchmarks, []).length).toBe(benchmarks.length);
  });

  it("summarises per-repetition pairs: medians, p99 = worst of few, median of per-repetition ratios", () => {
    const row = summarize(
      "x",
      { id: "a", name: "a", unit: "ms", ratio: "baseline/ours", goal: { text: "≥ 2×", value: 2, direction: "min" } },
      [
        { ours: 1, baseline: 4 },
        { ours: 2, baseline: 4 },
        { ours: 4, baseline: 4 },
      ],
    );
    expect(row).toMatchObject({ oursMedian: 2, baselineMedian: 4, ratio: 2, met: true });
    expect(row.p99s).toEqual({ ours: 4, baseline: 4, ratio: 4 });
  });

  it("sums each side's safety violations over the repetitions and says which checks failed", () => {
    const spec = {
      id: "p",
      name: "p",
      unit: "ns/op",
      ratio: "ours/baseline" as const,
      goal: { text: "≤ 1×", value: 1, direction: "max" as const },
      safety: { stale: "stale release accepted", relent: "re-lent in use" },
    };
    const row = summarize("x", spec, [
      { ours: 1, baseline: 2, safety: { ours: { stale: 0, relent: 0 }, baseline: { stale: 1, relent: 0 } } },
      { ours: 1, baseline: 2, safety: { ours: { stale: 0, relent: 0 }, baseline: { stale: 1, relent: 1 } } },
    ]);
    expect(row.safety).toMatchObject({
      ours: { stale: 0, relent: 0 },
      baseline: { stale: 2, relent: 1 },
      repetitions: 2,
    });
    expect(row.safety!.text.ours).toBe("none");
    expect(row.safety!.text.baseline).toBe(
      "stale release accepted (2 in 2 repetitions); re-lent in use (1 in 2 repetitions)",
    );
    expect(row.spread).toMatchObject({ min: 0.5, max: 0.5, relative: 0 });
  });

  it("merges --runs: median of the runs' ratios, each run's ratio and their spread, safety added up", () => {
    const spec = {
      id: "p",
      name: "p",
      unit: "ms",
      ratio: "ours/baseline" as const,
      goal: { text: "≤ 1×", value: 1, direction: "max" as const },
      safety: { stale: "stale release accepted" },
    };
    const run = (ours: number, stale: number): ReturnType<typeof summarize>[] => [
      summarize("x", spec, [{ ours, baseline: 10, safety: { ours: { stale: 0 }, baseline: { stale } } }]),
    ];
    const [merged] = mergeRuns([run(8, 1), run(10, 0), run(12, 1)]);
    expect(merged!.ratio).toBeCloseTo(1);
    expect(merged!.met).toBe(true);
    expect(merged!.spread.runs).toEqual([0.8, 1, 1.2]);
    expect(merged!.spread.runSpread).toBeCloseTo(0.4);
    expect(merged!.repetitions).toBe(3);
    expect(merged!.safety).toMatchObject({ baseline: { stale: 2 }, repetitions: 3 });
  });

  it("a row shown for information (no bound) stays met after --runs merges results read back from JSON", () => {
    const spec = {
      id: "floor",
      name: "floor",
      unit: "ns/read",
      ratio: "ours" as const,
      goal: { text: "(shown)", value: Infinity, direction: "max" as const },
    };
    const run = (ours: number): ReturnType<typeof summarize>[] =>
      // what `--runs` reads back: JSON turns the goal's Infinity into null
      JSON.parse(JSON.stringify([summarize("x", spec, [{ ours, baseline: 0 }])])) as ReturnType<typeof summarize>[];
    const [merged] = mergeRuns([run(400), run(600), run(500)]);
    expect(merged!.goal.value).toBeNull();
    expect(merged!.met).toBe(true);
    expect(meets(5, { text: "≤ 1×", value: 1, direction: "max" })).toBe(false);
  });

  it("steadyWarmup: warms up until two repetitions agree within 10 %, then measures; `last` marks the final one", async () => {
    const ratios = [3, 2, 1.5, 1.04, 1, 1, 1, 1, 1]; // settles after the 5th repetition
    const seen: Array<{ warmup: boolean; last: boolean }> = [];
    const bench: Benchmark = {
      name: "fake",
      title: "fake",
      repetitions: { full: 3, quick: 1 },
      warmup: { full: 1, quick: 1 },
      steadyWarmup: 10,
      rows: [
        { id: "r", name: "r", unit: "ms", ratio: "ours/baseline", goal: { text: "≤ 1×", value: 1, direction: "max" } },
      ],
      run(ctx) {
        seen.push({ warmup: ctx.warmup, last: ctx.last });
        return { r: { ours: ratios[ctx.repetition]!, baseline: 1 } };
      },
    };
    const [row] = await runBenchmark(bench, { quick: false, log: () => undefined });
    expect(seen.map((s) => s.warmup)).toEqual([true, true, true, true, true, false, false, false]);
    expect(seen.map((s) => s.last)).toEqual([false, false, false, false, false, false, false, true]);
    expect(row!.ratio).toBe(1);
    expect(row!.repetitions).toBe(3);
    const spec = bench.rows;
    expect(agree(spec, { r: { ours: 1.05, baseline: 1 } }, { r: { ours: 1, baseline: 1 } }, 0.1)).toBe(true);
    expect(agree(spec, { r: { ours: 1.2, baseline: 1 } }, { r: { ours: 1, baseline: 1 } }, 0.1)).toBe(false);
  });

  it("strideOrder: a permutation for every repetition, and no workload always follows the same one", () => {
    for (let n = 1; n <= 9; n++) {
      const before = new Map<number, Set<number>>();
      for (let r = 0; r < 24; r++) {
        const order = strideOrder(n, r);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        for (let j = 1; j < n; j++) {
          const set = before.get(order[j]!) ?? new Set<number>();
          set.add(order[j - 1]!);
          before.set(order[j]!, set);
        }
      }
      // a rotation would give each workload one predecessor; strides give at least two from n = 3 on
      if (n >= 3) for (const set of before.values()) expect(set.size).toBeGreaterThanOrEqual(2);
    }
    expect(strideOrder(4, 0)).toEqual([0, 1, 2, 3]);
    expect(strideOrder(4, 1)).toEqual([1, 0, 3, 2]); // start 1, stride 3
    expect(strideOrder(0, 5)).toEqual([]);
  });

  it("replaces only the text between the README markers", () => {
    const results: Results = {
      machine: {
        os: "Linux",
        arch: "x64",
        cpu: "CPU",
        cores: 2,
        totalmem: 2 ** 30,
        memoryGiB: 1,
        loadStart: 0,
        loadEnd: 0,
      },
      node: "v20.0.0",
      date: "2026-01-01T00:00:00.000Z",
      quick: false,
      durationMs: 1,
      rows: [
        summarize(
          "b",
          { id: "r", name: "r | pipe", unit: "GP", ratio: "ours", goal: { text: "≤ 2", value: 2, direction: "max" } },
          [{ ours: 3 }],
        ),
      ],
      failures: [],
    };
    const readme = `# T\n\nbefore\n${START}\nold table\n${END}\nafter\n`;
    const out = replaceBetweenMarkers(readme, readmeBlock(results));
    expect(out.startsWith(`# T\n\nbefore\n${START}\n`)).toBe(true);
    expect(out.endsWith(`${END}\nafter\n`)).toBe(true);
    expect(out).not.toContain("old table");
    expect(out).toContain("| r \\| pipe | 3 GP | — | 3 GP | ≤ 2 | ❌ missed |");
    expect(markdownTable(results)).toContain("CPU, 2 cores, 1 GiB");
    expect(() => replaceBetweenMarkers("no markers", "x")).toThrow(/bench:start/);
  });
});
