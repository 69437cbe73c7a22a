/**
 * `runDemo`: the whole demo as a function (main.ts is only flags, Ctrl-C and the exit code; the test calls this
 * directly). The same load runs twice, side by side in one process: one trial against the naive store (replaced
 * objects disposed at once), one against the RCU store. Running them at the same time rather than one after the
 * other keeps the comparison fair: on a busy machine the first seconds of a Node process are several times slower
 * than later ones (JIT warm-up), which would otherwise show up as a throughput difference between the columns.
 * A live progress line shows both; then the report is printed. Ctrl-C (the `signal`) stops the load early — the
 * servers close, the stores close (`domain.close()` drains) — and the results so far are printed. The exit code is
 * 1 only if the RCU column shows a request that touched a disposed resource.
 */
import { performance } from "node:perf_hooks";
import { createNaiveStore } from "./naive-store.js";
import type { DemoSettings } from "./parse-demo-args.js";
import { startProgressLine, type Output } from "./progress-line.js";
import { createRcuStore } from "./rcu-store.js";
import { formatReport } from "./report.js";
import type { Store } from "./store.js";
import { startTrial, type Trial, type TrialOptions, type TrialResult } from "./trial.js";

/** Options of {@link runDemo}. */
export interface DemoOptions extends DemoSettings {
  /** Upper bound of each simulated I/O wait (ms). Default 4. */
  readonly ioMaxMs?: number;
  /** Aborting it is Ctrl-C. */
  readonly signal?: AbortSignal | undefined;
  /** Where the progress line and the report go. */
  readonly out: Output;
  /** Redraw the progress line in place. Default false. */
  readonly tty?: boolean;
  /** Makes the store of the @rcu column (tests swap in a deliberately broken one). Default: `createRcuStore`. */
  readonly createRcuStore?: (options: { readonly flavor: "srcu" | "loop" }) => Store;
}

/** The outcome of one demo run. */
export interface DemoResult {
  readonly naive: TrialResult;
  readonly rcu: TrialResult;
  readonly interrupted: boolean;
  /** The report as printed. */
  readonly report: string;
  /** 0, or 1 when the RCU column shows a violation. */
  readonly exitCode: 0 | 1;
}

/**
 * Runs both trials side by side and prints the report.
 *
 * @example
 * const result = await runDemo({ ...DEFAULT_SETTINGS, seconds: 2, out: process.stdout })
 * result.naive.violations // > 0
 * result.rcu.violations   // 0
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out, signal } = options;
  // Ctrl-C, or a failure to start the second trial, stops both.
  const stop = new AbortController();
  if (signal?.aborted === true) stop.abort();
  signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const trialOptions: TrialOptions = {
    seconds: options.seconds,
    rate: options.rate,
    concurrency: options.concurrency,
    maxRequests: options.maxRequests,
    ioMaxMs: options.ioMaxMs ?? 4,
    signal: stop.signal,
  };
  out.write(
    [
      "Two copies of one HTTP service on 127.0.0.1 under the same load, side by side. Each request reads the",
      "hot-swapped config and a parser and keeps using them across two awaits of simulated I/O, while a reloader",
      `swaps both ${options.rate} times a second (${options.concurrency} requests in flight per copy, ${options.seconds} s).`,
      "  naive: replaced objects are disposed at once (what hot reload usually does)",
      `  @rcu:  ${options.flavor} read sections, RcuCell for the config, @rcu/pool for the parsers`,
      "Ctrl-C stops early and prints the results so far.",
      "",
      "",
    ].join("\n"),
  );
  const started = performance.now();
  const trials: Trial[] = [];
  try {
    trials.push(await startTrial(createNaiveStore(), trialOptions));
    const makeRcuStore = options.createRcuStore ?? createRcuStore;
    trials.push(await startTrial(makeRcuStore({ flavor: options.flavor }), trialOptions));
  } catch (err) {
    stop.abort();
    await Promise.allSettled(trials.map((t) => t.finish()));
    throw err;
  }
  const [naiveTrial, rcuTrial] = trials as [Trial, Trial];
  const line = startProgressLine(out, options.tty ?? false, (final) => {
    const elapsed = (performance.now() - started) / 1000;
    const clock = final ? `done, ${elapsed.toFixed(1)} s` : `${elapsed.toFixed(1)}/${options.seconds} s`;
    const n = naiveTrial.live();
    const r = rcuTrial.live();
    // Most important first: a narrow terminal cuts the end of the line.
    return (
      `${clock}  hit disposed: naive ${fmt(n.violations)}, @rcu ${fmt(r.violations)}  │  ` +
      `served: naive ${fmt(n.served)}, @rcu ${fmt(r.served)}  │  @rcu: ${fmt(r.gracePeriods ?? 0)} GPs, ${fmt(r.pending)} pending`
    );
  });
  let naive: TrialResult;
  let rcu: TrialResult;
  try {
    [naive, rcu] = await Promise.all([naiveTrial.finish(), rcuTrial.finish()]);
  } finally {
    line.stop();
  }
  const interrupted = signal?.aborted === true;
  const report = formatReport({ naive, rcu, flavor: options.flavor, rate: options.rate, interrupted });
  out.write(report);
  const exitCode = rcu.violations > 0 ? 1 : 0;
  return { naive, rcu, interrupted, report, exitCode };
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
