/**
 * The shapes a benchmark file provides and the harness produces. A benchmark is one file under `benchmarks/`
 * exporting a {@link Benchmark}; it declares its rows (each with a goal) and a `run` that performs ONE
 * repetition and returns one {@link Pair} per row. The harness does warm-up, repetitions, medians, p99s, the
 * table and `results.json`; a benchmark never times itself against its goal.
 */

/** `'max'`: the compared figure must be ≤ `value`; `'min'`: it must be ≥ `value`. */
export type Direction = "max" | "min";

/** A goal as the issue states it, plus the number the harness compares with. */
export interface Goal {
  /** As written in the issue, e.g. `"≤ 1.05×"`. */
  readonly text: string;
  /** The numeric threshold. */
  readonly value: number;
  readonly direction: Direction;
}

/**
 * How a row's compared figure (the `ratio` column) is formed from one repetition's pair:
 * - `'ours/baseline'`: ours ÷ baseline (lower is better: cost relative to the alternative or the limit);
 * - `'baseline/ours'`: baseline ÷ ours ("N× faster": a speed-up);
 * - `'ours'`: the measured value itself (absolute goals: chunks, grace periods, bytes); there is no baseline.
 */
export type RatioKind = "ours/baseline" | "baseline/ours" | "ours";

/** One row of the table. */
export interface RowSpec {
  /** Key of this row in the {@link Sample} that `run` returns (unique within the benchmark). */
  readonly id: string;
  /** What the table shows in its first column. */
  readonly name: string;
  /** Unit of `ours` and `baseline` (e.g. `"ns/op"`, `"ms"`, `"GP"`). */
  readonly unit: string;
  readonly ratio: RatioKind;
  readonly goal: Goal;
  /** A short name of the baseline (`"fn()"`, `"setImmediate"`); shown in results.json. */
  readonly baselineLabel?: string;
  /**
   * Safety checks this row runs in the same repetitions (key → what a violation is, e.g.
   * `staleRelease: "stale second release accepted"`). `run` then returns {@link Pair.safety} counts for both
   * sides, and the harness sums them into {@link RowResult.safety}.
   */
  readonly safety?: Readonly<Record<string, string>>;
}

/** Violations seen in one repetition, by safety-check key (see {@link RowSpec.safety}). */
export type SafetyCounts = Readonly<Record<string, number>>;

/** One repetition's measurement of one row. `baseline` is absent for `'ours'` rows. */
export interface Pair {
  readonly ours: number;
  readonly baseline?: number;
  /** Safety violations counted for each side in this repetition (rows that declare `safety`). */
  readonly safety?: { readonly ours: SafetyCounts; readonly baseline: SafetyCounts };
}

/** One repetition's measurements, by row id. */
export type Sample = Readonly<Record<string, Pair>>;

/** What `run` gets. */
export interface RunContext {
  /** `--quick`: smaller sizes and fewer repetitions (a smoke run, not a measurement). */
  readonly quick: boolean;
  /** `full` normally, `quick` under `--quick`. */
  scale(this: void, full: number, quick: number): number;
  /** Forces a full garbage collection (a no-op when the process was not started with `--expose-gc`). */
  gc(this: void): void;
  /** Whether `gc()` really collects. */
  readonly canGc: boolean;
  /** 0-based index of this repetition, counting warm-up ones (for alternating the order ours/baseline). */
  readonly repetition: number;
  /** Whether this repetition is a warm-up (its sample is discarded). */
  readonly warmup: boolean;
  /** Whether this is the last measured repetition (for diagnostics logged once, at the end). */
  readonly last: boolean;
  /** A progress note on stderr. */
  log(this: void, message: string): void;
}

/** A benchmark file's export. */
export interface Benchmark {
  /** kebab-case key used by `--only` (and the file name). */
  readonly name: string;
  /** A one-line title for progress output. */
  readonly title: string;
  readonly rows: readonly RowSpec[];
  /** Measured repetitions. Default `{ full: 7, quick: 2 }`. */
  readonly repetitions?: { readonly full: number; readonly quick: number };
  /** Discarded warm-up repetitions. Default `{ full: 1, quick: 1 }`. */
  readonly warmup?: { readonly full: number; readonly quick: number };
  /**
   * Up to this many more warm-up repetitions (full runs only), stopping as soon as two in a row give every
   * row's ratio within 10 % of each other: warm-up that reaches a steady state instead of a fixed count.
   */
  readonly steadyWarmup?: number;
  /** Runs one repetition: measures ours and the baseline for every row (interleaved, so load drift cancels). */
  run(ctx: RunContext): Sample | Promise<Sample>;
}

/** One row of `results.json`. */
export interface RowResult {
  /** The benchmark (file) this row belongs to. */
  readonly benchmark: string;
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly ratioKind: RatioKind;
  readonly baselineLabel: string | null;
  /** Median over the measured repetitions. */
  readonly oursMedian: number;
  readonly baselineMedian: number | null;
  /** Median of the per-repetition compared figures (see {@link RatioKind}); null if none was finite. */
  readonly ratio: number | null;
  /** p99 (nearest rank) of the per-repetition values; with fewer than 100 repetitions this is the worst one. */
  readonly p99s: { readonly ours: number; readonly baseline: number | null; readonly ratio: number | null };
  readonly repetitions: number;
  /**
   * How far the per-repetition figures spread: their min, quartiles and max, and `relative` =
   * (max − min) ÷ median of the ratio. `runs`, with `--runs N`, holds each run's median ratio (each run in
   * its own child process), and `runSpread` = (max − min) ÷ median of those: the reproducibility figure.
   */
  readonly spread: {
    readonly min: number | null;
    readonly q1: number | null;
    readonly q3: number | null;
    readonly max: number | null;
    readonly relative: number | null;
    readonly runs?: readonly number[];
    readonly runSpread?: number | null;
  };
  /**
   * Safety violations summed over the measured repetitions, for ours and the baseline, with the text of each
   * check and the number of repetitions that ran it; `null` for rows without safety checks.
   */
  readonly safety: {
    readonly checks: Readonly<Record<string, string>>;
    readonly ours: SafetyCounts;
    readonly baseline: SafetyCounts;
    readonly repetitions: number;
    /** For people: `"none"` or the violated checks with counts, for each side. */
    readonly text: { readonly ours: string; readonly baseline: string };
  } | null;
  readonly goal: Goal;
  readonly met: boolean;
  /** Formatted for people (and for the docs site's table). */
  readonly ours: string;
  readonly baseline: string;
}

/** The machine a run happened on. */
export interface Machine {
  readonly os: string;
  readonly arch: string;
  readonly cpu: string;
  readonly cores: number;
  /** Bytes. */
  readonly totalmem: number;
  readonly memoryGiB: number;
  /** 1-minute load average at the start and the end of the run (the machine may be shared). */
  readonly loadStart: number;
  readonly loadEnd: number;
}

/** The whole of `bench/results.json`. */
export interface Results {
  readonly machine: Machine;
  readonly node: string;
  readonly date: string;
  readonly quick: boolean;
  readonly durationMs: number;
  readonly rows: readonly RowResult[];
  /** Benchmarks that threw, with the message (their rows are missing). */
  readonly failures: ReadonlyArray<{ readonly benchmark: string; readonly error: string }>;
}
