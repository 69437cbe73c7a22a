/**
 * `formatReport`: the side-by-side table and the verdict under it, built only from the numbers of a real run.
 * Rows that do not apply to a column show "—"; rows that are all zero and only matter when something went wrong
 * (failed requests, reported errors, pool at max, still pending) appear only when non-zero.
 */
import type { TrialResult } from "./trial.js";

/** What the report is built from. */
export interface ReportInput {
  readonly naive: TrialResult;
  readonly rcu: TrialResult;
  readonly flavor: "srcu" | "loop";
  readonly rate: number;
  readonly interrupted: boolean;
}

type Row = readonly [label: string, naive: string, rcu: string];

/**
 * Formats the table and verdict (plain text, ends with a newline).
 *
 * @example
 * out.write(formatReport({ naive, rcu, flavor: 'srcu', rate: 50, interrupted: false }))
 */
export function formatReport(input: ReportInput): string {
  const { naive, rcu } = input;
  const row = (label: string, pick: (t: TrialResult) => string): Row => [label, pick(naive), pick(rcu)];
  const rows: Row[] = [
    row("requests served", (t) => fmt(t.served)),
    row("touched a disposed resource", (t) =>
      t.violations === 0 ? "0" : `${fmt(t.violations)} (${pct(t.violations, t.served)})`,
    ),
    row("swaps (config + parser)", (t) => fmt(t.swaps)),
    row("grace periods", (t) => (t.gracePeriods === undefined ? "—" : fmt(t.gracePeriods))),
    row("objects reclaimed (incl. at close)", (t) => fmt(t.reclaimed)),
    row("peak pending reclamation", (t) => fmt(t.peakPending)),
    row("parser objects allocated", (t) => fmt(t.parsersAllocated)),
    row("p50 latency", (t) => ms(t.p50Ms)),
    row("p99 latency", (t) => ms(t.p99Ms)),
  ];
  const any = (pick: (t: TrialResult) => number): boolean => pick(naive) > 0 || pick(rcu) > 0;
  if (any((t) => t.failed)) rows.push(row("failed requests", (t) => fmt(t.failed)));
  if (any((t) => t.errors)) rows.push(row("errors reported", (t) => fmt(t.errors)));
  if (any((t) => t.swapsWithoutParser)) rows.push(row("swaps with pool at max", (t) => fmt(t.swapsWithoutParser)));
  if (any((t) => t.pendingAfterClose)) rows.push(row("still pending after close", (t) => fmt(t.pendingAfterClose)));
  if (input.flavor === "loop") {
    rows.push(row("debug: GUARD_ACROSS_TURN", (t) => (t.misuseReports === undefined ? "—" : fmt(t.misuseReports))));
  }

  const header: Row = ["", naive.label, rcu.label];
  const all = [header, ...rows];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  const w2 = Math.max(...all.map((r) => r[2].length));
  const line = (r: Row): string => `  ${r[0].padEnd(w0)}   ${r[1].padStart(w1)}   ${r[2].padStart(w2)}`;

  const out: string[] = [""];
  out.push(
    `Results${input.interrupted ? " so far (interrupted with Ctrl-C)" : ""} — ${input.rate} swaps/s, ` +
      `${Math.max(naive.seconds, rcu.seconds).toFixed(1)} s of load, both services side by side:`,
  );
  out.push("");
  out.push(line(header));
  out.push(`  ${"─".repeat(w0 + w1 + w2 + 6)}`);
  for (const r of rows) out.push(line(r));
  out.push("");

  if (naive.violations > 0) {
    out.push(
      `naive: ${fmt(naive.violations)} of ${count(naive.served, "request")} used a config or parser that the reloader ` +
        "had already disposed while they were awaiting I/O.",
    );
  } else {
    out.push("naive: this run happened to miss the hazard (no request straddled a swap); raise --rate to see it.");
  }
  if (rcu.violations === 0) {
    const poolNote =
      rcu.swapsWithoutParser > 0
        ? `; the pool was at its max for ${count(rcu.swapsWithoutParser, "swap")}, which kept the current parser`
        : "";
    out.push(
      `@rcu:  0 requests touched a disposed resource. ${count(rcu.reclaimed, "object")} reclaimed, each only ` +
        `after the requests that could see it had finished (${count(rcu.gracePeriods ?? 0, "grace period")}, at most ` +
        `${fmt(rcu.peakPending)} waiting at once); ${count(rcu.parsersAllocated, "pooled parser")} served ` +
        `${count(rcu.swaps, "swap")}${poolNote}.`,
    );
  } else {
    out.push(
      `FAIL: @rcu: ${fmt(rcu.violations)} requests touched a disposed resource. That is a bug in @rcu/* — please report it.`,
    );
  }
  if (input.flavor === "loop") {
    out.push(
      "note: --flavor loop holds readLock() guards across await. Core still counts them, so nothing was freed early, but " +
        "it is misuse: the domain ran with debug: true and reported GUARD_ACROSS_TURN for every guard it found held " +
        "at a turn boundary (row above). Async handlers belong on an 'srcu' domain (the default).",
    );
  }
  out.push("");
  return out.map((text) => wrap(text, 110)).join("\n");
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1 swap`, `2 swaps`, `1,234 swaps`. */
function count(n: number, noun: string): string {
  return `${fmt(n)} ${noun}${n === 1 ? "" : "s"}`;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? "—" : `${((100 * part) / whole).toFixed(1)}%`;
}

function ms(value: number | undefined): string {
  return value === undefined ? "—" : `${value.toFixed(1)} ms`;
}

/** Breaks a long prose line at spaces (table lines are shorter than `width` and pass through). */
function wrap(text: string, width: number): string {
  if (text.length <= width) return text;
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current !== "" && current.length + 1 + word.length > width) {
      lines.push(current);
      current = `  ${word}`;
    } else {
      current = current === "" ? word : `${current} ${word}`;
    }
  }
  lines.push(current);
  return lines.join("\n");
}
