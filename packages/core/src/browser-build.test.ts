/**
 * Browser build check (issue: "loop and srcu run in browsers too"): bundle `src/index.ts` with Vite (the one in
 * the tree) for a browser target and run the bundle in a Node `vm` context that has no `process`, no
 * `setImmediate` and no Node built-ins — only what a page has: `MessageChannel`, `queueMicrotask`, `setTimeout`
 * and `console`. A `loop` and an `srcu` domain must complete grace periods and run deferred work there (through
 * the `MessageChannel` turn hook), and the ES bundle must import nothing (no `node:` modules).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import type { MessagePort } from "node:worker_threads";
import { build } from "vite";
import type { Rolldown } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), "rcu-browser-"));
const bundles: Record<"es" | "iife", string> = { es: "", iife: "" };
const ports: Array<{ close(): void }> = [];
let channels = 0;

beforeAll(async () => {
  const result = await build({
    configFile: false,
    logLevel: "silent",
    root,
    build: {
      outDir,
      write: false,
      emptyOutDir: false,
      minify: false,
      target: "es2022",
      lib: {
        entry: join(root, "src/index.ts"),
        formats: ["es", "iife"],
        name: "RcuCore",
        fileName: (format) => `rcu.${format}.js`,
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  for (const output of outputs) {
    for (const chunk of output.output) {
      if (chunk.type !== "chunk") continue;
      if (chunk.fileName.includes(".es.")) bundles.es += chunk.code;
      if (chunk.fileName.includes(".iife.")) bundles.iife += chunk.code;
    }
  }
}, 60_000);

afterAll(() => {
  for (const port of ports) port.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** A `MessageChannel` whose ports are closed after the test (Node keeps a port with `onmessage` alive). */
class PageMessageChannel {
  readonly port1: MessagePort;
  readonly port2: MessagePort;
  constructor() {
    const channel = new MessageChannel();
    this.port1 = channel.port1;
    this.port2 = channel.port2;
    ports.push(channel.port1, channel.port2);
    channels++;
  }
}

const scenario = `
(async () => {
  const { createDomain, createCell } = RcuCore;
  const log = [];
  for (const flavor of ["loop", "srcu"]) {
    const domain = createDomain({ flavor, onError: (e) => log.push(flavor + " error " + e.message) });
    domain.defer(() => log.push(flavor + " deferred ran"));
    const cell = createCell(domain, { [Symbol.dispose]: () => log.push(flavor + " old value disposed") });
    const guard = domain.readLock();
    cell.set({ [Symbol.dispose]: () => log.push(flavor + " new value disposed") });
    const synced = domain.synchronize().then(() => log.push(flavor + " synchronized"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.push(flavor + " reader still inside, completed=" + domain.stats().gracePeriodsCompleted);
    guard.unlock();
    await synced;
    await domain.barrier();
    if (flavor === "srcu") {
      await domain.read(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        log.push("srcu section spanned a timer");
      });
    }
    const stats = domain.stats();
    log.push(flavor + " completed=" + stats.gracePeriodsCompleted + " pending=" + stats.pendingCallbacks + " errors=" + stats.errors);
    await domain.close();
  }
  return log;
})()
`;

describe("browser build", () => {
  it("the ES bundle imports nothing (no node: built-ins, no require)", () => {
    expect(bundles.es.length).toBeGreaterThan(1000);
    expect(bundles.es).toContain("createDomain");
    expect(bundles.es).not.toMatch(/^\s*import\s/m);
    expect(bundles.es).not.toMatch(/\bimport\s*\(/);
    expect(bundles.es).not.toMatch(/\bfrom\s*["']node:/);
    expect(bundles.es).not.toMatch(/\brequire\s*\(/);
    // Node built-ins are only ever looked up at run time, where the runtime offers them
    expect(bundles.es).toContain("getBuiltinModule");
  });

  it("loop and srcu domains complete grace periods and run deferred work without process or setImmediate", async () => {
    const context = vm.createContext({
      MessageChannel: PageMessageChannel,
      queueMicrotask,
      setTimeout,
      clearTimeout,
      console,
    });
    // what a page has and a bare vm context lacks: the explicit-resource-management symbols
    vm.runInContext(
      `Symbol.dispose ??= Symbol.for("Symbol.dispose"); Symbol.asyncDispose ??= Symbol.for("Symbol.asyncDispose");`,
      context,
    );
    expect(vm.runInContext("[typeof process, typeof setImmediate, typeof require]", context)).toEqual([
      "undefined",
      "undefined",
      "undefined",
    ]);
    vm.runInContext(bundles.iife, context, { filename: "rcu.iife.js" });
    const log = (await (vm.runInContext(scenario, context) as Promise<string[]>)) as unknown;
    expect(log).toEqual([
      "loop reader still inside, completed=0",
      "loop deferred ran",
      "loop old value disposed",
      "loop synchronized",
      "loop completed=1 pending=0 errors=0",
      "srcu reader still inside, completed=0",
      "srcu deferred ran",
      "srcu old value disposed",
      "srcu synchronized",
      "srcu section spanned a timer",
      "srcu completed=1 pending=0 errors=0",
    ]);
    expect(channels).toBe(1); // the turn hook ran through MessageChannel
  }, 20_000);
});
