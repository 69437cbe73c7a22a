// Turns the report `pnpm torture` writes (apps/torture/results.json) into what the Torture page shows: top-level
// scalars as a summary, each top-level object (one per flavour) as a column of a metric × flavour table.
export interface TortureData {
  readonly file: string;
  /** Top-level scalars: date, seconds, flavours, passed, failed, ... */
  readonly summary: ReadonlyArray<readonly [string, string]>;
  /** One column per nested object (a flavour), one row per metric (nested keys joined with dots). */
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<{ readonly metric: string; readonly values: readonly string[] }>;
}

const fmt = (v: unknown): string =>
  v === undefined
    ? ""
    : typeof v === "number"
      ? v.toLocaleString("en-US")
      : typeof v === "string" || typeof v === "boolean"
        ? String(v)
        : JSON.stringify(v);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    if (isObj(v)) flatten(v, `${prefix}${k}.`, out);
    else out.set(prefix + k, v);
  }
}

/** Turns a torture report into a summary and a metric × flavour table. */
export function tabulate(raw: Record<string, unknown>, file: string): TortureData {
  const summary: Array<readonly [string, string]> = [];
  const columns: string[] = [];
  const flat: Array<Map<string, unknown>> = [];
  for (const [k, v] of Object.entries(raw)) {
    if (isObj(v)) {
      const m = new Map<string, unknown>();
      flatten(v, "", m);
      columns.push(k);
      flat.push(m);
    } else summary.push([k, fmt(v)]);
  }
  const metrics: string[] = [];
  for (const m of flat) for (const key of m.keys()) if (!metrics.includes(key)) metrics.push(key);
  return {
    file,
    summary,
    columns,
    rows: metrics.map((metric) => ({ metric, values: flat.map((m) => fmt(m.get(metric))) })),
  };
}
