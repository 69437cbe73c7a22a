/**
 * The `pnpm demo` entry point: parse flags, wire Ctrl-C to an AbortSignal (a second Ctrl-C exits at once with
 * 130), run the demo, set the exit code. Everything else lives in run-demo.ts.
 */
import { USAGE, parseDemoArgs } from "./parse-demo-args.js";
import { runDemo } from "./run-demo.js";

const parsed = parseDemoArgs(process.argv.slice(2));
if (parsed.kind === "help") {
  process.stdout.write(`${USAGE}\n`);
} else if (parsed.kind === "error") {
  process.stderr.write(`demo: ${parsed.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write("\ndemo: second Ctrl-C, exiting without the report\n");
      process.exit(130);
    }
    process.stdout.write("\nstopping: finishing requests in flight, closing the server, draining the domain…\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const result = await runDemo({
    ...parsed.settings,
    signal: controller.signal,
    out: process.stdout,
    tty: process.stdout.isTTY,
  });
  process.off("SIGINT", onSigint);
  process.exitCode = result.exitCode;
  // Everything was closed; if some handle still keeps the loop alive, do not hang the terminal.
  setTimeout(() => process.exit(result.exitCode), 2_000).unref();
}
