/** Formatting of numbers and the result table (plain text for the terminal, Markdown for the README). */
import { machineLine } from "./machine.js";
import type { Results, RowResult } from "./types.js";

/** A number with 3 significant digits (integers as they are). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(2);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** `"12.3 ns/op"`. */
export function withUnit(x: number, unit: string): string {
  return `${fmt(x)} ${unit}`;
}

/** The `ratio` column: `"1.02×"` for ratios, the value with its unit for absolute rows. */
export function ratioCell(row: Pick<RowResult, "ratio" | "ratioKind" | "unit">): string {
  if (row.ratio === null) return "—";
  return row.ratioKind === "ours" ? withUnit(row.ratio, row.unit) : `${fmt(row.ratio)}×`;
}

const HEAD = ["benchmark", "ours", "baseline", "ratio", "goal", "met"] as const;

function cells(row: RowResult): string[] {
  return [row.name, row.ours, row.baseline, ratioCell(row), row.goal.text, row.met ? "met" : "MISSED"];
}

/** The terminal table with a header naming the machine and Node version. */
export function textTable(results: Results): string {
  const rows = results.rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [
    `machine: ${machineLine(results.machine)}`,
    `node ${results.node} · ${results.date}${results.quick ? " · --quick (smoke run: sizes reduced, not a measurement)" : ""}`,
    "",
    line(HEAD),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ];
  for (const f of results.failures) out.push(`FAILED ${f.benchmark}: ${f.error}`);
  const missed = results.rows.filter((r) => !r.met).length;
  out.push(
    "",
    `${results.rows.length - missed} met, ${missed} missed${results.failures.length > 0 ? `, ${results.failures.length} failed` : ""}`,
  );
  return out.join("\n");
}

/** The Markdown table (for the README), with the machine it ran on. */
export function markdownTable(results: Results): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const out = [
    `Measured on ${machineLine(results.machine)}; Node ${results.node}; ${results.date}` +
      `${results.quick ? " (`--quick` smoke run: sizes reduced, not a measurement)" : ""}.`,
    "",
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map((_, i) => (i === 0 || i === 4 ? "---" : "---:")).join("|")}|`,
    ...results.rows.map(
      (r) =>
        `| ${cells(r)
          .map((c, i) => (i === 5 ? (r.met ? "✅ met" : "❌ missed") : esc(c)))
          .join(" | ")} |`,
    ),
  ];
  for (const f of results.failures) out.push("", `Failed: ${esc(f.benchmark)}: ${esc(f.error)}`);
  out.push(
    "",
    "Rows 1–3 are CPU time of the process (the machine may be shared); row 6 is wall-clock event-loop delay. The " +
      "ratio is the median of per-repetition ratios; how each row is measured, and why the misses miss: " +
      "[bench/README.md](bench/README.md).",
  );
  return out.join("\n");
}
