import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, parseDemoArgs } from "./parse-demo-args.js";
import { createNaiveStore } from "./naive-store.js";
import { createRcuStore } from "./rcu-store.js";
import { runDemo } from "./run-demo.js";
import { createStopHandler } from "./stop-handler.js";

function collector(): { write(text: string): boolean; text(): string } {
  const chunks: string[] = [];
  return {
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(""),
  };
}

describe("pnpm demo (runDemo), a real run: HTTP on 127.0.0.1, reloaders, load generators", () => {
  it("naive touches disposed resources; @rcu touches none, reclaims everything and serves requests", async () => {
    const out = collector();
    // 2 s; 100 swaps/s against handlers that hold their snapshot across two awaits of up to 4 ms makes the naive
    // hazard certain (every swap lands on the ~32 requests in flight).
    const result = await runDemo({ ...DEFAULT_SETTINGS, seconds: 2, rate: 100, out });
    const { naive, rcu } = result;

    expect(naive.served).toBeGreaterThan(0);
    expect(naive.violations).toBeGreaterThan(0);
    expect(naive.gracePeriods).toBeUndefined();
    expect(naive.peakPending).toBe(0);

    expect(rcu.served).toBeGreaterThan(0);
    expect(rcu.violations).toBe(0);
    expect(rcu.failed).toBe(0);
    expect(rcu.errors).toBe(0);
    expect(rcu.swaps).toBeGreaterThan(0);
    expect(rcu.gracePeriods).toBeGreaterThan(0);
    expect(rcu.reclaimed).toBeGreaterThan(0);
    expect(rcu.peakPending).toBeGreaterThan(0);
    // close() drained everything: every replaced config and parser (and the last ones) was reclaimed.
    expect(rcu.pendingAfterClose).toBe(0);
    expect(rcu.reclaimed).toBe(2 * (rcu.swaps + 1) - rcu.swapsWithoutParser);
    // the pool recycles: far fewer parsers than swaps (naive allocates one per swap).
    expect(rcu.parsersAllocated).toBeLessThan(rcu.swaps);
    expect(naive.parsersAllocated).toBe(naive.swaps + 1);

    expect(result.interrupted).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(out.text()).toContain(result.report);
    expect(result.report).toMatch(/touched a disposed resource\s+[\d,]+ \([\d.]+%\)\s+0\n/);
  }, 30_000);

  it("an aborted signal (Ctrl-C) ends the run early with the results so far and exit code 0", async () => {
    const out = collector();
    const controller = new AbortController();
    const running = runDemo({ ...DEFAULT_SETTINGS, seconds: 60, signal: controller.signal, out });
    setTimeout(() => controller.abort(), 300);
    const result = await running;
    expect(result.interrupted).toBe(true);
    expect(result.naive.interrupted).toBe(true);
    expect(result.rcu.interrupted).toBe(true);
    expect(result.naive.seconds).toBeLessThan(60);
    expect(result.rcu.served).toBeGreaterThan(0);
    expect(result.rcu.violations).toBe(0);
    expect(result.rcu.pendingAfterClose).toBe(0); // closed and drained
    expect(result.exitCode).toBe(0);
    expect(result.report).toContain("interrupted with Ctrl-C");
  }, 30_000);

  it("the check is not vacuous: a pool that recycles parsers inside their grace period is caught, exit code 1", async () => {
    const out = collector();
    const result = await runDemo({
      ...DEFAULT_SETTINGS,
      seconds: 0.5,
      rate: 200,
      out,
      createRcuStore: ({ flavor }) => createRcuStore({ flavor, unsafeTypesafeReuse: true }),
    });
    expect(result.rcu.violations).toBeGreaterThan(0);
    expect(result.exitCode).toBe(1);
    expect(result.report).toContain("FAIL: @rcu:");
  }, 30_000);

  it("--flavor loop stays safe (guards count) and its misuse is reported by debug mode", async () => {
    const out = collector();
    const result = await runDemo({ ...DEFAULT_SETTINGS, seconds: 0.5, rate: 100, flavor: "loop", out });
    expect(result.rcu.violations).toBe(0);
    expect(result.rcu.served).toBeGreaterThan(0);
    expect(result.rcu.misuseReports).toBeGreaterThan(0);
    expect(result.report).toContain("GUARD_ACROSS_TURN");
  }, 30_000);
});

describe("the stores, driven by hand", () => {
  it("naive: a swap disposes what a request in flight still holds", async () => {
    const store = createNaiveStore();
    const snap = store.enter();
    store.swap();
    snap.useConfig();
    expect(snap.violated).toBe(true);
    snap[Symbol.dispose]();
    await store.close();
  });

  it("rcu: a request in flight keeps its config and parser until it leaves; then they are reclaimed", async () => {
    const store = createRcuStore({ flavor: "srcu" });
    const snap = store.enter();
    store.swap();
    store.swap();
    await new Promise((resolve) => setTimeout(resolve, 20)); // several turns: no grace period can end meanwhile
    snap.useConfig();
    snap.useParser();
    expect(snap.violated).toBe(false);
    // Both swaps ran in one turn, so their retires share a grace period, which waits for this request.
    expect(store.sample().reclaimed).toBe(0);
    expect(store.sample().pending).toBe(4); // configs v1, v2 and their two parsers
    snap[Symbol.dispose]();
    await store.close();
    expect(store.sample().pending).toBe(0);
    expect(store.sample().reclaimed).toBe(6);
  });
});

describe("parseDemoArgs", () => {
  it("defaults, and every flag", () => {
    expect(parseDemoArgs([])).toEqual({ kind: "run", settings: DEFAULT_SETTINGS });
    expect(
      parseDemoArgs([
        "--seconds",
        "2.5",
        "--rate",
        "200",
        "--flavor",
        "loop",
        "--concurrency",
        "8",
        "--requests",
        "1000",
      ]),
    ).toEqual({
      kind: "run",
      settings: { seconds: 2.5, rate: 200, flavor: "loop", concurrency: 8, maxRequests: 1000 },
    });
    expect(parseDemoArgs(["-h"])).toEqual({ kind: "help" });
  });

  it("bad input is a clear message naming the flag", () => {
    const message = (argv: string[]): string => {
      const parsed = parseDemoArgs(argv);
      return parsed.kind === "error" ? parsed.message : `no error: ${parsed.kind}`;
    };
    expect(message(["--flavor", "rcu"])).toBe('--flavor must be srcu or loop, got "rcu".');
    expect(message(["--seconds", "0"])).toBe('--seconds must be a number from 0.1 to 3600, got "0".');
    expect(message(["--rate", "fast"])).toBe('--rate must be a number from 1 to 10000, got "fast".');
    expect(message(["--concurrency", "1.5"])).toBe('--concurrency must be an integer from 1 to 1024, got "1.5".');
    expect(message(["--bogus"])).toMatch(/--bogus/);
  });
});

describe("createStopHandler (Ctrl-C)", () => {
  it("signals from one key press are one stop; a later one forces", () => {
    let t = 0;
    const calls: string[] = [];
    const onSignal = createStopHandler({
      stop: () => calls.push("stop"),
      force: () => calls.push("force"),
      now: () => t,
    });
    onSignal(); // SIGINT from the terminal
    t = 3;
    onSignal(); // the same SIGINT forwarded by pnpm
    t = 5;
    onSignal(); // pnpm escalating to SIGTERM
    expect(calls).toEqual(["stop"]);
    t = 1_500;
    onSignal(); // the user presses Ctrl-C again
    expect(calls).toEqual(["stop", "force"]);
  });
});
