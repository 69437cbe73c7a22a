/**
 * `parseDemoArgs`: the command line of `pnpm demo` (node:util `parseArgs`, strict). Every bad flag becomes a
 * message that names the flag, what was given and what to pass instead; `--help` returns the usage text.
 */
import { parseArgs } from "node:util";

/** The knobs of one demo run. */
export interface DemoSettings {
  /** Seconds of load (both services run side by side). */
  readonly seconds: number;
  /** Config + parser swaps per second. */
  readonly rate: number;
  /** Flavour of the RCU domain. */
  readonly flavor: "srcu" | "loop";
  /** Requests in flight at once, per service. */
  readonly concurrency: number;
  /** Most requests per service. */
  readonly maxRequests: number;
}

/** Defaults: about 10 s in total. */
export const DEFAULT_SETTINGS: DemoSettings = {
  seconds: 10,
  rate: 50,
  flavor: "srcu",
  concurrency: 32,
  maxRequests: 500_000,
};

/** The usage text. */
export const USAGE = `Usage: pnpm demo [-- options]   (or: node apps/demo/dist/main.js [options])

Runs two copies of one HTTP service on 127.0.0.1 side by side under the same load while a reloader hot-swaps
their config and parser: one disposes replaced objects at once (naive), the other uses @rcu/* (read sections,
RcuCell, @rcu/pool). Prints both columns in one table.

Options:
  --seconds N       seconds of load (default ${DEFAULT_SETTINGS.seconds}; fractions allowed, max 3600)
  --rate N          swaps per second (default ${DEFAULT_SETTINGS.rate}; 1..10000)
  --flavor F        srcu (default) or loop. loop holds guards across await, which core still counts but reports
                    as misuse in debug mode; srcu is the flavour for async handlers
  --concurrency N   requests in flight per service (default ${DEFAULT_SETTINGS.concurrency}; 1..1024)
  --requests N      most requests per service (default ${DEFAULT_SETTINGS.maxRequests.toLocaleString("en-US")})
  -h, --help        this text

Ctrl-C stops cleanly: load stops, the servers close, the domain drains, the results so far are printed.
Exit status: 0, or 1 if the @rcu column shows any request that touched a disposed resource; 2 for bad flags.`;

/** The outcome of parsing. */
export type ParsedArgs =
  | { readonly kind: "run"; readonly settings: DemoSettings }
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string };

/**
 * Parses `argv` (without node and the script).
 *
 * @example
 * parseDemoArgs(['--seconds', '2', '--rate', '100']) // { kind: 'run', settings: { seconds: 2, rate: 100, … } }
 * parseDemoArgs(['--flavor', 'rcu']) // { kind: 'error', message: '--flavor must be srcu or loop, got "rcu".' }
 */
export function parseDemoArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seconds: { type: "string" },
        rate: { type: "string" },
        flavor: { type: "string" },
        concurrency: { type: "string" },
        requests: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help === true) return { kind: "help" };
  try {
    const flavor = values.flavor ?? DEFAULT_SETTINGS.flavor;
    if (flavor !== "srcu" && flavor !== "loop") {
      throw new Error(`--flavor must be srcu or loop, got ${JSON.stringify(flavor)}.`);
    }
    return {
      kind: "run",
      settings: {
        seconds: num("--seconds", values.seconds, DEFAULT_SETTINGS.seconds, 0.1, 3600, false),
        rate: num("--rate", values.rate, DEFAULT_SETTINGS.rate, 1, 10_000, false),
        flavor,
        concurrency: num("--concurrency", values.concurrency, DEFAULT_SETTINGS.concurrency, 1, 1024, true),
        maxRequests: num("--requests", values.requests, DEFAULT_SETTINGS.maxRequests, 1, 100_000_000, true),
      },
    };
  } catch (err) {
    return { kind: "error", message: (err as Error).message };
  }
}

function num(
  flag: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new Error(`${flag} must be ${kind} from ${min} to ${max}, got ${JSON.stringify(raw)}.`);
  }
  return value;
}
