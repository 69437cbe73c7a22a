/**
 * The `pnpm demo` entry point: parse flags, wire Ctrl-C (SIGINT, and SIGTERM alike) to an AbortSignal through
 * `createStopHandler` (duplicate signals from one key press are one stop; a later one exits at once with 130), run
 * the demo, set the exit code. Everything else lives in run-demo.ts.
 */
import { USAGE, parseDemoArgs } from "./parse-demo-args.js";
import { runDemo } from "./run-demo.js";
import { createStopHandler } from "./stop-handler.js";

const parsed = parseDemoArgs(process.argv.slice(2));
if (parsed.kind === "help") {
  process.stdout.write(`${USAGE}\n`);
} else if (parsed.kind === "error") {
  process.stderr.write(`demo: ${parsed.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  const controller = new AbortController();
  const onSignal = createStopHandler({
    stop: () => {
      process.stdout.write("\nstopping: finishing requests in flight, closing the servers, draining the domain…\n");
      controller.abort();
    },
    force: () => {
      process.stderr.write("\ndemo: stopped again, exiting without the report\n");
      process.exit(130);
    },
  });
  // Left installed until exit: a forwarded duplicate arriving after the report must not kill the process.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const result = await runDemo({
    ...parsed.settings,
    signal: controller.signal,
    out: process.stdout,
    tty: process.stdout.isTTY,
  });
  process.exitCode = result.exitCode;
  // Everything was closed; if some handle still keeps the loop alive, do not hang the terminal.
  setTimeout(() => process.exit(result.exitCode), 2_000).unref();
}
