// Normalises bench/results.json (written by `pnpm bench`, see bench/src/types.ts) into what the Benchmarks page
// draws. Tolerant on purpose: the page must build from older or partial result files too.
export interface BenchRow {
  readonly name: string;
  readonly ours: string;
  readonly baseline: string;
  /** ours ÷ baseline (or as the goal states). */
  readonly ratio: number | null;
  /** The goal as written, e.g. "≤ 1.05×". */
  readonly goal: string;
  /** The numeric bound of the goal and its direction, when it could be read. */
  readonly bound: number | null;
  readonly direction: "max" | "min" | null;
  readonly met: boolean | null;
  /** How `ratio` is formed: `ours/baseline`, `baseline/ours` (a speed-up) or `ours` (an absolute figure). */
  readonly kind: string;
  /**
   * Rows against a peer package: the safety checks run in the same repetitions, as text for each side
   * ("none" or the violated checks with counts); null for rows without them.
   */
  readonly safety: { readonly ours: string; readonly baseline: string } | null;
  /** (max − min) ÷ median of the per-run ratios (`--runs N`), else of the per-repetition ones; null if unknown. */
  readonly spread: number | null;
}

export interface BenchData {
  readonly file: string;
  readonly machine: string;
  readonly node: string;
  readonly date: string;
  /** A `--quick` smoke run (not a measurement). */
  readonly quick: boolean;
  /** 1-minute load average at the start and end of the run, when recorded ("2.1 → 3.4"). */
  readonly load: string;
  readonly rows: readonly BenchRow[];
  /** Benchmarks that failed to run. */
  readonly failures: readonly string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string =>
  v === undefined || v === null
    ? ""
    : typeof v === "string"
      ? v
      : typeof v === "number" || typeof v === "boolean"
        ? String(v)
        : JSON.stringify(v);
const num = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : null;

function describeMachine(m: unknown): string {
  if (!isObj(m)) return str(m);
  const parts: string[] = [];
  const cpu = m.cpu ?? m.model ?? m.cpuModel;
  if (cpu !== undefined) parts.push(str(cpu));
  const cores = m.cores ?? m.cpus ?? m.cpuCount;
  if (cores !== undefined) parts.push(`${str(Array.isArray(cores) ? cores.length : cores)} cores`);
  const mem =
    num(m.memoryGiB ?? m.memGiB) ??
    (num(m.totalmem ?? m.memory) !== null ? Math.round((num(m.totalmem ?? m.memory) ?? 0) / 2 ** 30) : null);
  if (mem !== null) parts.push(`${mem} GiB`);
  const os = m.os ?? m.platform;
  if (os !== undefined) parts.push(str(os) + (m.arch !== undefined ? `/${str(m.arch)}` : ""));
  return parts.length > 0 ? parts.join(", ") : JSON.stringify(m);
}

function parseGoal(goal: unknown): { text: string; bound: number | null; direction: "max" | "min" | null } {
  if (isObj(goal)) {
    const bound = num(goal.value ?? goal.bound ?? goal.target);
    const op = str(goal.op ?? goal.direction ?? goal.cmp);
    const direction = /<|max|le|at ?most/i.test(op) ? "max" : /[>]|min|ge|at ?least/i.test(op) ? "min" : null;
    return { text: str(goal.text ?? goal.label ?? `${op} ${bound ?? ""}`), bound, direction };
  }
  const text = str(goal);
  const m = /([<>≤≥]=?)\s*([0-9.]+)/.exec(text);
  if (m === null) return { text, bound: num(goal), direction: null };
  const direction = m[1]?.startsWith("<") || m[1] === "≤" ? "max" : "min";
  return { text, bound: Number(m[2]), direction };
}

function safetyOf(v: unknown): BenchRow["safety"] {
  if (!isObj(v) || !isObj(v.text)) return null;
  return { ours: str(v.text.ours), baseline: str(v.text.baseline) };
}

export function normalise(raw: unknown, file: string): BenchData {
  const root = isObj(raw) ? raw : { rows: raw };
  const list = [root.results, root.rows, root.benchmarks].find(Array.isArray) ?? [];
  const rows: BenchRow[] = list.filter(isObj).map((r) => {
    const goal = parseGoal(r.goal);
    const ratio = num(r.ratio);
    const metRaw = r.met ?? r.passed ?? r.ok;
    return {
      name: str(r.name ?? r.benchmark ?? r.id ?? r.title),
      ours: str(r.ours ?? r.median ?? r.value),
      baseline: str(r.baseline ?? r.baselineMedian),
      ratio,
      goal: goal.text,
      bound: goal.bound,
      direction: goal.direction,
      met: typeof metRaw === "boolean" ? metRaw : null,
      kind: str(r.ratioKind ?? "ours/baseline"),
      safety: safetyOf(r.safety),
      spread: isObj(r.spread) ? (num(r.spread.runSpread) ?? num(r.spread.relative)) : null,
    };
  });
  return {
    file,
    machine: describeMachine(root.machine ?? root.host ?? root.system),
    node: str(root.node ?? root.nodeVersion ?? (isObj(root.machine) ? root.machine.node : undefined)),
    date: str(root.date ?? root.timestamp ?? root.when),
    quick: root.quick === true,
    load:
      isObj(root.machine) && num(root.machine.loadStart) !== null
        ? `${num(root.machine.loadStart)?.toFixed(1)} → ${num(root.machine.loadEnd)?.toFixed(1) ?? "?"}`
        : "",
    rows,
    failures: (Array.isArray(root.failures) ? root.failures : []).map((f) =>
      isObj(f) ? `${str(f.benchmark)}: ${str(f.error)}` : str(f),
    ),
  };
}
