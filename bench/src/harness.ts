/**
 * The harness: runs benchmarks from the registry with warm-up and repetitions, summarises each row (medians,
 * p99s, the median of per-repetition ratios, goal met or missed) and assembles the results.
 *
 * How a run works: every selected benchmark runs in its own child process (`isolate`, the default of the CLI)
 * so that JIT feedback, heap state and leftover timers of one benchmark never colour another; the child runs
 * `runBenchmark` and sends its rows back over IPC. Inside, each repetition calls the benchmark's `run` once;
 * `run` measures ours and the baseline back to back (alternating which goes first), so the per-repetition
 * ratio cancels slow drifts of machine load, and the reported ratio is the median of those ratios.
 */
import { fork } from "node:child_process";
import { describeMachine } from "./machine.js";
import { fmt, withUnit } from "./format.js";
import { benchmarks as registry } from "./registry.js";
import { median, percentile } from "./stats.js";
import type { Benchmark, Pair, Results, RowResult, RowSpec, RunContext, SafetyCounts, Sample } from "./types.js";

const gcFn = (globalThis as { gc?: () => void }).gc;

export interface HarnessOptions {
  readonly quick: boolean;
  /** Benchmark names to run (default: all). */
  readonly only?: readonly string[] | undefined;
  /** Run each benchmark in a child process of `entry` (the compiled main.js). */
  readonly isolate?: boolean;
  /** The compiled CLI entry, for `isolate`. */
  readonly entry?: string;
  /** Default: the registry. */
  readonly benchmarks?: readonly Benchmark[];
  /**
   * Whole runs to do (default 1). With more, every selected benchmark runs once per run (each run a fresh
   * child process, runs interleaved benchmark by benchmark) and the rows report the median of the runs'
   * ratios with each run's ratio and their spread (see `RowResult.spread`).
   */
  readonly runs?: number;
  /** Progress output (default: stderr). */
  readonly log?: (message: string) => void;
}

const defaultLog = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** The benchmarks `only` selects (all when empty); throws naming the valid names for an unknown one. */
export function select(all: readonly Benchmark[], only: readonly string[] | undefined): Benchmark[] {
  if (only === undefined || only.length === 0) return [...all];
  const unknown = only.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0) {
    throw new Error(`Unknown benchmark ${unknown.join(", ")}. Valid names: ${all.map((b) => b.name).join(", ")}.`);
  }
  return all.filter((b) => only.includes(b.name));
}

/** Runs one benchmark in this process: warm-up, then the measured repetitions; returns its rows. */
export async function runBenchmark(
  bench: Benchmark,
  options: { readonly quick: boolean; readonly log?: (message: string) => void },
): Promise<RowResult[]> {
  const log = options.log ?? defaultLog;
  const quick = options.quick;
  const reps = pick(bench.repetitions, quick, 7, 2);
  const warm = pick(bench.warmup, quick, 1, 1);
  const extra = quick ? 0 : (bench.steadyWarmup ?? 0);
  const pairs = new Map<string, Pair[]>(bench.rows.map((r) => [r.id, []]));
  let previous: Sample | undefined;
  let warmed = 0; // warm-up repetitions done
  let steady = false;
  for (let i = 0, measured = 0; measured < reps; i++) {
    // Warm-up: the fixed count, then (steadyWarmup) more until two in a row agree on every ratio within 10 %.
    const warmup = warmed < warm || (!steady && warmed < warm + extra);
    gcFn?.();
    const ctx: RunContext = {
      quick,
      scale: (full, q) => (quick ? q : full),
      gc: () => gcFn?.(),
      canGc: gcFn !== undefined,
      repetition: i,
      warmup,
      last: !warmup && measured === reps - 1,
      log: (m) => log(`  ${bench.name}: ${m}`),
    };
    const sample = await bench.run(ctx);
    if (warmup) {
      warmed++;
      if (extra > 0 && warmed >= warm && previous !== undefined) steady = agree(bench.rows, previous, sample, 0.1);
      previous = sample;
      if (extra > 0 && !steady && warmed === warm + extra)
        log(`  ${bench.name}: not steady after ${String(warmed)} warm-ups; measuring anyway`);
      continue;
    }
    measured++;
    for (const row of bench.rows) {
      const pair = sample[row.id];
      if (pair === undefined || typeof pair.ours !== "number") {
        throw new Error(`${bench.name}: run() returned no measurement for row '${row.id}'.`);
      }
      if (row.ratio !== "ours" && typeof pair.baseline !== "number") {
        throw new Error(`${bench.name}: row '${row.id}' compares with a baseline but run() returned none.`);
      }
      pairs.get(row.id)!.push(pair);
    }
  }
  return bench.rows.map((row) => summarize(bench.name, row, pairs.get(row.id)!));
}

/** Whether two repetitions' ratios agree within `tolerance` (relative) on every row that has a baseline. */
export function agree(rows: readonly RowSpec[], a: Sample, b: Sample, tolerance: number): boolean {
  for (const row of rows) {
    if (row.ratio === "ours") continue;
    const pa = a[row.id];
    const pb = b[row.id];
    if (pa === undefined || pb === undefined) return false;
    const ra = ratioOf(row, pa);
    const rb = ratioOf(row, pb);
    if (
      !Number.isFinite(ra) ||
      !Number.isFinite(rb) ||
      Math.abs(ra - rb) > tolerance * Math.max(Math.abs(ra), Math.abs(rb))
    )
      return false;
  }
  return true;
}

/** The compared figure of one repetition (see RatioKind). */
export function ratioOf(row: Pick<RowSpec, "ratio">, pair: Pair): number {
  if (row.ratio === "ours") return pair.ours;
  const b = pair.baseline ?? NaN;
  return row.ratio === "ours/baseline" ? pair.ours / b : b / pair.ours;
}

/** Whether `value` meets `goal`. */
export function meets(value: number | null, goal: RowSpec["goal"]): boolean {
  // A row shown for information has no bound (`Infinity`), which JSON turns into null when `--runs` merges the
  // runs' results files: it is met whatever it measures.
  if ((goal.value as number | null) === null) return true;
  if (value === null || Number.isNaN(value)) return false;
  return goal.direction === "max" ? value <= goal.value : value >= goal.value;
}

/** Summarises a row's per-repetition pairs. */
export function summarize(benchmark: string, row: RowSpec, pairs: readonly Pair[]): RowResult {
  const ours = pairs.map((p) => p.ours);
  const base = row.ratio === "ours" ? [] : pairs.map((p) => p.baseline ?? NaN);
  const ratios = pairs.map((p) => ratioOf(row, p)).filter((r) => Number.isFinite(r));
  const ratio = ratios.length === 0 ? null : median(ratios);
  const baselineMedian = base.length === 0 ? null : median(base);
  const q = (p: number): number | null => (ratios.length === 0 ? null : percentile(ratios, p));
  return {
    benchmark,
    id: row.id,
    name: row.name,
    unit: row.unit,
    ratioKind: row.ratio,
    baselineLabel: row.baselineLabel ?? null,
    oursMedian: median(ours),
    baselineMedian,
    ratio,
    p99s: {
      ours: percentile(ours, 99),
      baseline: base.length === 0 ? null : percentile(base, 99),
      ratio: ratios.length === 0 ? null : percentile(ratios, 99),
    },
    repetitions: pairs.length,
    spread: {
      min: q(0),
      q1: q(25),
      q3: q(75),
      max: q(100),
      relative: ratio === null || ratio === 0 ? null : (q(100)! - q(0)!) / Math.abs(ratio),
    },
    safety: summarizeSafety(row, pairs),
    goal: row.goal,
    met: meets(ratio, row.goal),
    ours: withUnit(median(ours), row.unit),
    baseline:
      baselineMedian === null
        ? "—"
        : `${withUnit(baselineMedian, row.unit)}${row.baselineLabel === undefined ? "" : ` (${row.baselineLabel})`}`,
  };
}

/** Sums the safety counts of a row's repetitions (null for rows without safety checks). */
export function summarizeSafety(row: RowSpec, pairs: readonly Pair[]): RowResult["safety"] {
  const checks = row.safety;
  if (checks === undefined) return null;
  return safetyOf(
    checks,
    pairs.map((p) => p.safety?.ours ?? {}),
    pairs.map((p) => p.safety?.baseline ?? {}),
    pairs.length,
  );
}

function safetyOf(
  checks: Readonly<Record<string, string>>,
  ours: readonly SafetyCounts[],
  baseline: readonly SafetyCounts[],
  repetitions: number,
): NonNullable<RowResult["safety"]> {
  const sum = (list: readonly SafetyCounts[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const key of Object.keys(checks)) out[key] = list.reduce((s, c) => s + (c[key] ?? 0), 0);
    return out;
  };
  const text = (c: SafetyCounts): string => {
    const bad = Object.keys(checks).filter((k) => (c[k] ?? 0) > 0);
    return bad.length === 0
      ? "none"
      : bad.map((k) => `${checks[k]!} (${String(c[k])} in ${String(repetitions)} repetitions)`).join("; ");
  };
  const o = sum(ours);
  const b = sum(baseline);
  return { checks, ours: o, baseline: b, repetitions, text: { ours: text(o), baseline: text(b) } };
}

/**
 * Merges the rows of `runs.length` separate runs of the same benchmarks (each its own child process): the
 * ratio and the medians become the medians of the runs' medians, `spread.runs` lists each run's ratio and
 * `spread.runSpread` = (max − min) ÷ median of them; safety counts add up.
 */
export function mergeRuns(runs: ReadonlyArray<readonly RowResult[]>): RowResult[] {
  const first = runs[0] ?? [];
  return first.map((row) => {
    const same = runs
      .map((r) => r.find((x) => x.benchmark === row.benchmark && x.id === row.id))
      .filter((x) => x !== undefined);
    const ratios = same.map((x) => x.ratio).filter((x): x is number => x !== null && Number.isFinite(x));
    const ratio = ratios.length === 0 ? null : median(ratios);
    const oursMedian = median(same.map((x) => x.oursMedian));
    const bases = same.map((x) => x.baselineMedian).filter((x): x is number => x !== null);
    const baselineMedian = bases.length === 0 ? null : median(bases);
    const safety =
      row.safety === null
        ? null
        : safetyOf(
            row.safety.checks,
            same.map((x) => x.safety?.ours ?? {}),
            same.map((x) => x.safety?.baseline ?? {}),
            same.reduce((n, x) => n + (x.safety?.repetitions ?? 0), 0),
          );
    return {
      ...row,
      oursMedian,
      baselineMedian,
      ratio,
      repetitions: same.reduce((s, x) => s + x.repetitions, 0),
      p99s: {
        ours: Math.max(...same.map((x) => x.p99s.ours)),
        baseline: row.p99s.baseline === null ? null : Math.max(...same.map((x) => x.p99s.baseline ?? NaN)),
        ratio: row.p99s.ratio === null ? null : Math.max(...same.map((x) => x.p99s.ratio ?? NaN)),
      },
      spread: {
        min: Math.min(...same.map((x) => x.spread.min ?? NaN)),
        q1: median(same.map((x) => x.spread.q1 ?? NaN)),
        q3: median(same.map((x) => x.spread.q3 ?? NaN)),
        max: Math.max(...same.map((x) => x.spread.max ?? NaN)),
        relative: median(same.map((x) => x.spread.relative ?? NaN)),
        runs: ratios,
        runSpread: ratio === null || ratio === 0 ? null : (Math.max(...ratios) - Math.min(...ratios)) / Math.abs(ratio),
      },
      safety,
      met: meets(ratio, row.goal),
      ours: withUnit(oursMedian, row.unit),
      baseline:
        baselineMedian === null
          ? "—"
          : `${withUnit(baselineMedian, row.unit)}${row.baselineLabel === null ? "" : ` (${row.baselineLabel})`}`,
    };
  });
}

/** Runs the selected benchmarks (isolated in child processes when asked) and assembles the results. */
export async function runHarness(options: HarnessOptions): Promise<Results> {
  const log = options.log ?? defaultLog;
  const selected = select(options.benchmarks ?? registry, options.only);
  const machineAtStart = describeMachine();
  const started = Date.now();
  const runs = Math.max(1, Math.floor(options.runs ?? 1));
  const perRun: RowResult[][] = [];
  const failures: Array<{ benchmark: string; error: string }> = [];
  const failed = new Set<string>();
  for (let run = 0; run < runs; run++) {
    const rows: RowResult[] = [];
    for (const bench of selected) {
      if (failed.has(bench.name)) continue;
      const t0 = Date.now();
      log(`${bench.name}: ${bench.title}${runs > 1 ? ` (run ${String(run + 1)} of ${String(runs)})` : ""}`);
      try {
        const got =
          options.isolate === true
            ? await runInChild(bench.name, options.quick, requireEntry(options.entry))
            : await runBenchmark(bench, { quick: options.quick, log });
        rows.push(...got);
        log(`${bench.name}: done in ${fmt((Date.now() - t0) / 1000)} s`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failures.push({ benchmark: bench.name, error: message });
        failed.add(bench.name);
        log(`${bench.name}: FAILED: ${message}`);
      }
    }
    perRun.push(rows);
  }
  const rows = runs === 1 ? perRun[0]! : mergeRuns(perRun.map((r) => r.filter((x) => !failed.has(x.benchmark))));
  return {
    machine: describeMachine(machineAtStart.loadStart),
    node: process.version,
    date: new Date().toISOString(),
    quick: options.quick,
    durationMs: Date.now() - started,
    rows,
    failures,
  };
}

function requireEntry(entry: string | undefined): string {
  if (entry === undefined) throw new Error("isolate needs the compiled entry (main.js) to fork.");
  return entry;
}

/** Message a child sends back. */
export type ChildMessage = { readonly rows: RowResult[] } | { readonly error: string };

function runInChild(name: string, quick: boolean, entry: string): Promise<RowResult[]> {
  return new Promise((resolve, reject) => {
    const args = ["--child", name, ...(quick ? ["--quick"] : [])];
    const child = fork(entry, args, {
      execArgv: ["--expose-gc", ...process.execArgv.filter((a) => a !== "--expose-gc")],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answer: ChildMessage | undefined;
    child.on("message", (m: ChildMessage) => {
      answer = m;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (answer !== undefined && "rows" in answer) resolve(answer.rows);
      else if (answer !== undefined) reject(new Error(answer.error));
      else reject(new Error(`child exited with ${signal ?? `code ${String(code)}`} before sending results`));
    });
  });
}

function pick(
  v: { readonly full: number; readonly quick: number } | undefined,
  quick: boolean,
  full: number,
  q: number,
): number {
  return v === undefined ? (quick ? q : full) : quick ? v.quick : v.full;
}
