/**
 * `createStopHandler`: turns Ctrl-C into "stop cleanly", robustly. One key press can arrive as several signals:
 * the terminal sends SIGINT to the whole process group, each pnpm layer forwards it again, and pnpm escalates a
 * repeated one to SIGTERM for its child — all within milliseconds. So the first signal aborts (the demo then
 * stops the load, closes the servers, drains the domain and prints the report); signals within `graceMs` of it are
 * the same key press and ignored; a later one means "again, now" and calls `force()`.
 */

/** Options of {@link createStopHandler}. */
export interface StopHandlerOptions {
  /** Called once, on the first signal. */
  readonly stop: () => void;
  /** Called on a signal more than `graceMs` after the first (exit at once). */
  readonly force: () => void;
  /** Window (ms) in which repeated signals count as the first one. Default 1000. */
  readonly graceMs?: number;
  /** Clock (ms). Default `performance.now`. */
  readonly now?: () => number;
}

/**
 * Makes the signal listener.
 *
 * @example
 * const onSignal = createStopHandler({ stop: () => controller.abort(), force: () => process.exit(130) })
 * process.on('SIGINT', onSignal)
 * process.on('SIGTERM', onSignal)
 */
export function createStopHandler(options: StopHandlerOptions): () => void {
  const graceMs = options.graceMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  let firstAt: number | undefined;
  return () => {
    const t = now();
    if (firstAt === undefined) {
      firstAt = t;
      options.stop();
    } else if (t - firstAt > graceMs) {
      options.force();
    }
  };
}
