/**
 * `using g = domain.readLock()` in TypeScript-compiled code on Node 20: Node 20 has no native `using`, so tsc
 * lowers it (`__addDisposableResource`/`__disposeResources`) and the guard's `Symbol.dispose` must be the one
 * that lowering calls. The fixture is compiled with the repo's TypeScript (its own compiler options) and run
 * in a child process against the built package.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const distIndex = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;
const base = JSON.parse(readFileSync(new URL("../../../tsconfig.base.json", import.meta.url), "utf8")) as {
  compilerOptions: Record<string, unknown>;
};

const source = `
import { createDomain, isRcuError } from ${JSON.stringify(distIndex)};

const domain = createDomain({ flavor: "srcu" });
const log: unknown[] = [];
let synced: Promise<unknown>;
{
  using guard = domain.readLock();
  log.push(["inside", domain.stats().readers]);
  synced = domain.synchronize().then(() => log.push(["synchronized", domain.stats().readers]));
  await new Promise((resolve) => setTimeout(resolve, 5));
  log.push(["across await", domain.stats().readers, domain.stats().gracePeriodsCompleted]);
  void guard;
}
log.push(["after scope", domain.stats().readers]);
try {
  using _g = domain.readLock();
  throw new Error("body threw");
} catch (err) {
  log.push(["after throw", domain.stats().readers, (err as Error).message]);
}
try {
  using g = domain.readLock();
  g.unlock();
} catch (err) {
  log.push(["unlocked inside the scope", isRcuError(err, "UNLOCK_TWICE"), domain.stats().readers]);
}
await synced;
console.log(JSON.stringify(log));
`;

const dir = mkdtempSync(join(tmpdir(), "rcu-using-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("using g = domain.readLock() in TS-compiled code on Node 20", { timeout: 30_000 }, () => {
  it("compiles with the repo's compiler options to the lowered form and unlocks at scope end", async () => {
    const { options, errors } = ts.convertCompilerOptionsFromJson(base.compilerOptions, ".");
    expect(errors).toEqual([]);
    const out = ts.transpileModule(source, {
      compilerOptions: { ...options, sourceMap: false, declaration: false, declarationMap: false },
      fileName: "fixture.mts", // module NodeNext: an .mts file is an ES module
      reportDiagnostics: true,
    });
    expect(out.diagnostics ?? []).toEqual([]);
    expect(out.outputText).toContain("__addDisposableResource");
    expect(out.outputText).not.toMatch(/\busing guard\b/);
    const file = join(dir, "fixture.mjs");
    writeFileSync(file, out.outputText);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [file], { timeout: 15_000, encoding: "utf8" }, (error, out, stderr) =>
        error === null ? resolve(out) : reject(new Error(`${error.message}\n${stderr}`)),
      ),
    );
    expect(JSON.parse(stdout)).toEqual([
      ["inside", 1],
      ["across await", 1, 0],
      ["after scope", 0],
      ["after throw", 0, "body threw"],
      ["unlocked inside the scope", true, 0],
      ["synchronized", 0],
    ]);
  });

  it("the runtime really lacks native `using` (otherwise this test would prove nothing about lowering)", () => {
    expect(() => new Script("{ using x = null; }")).toThrow(SyntaxError);
  });
});
