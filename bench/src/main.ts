/**
 * `pnpm bench`: runs every registered benchmark (each in its own child process), prints one table
 * (benchmark, ours, baseline, ratio, goal, met) with the machine and Node version, and writes
 * `bench/results.json`. Never a pass/fail on speed: the exit code is 0 whether goals are met or missed; it is
 * non-zero only when a benchmark fails to run.
 *
 * Flags: `--quick` (smoke run, under a minute) · `--only <name>[,<name>…]` (repeatable) · `--out <file>` ·
 * `--runs <n>` (n whole runs, each benchmark in a fresh child per run; rows get the median of the runs' ratios
 * and their spread) · `--write-readme` (puts the table into the root README between the bench markers) · `--no-isolate` (run in
 * this process) · `--list`. From the repository root: `pnpm bench -- --quick --only sharing`.
 * A partial run (`--only` or `--quick`) writes `bench/results.partial.json` unless `--out` says otherwise, so it
 * never replaces the committed full results, and `--write-readme` refuses it.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { textTable } from "./format.js";
import { runBenchmark, runHarness, select, type ChildMessage } from "./harness.js";
import { defaultPartialResultsPath, defaultReadmePath, defaultResultsPath, writeReadmeTable } from "./readme-table.js";
import { benchmarks } from "./registry.js";

interface Cli {
  quick: boolean;
  only: string[];
  out: string | undefined;
  writeReadme: boolean;
  isolate: boolean;
  list: boolean;
  child: string | undefined;
  runs: number;
}

function parse(argv: readonly string[]): Cli {
  const cli: Cli = {
    quick: false,
    only: [],
    out: undefined,
    writeReadme: false,
    isolate: true,
    list: false,
    child: undefined,
    runs: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value.`);
      return v;
    };
    if (a === "--")
      continue; // pnpm may forward the separator itself
    else if (a === "--quick") cli.quick = true;
    else if (a === "--only")
      cli.only.push(
        ...value()
          .split(",")
          .filter((s) => s !== ""),
      );
    else if (a.startsWith("--only="))
      cli.only.push(
        ...a
          .slice(7)
          .split(",")
          .filter((s) => s !== ""),
      );
    else if (a === "--out") cli.out = value();
    else if (a === "--write-readme") cli.writeReadme = true;
    else if (a === "--no-isolate") cli.isolate = false;
    else if (a === "--list") cli.list = true;
    else if (a === "--child") cli.child = value();
    else if (a === "--runs") {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error("--runs needs a whole number ≥ 1 (e.g. --runs 3).");
      cli.runs = v;
    } else
      throw new Error(
        `Unknown flag ${a}. Use --quick, --only <name>, --runs <n>, --out <file>, --write-readme, --no-isolate or --list.`,
      );
  }
  return cli;
}

async function child(name: string, quick: boolean): Promise<void> {
  let message: ChildMessage;
  try {
    const [bench] = select(benchmarks, [name]);
    message = { rows: await runBenchmark(bench!, { quick }) };
  } catch (err) {
    message = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  // Benchmarks may leave domains with timers behind; the parent only needs the message.
  process.send!(message, () => process.exit(0));
}

async function main(): Promise<void> {
  const cli = parse(process.argv.slice(2));
  if (cli.child !== undefined) return child(cli.child, cli.quick);
  if (cli.list) {
    for (const b of benchmarks) console.log(`${b.name.padEnd(16)} ${b.title}`);
    return;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== "function" && !cli.isolate) {
    console.error("note: run with node --expose-gc for the GC and heap rows (pnpm bench does).");
  }
  const partial = cli.only.length > 0 || cli.quick;
  if (partial && cli.writeReadme) {
    throw new Error(
      "--write-readme needs a full run (no --only, no --quick): the README table is the project's record. Run `pnpm bench -- --write-readme`.",
    );
  }
  const out = cli.out ?? (partial ? defaultPartialResultsPath : defaultResultsPath);
  const results = await runHarness({
    quick: cli.quick,
    only: cli.only,
    isolate: cli.isolate,
    runs: cli.runs,
    entry: fileURLToPath(import.meta.url),
  });
  console.log(`\n${textTable(results)}`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (cli.writeReadme) {
    writeReadmeTable(results, defaultReadmePath);
    console.log(`updated the table in ${defaultReadmePath}`);
  }
  if (results.failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
