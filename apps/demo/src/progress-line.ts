/**
 * `startProgressLine`: a live status line. On a TTY it redraws one line in place (`\r` + erase to end of line)
 * five times a second; otherwise (a pipe, CI, a test) it prints a plain line once a second. `stop()` prints the
 * final state (`render(true)`) on its own line.
 */

/** Where output goes (`process.stdout` fits; tests pass a collector). */
export interface Output {
  write(text: string): unknown;
  /** Terminal width, when known (a TTY): the in-place line is cut to fit, or it would wrap and stop redrawing. */
  readonly columns?: number | undefined;
}

/** A running progress line. */
export interface ProgressLine {
  /** Stops redrawing and prints the final line. */
  stop(): void;
}

/**
 * Starts redrawing `render()`.
 *
 * @example
 * const line = startProgressLine(process.stdout, process.stdout.isTTY === true, (final) => `${final ? 'done' : 'running'}: served ${n}`)
 * // … later
 * line.stop()
 */
export function startProgressLine(out: Output, tty: boolean, render: (final: boolean) => string): ProgressLine {
  const fit = (text: string): string => {
    const width = out.columns;
    return width !== undefined && width > 1 && text.length >= width ? `${text.slice(0, width - 2)}…` : text;
  };
  const draw = (): void => {
    if (tty) out.write(`\r${fit(render(false))}\x1b[K`);
    else out.write(`${render(false)}\n`);
  };
  const timer = setInterval(draw, tty ? 200 : 1000);
  return {
    stop() {
      clearInterval(timer);
      if (tty) out.write(`\r${fit(render(true))}\x1b[K\n`);
      else out.write(`${render(true)}\n`);
    },
  };
}
