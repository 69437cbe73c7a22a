/**
 * `startProgressLine`: the live status. On a TTY it redraws one line in place (`\r` + erase to end of line)
 * twice a second; otherwise (a pipe, CI, a test) it prints a plain line every `plainEveryMs`. `stop()` ends
 * the in-place line with a newline.
 */

/** Where output goes (`process.stdout` fits; tests pass a collector). */
export interface Output {
  write(text: string): unknown;
  /** Terminal width, when known: the in-place line is cut to fit, or it would wrap and stop redrawing. */
  readonly columns?: number | undefined;
}

/** A running progress line. */
export interface ProgressLine {
  stop(): void;
}

/**
 * Starts drawing `render()`.
 *
 * @example
 * const line = startProgressLine(process.stdout, process.stdout.isTTY === true, () => `reads ${reads}`)
 * line.stop()
 */
export function startProgressLine(out: Output, tty: boolean, render: () => string, plainEveryMs = 5_000): ProgressLine {
  const fit = (text: string): string => {
    const width = out.columns;
    return width !== undefined && width > 1 && text.length >= width ? `${text.slice(0, width - 2)}…` : text;
  };
  const timer = setInterval(
    () => {
      if (tty) out.write(`\r${fit(render())}\x1b[K`);
      else out.write(`${render()}\n`);
    },
    tty ? 500 : plainEveryMs,
  );
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (tty) out.write(`\r${fit(render())}\x1b[K\n`);
    },
  };
}
