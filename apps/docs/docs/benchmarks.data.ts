// Build-time data loader for the Benchmarks page: reads bench/results.json (written by `pnpm bench`) when it
// exists and normalises it (./.vitepress/bench-normalise.ts). With no file the page shows a note instead.
// RCU_BENCH_RESULTS may point at another results file (used to preview a run from elsewhere).
import { existsSync, readFileSync } from "node:fs";
import { defineLoader } from "vitepress";
import { normalise, type BenchData } from "./.vitepress/bench-normalise.js";

export type { BenchData, BenchRow } from "./.vitepress/bench-normalise.js";

declare const data: BenchData | null;
export { data };

export default defineLoader({
  watch: ["../../../bench/results.json"],
  load(watched: string[]): BenchData | null {
    const file = process.env.RCU_BENCH_RESULTS ?? watched[0];
    if (file === undefined || !existsSync(file)) return null;
    try {
      return normalise(JSON.parse(readFileSync(file, "utf8")), "bench/results.json");
    } catch (err) {
      console.warn(`[docs] could not read ${file}: ${String(err)}`);
      return null;
    }
  },
});
