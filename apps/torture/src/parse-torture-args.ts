/**
 * `parseTortureArgs`: the command line of `pnpm torture` (node:util `parseArgs`, strict). A bare `--` (which
 * `pnpm torture -- --seconds 5` may pass through) is ignored. Bad flags become an `Error` whose message names
 * the flag, what was given and what to pass instead; `--help` returns the usage text.
 */
import { parseArgs } from "node:util";

/** Which flavours one run tortures. */
export type TortureFlavor = "loop" | "srcu" | "shared";

/** The knobs of one torture run. */
export interface TortureSettings {
  /** Wall-clock seconds of load; with several flavours they run side by side for this long. */
  readonly seconds: number;
  readonly flavors: readonly TortureFlavor[];
  /** End grace periods early through the test-only switches: the run must report violations. */
  readonly selfTest: boolean;
  /** Reader threads of the `shared` flavour (at least 4). */
  readonly workers: number;
  /** `--flavor map`: torture `@rcu/map` instead (map-torture.ts; not part of `all`). */
  readonly map?: boolean;
}

/** The usage text. */
export const USAGE = `Usage: pnpm torture [-- options]   (or: node apps/torture/dist/main.js [options])

rcutorture for @rcu: readers hold objects inside read sections while writers publish, retire, enqueue, dequeue
and lease continuously, with injected faults. Every check must pass; the last line is "N passed, N failed".

Options:
  --seconds N     seconds of load (default 30; fractions allowed, max 86400). With --flavor all the
                  flavours run side by side for N seconds.
  --flavor F      loop | srcu | shared | all (default all), or map (@rcu/map, run on its own)
  --workers N     reader threads of the shared flavour (default 4, at least 4)
  --self-test     end grace periods early (test-only switches): the run must REPORT violations, and then
                  exits 0 because that is the expected outcome
  --help          this text`;

/** The parsed command line: settings to run, or the usage text to print. */
export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly settings: TortureSettings };

/**
 * Parses `argv` (without node and the script).
 *
 * @throws {Error} for an unknown flag or an out-of-range value, with a message saying what to pass.
 * @example
 * parseTortureArgs(['--seconds', '5', '--flavor', 'srcu']) // { help: false, settings: { seconds: 5, flavors: ['srcu'], ... } }
 */
export function parseTortureArgs(argv: readonly string[]): ParsedArgs {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    strict: true,
    allowPositionals: false,
    options: {
      seconds: { type: "string" },
      flavor: { type: "string" },
      workers: { type: "string" },
      "self-test": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return { help: true };
  const seconds = values.seconds === undefined ? 30 : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new Error(
      `--seconds must be a number of seconds in (0, 86400], got ${JSON.stringify(values.seconds)}. Example: --seconds 20`,
    );
  }
  const flavor = values.flavor ?? "all";
  const map = flavor === "map";
  const flavors: readonly TortureFlavor[] =
    flavor === "all"
      ? ["loop", "srcu", "shared"]
      : flavor === "loop" || flavor === "srcu" || flavor === "shared"
        ? [flavor]
        : [];
  if (flavors.length === 0 && !map) {
    throw new Error(`--flavor must be loop, srcu, shared or all (or map), got ${JSON.stringify(flavor)}.`);
  }
  const workers = values.workers === undefined ? 4 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 4 || workers > 64) {
    throw new Error(`--workers must be an integer in 4..64, got ${JSON.stringify(values.workers)}.`);
  }
  const selfTest = values["self-test"] === true;
  return {
    help: false,
    settings: map ? { seconds, flavors, selfTest, workers, map } : { seconds, flavors, selfTest, workers },
  };
}
