/**
 * Process lifetime (docs: concepts/lifecycle.md), proven in child processes running the built package
 * (`packages/core/dist`; the root `pnpm test` builds it first): turn hooks are one-shot and ref'd, so a script
 * that retires something and returns still disposes it; top-level `await` of `synchronize()` completes; long
 * timers (stall detector, settle timeout) are unref'd; `process.exit()` drops pending work.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("../test/fixtures/", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

interface Run {
  readonly code: number | null;
  readonly lines: string[];
  readonly stderr: string;
}

function runFixture(name: string, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fixtures + name, ...args],
      { timeout: 15_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`${name} did not exit by itself: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), lines: stdout.trim().split("\n"), stderr });
      },
    );
  });
}

describe.concurrent("process lifetime (child processes on dist)", { timeout: 30_000 }, () => {
  it("has a built package to run", () => {
    expect(existsSync(dist), "build @rcu/core first: pnpm --filter @rcu/core build").toBe(true);
  });

  it.each([
    ["loop", "true", "sync"],
    ["srcu", "true", "sync"],
    ["loop", "false", "sync"],
    ["srcu", "false", "async"],
    ["loop", "true", "async"],
  ])(
    "a %s script that retires and returns disposes before exit (flushOnExit=%s, %s disposer)",
    async (flavor, flush, kind) => {
      const run = await runFixture("retire-and-return.mjs", [flavor, flush, kind]);
      expect(run.code).toBe(0);
      // a sync disposal runs in retire order; an async one finishes after the deferred callback
      const expected = kind === "async" ? ["deferred ran", "disposed"] : ["disposed", "deferred ran"];
      expect(run.lines).toEqual(["script returned", ...expected]);
      expect(run.stderr).toBe("");
    },
  );

  it("an srcu reader still inside when the script returns delays the disposal, which still happens before exit", async () => {
    const run = await runFixture("retire-and-return.mjs", ["srcu", "true", "reader"]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(["script returned", "reader left", "disposed", "deferred ran"]);
  });

  it.each(["loop", "srcu"])(
    "top-level await of synchronize()/barrier()/close() completes in an ES module (%s)",
    async (flavor) => {
      const run = await runFixture("tla-synchronize.mjs", [flavor]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.lines).toEqual(["synchronized 1", "disposed", "barrier", "synchronized after reader", "closed"]);
    },
  );

  it("process.exit() drops pending work (documented: it skips beforeExit and pending turn hooks)", async () => {
    const run = await runFixture("process-exit.mjs");
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(["pending 2"]);
  });

  it("the stall timer and the settle timer do not keep the process alive; waiting on a reader never polls", async () => {
    const run = await runFixture("stall-unref.mjs");
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      "script returned",
      "async disposal started",
      "exit 0 started=1 completed=0 stalls=0 inFlight=1",
    ]);
  });
});
