// Build-time data loader for the Torture page: reads the latest report that `pnpm torture` leaves in
// apps/torture/results.json, when there is one: top-level scalars become a summary, and each top-level object
// (one per flavour) a column of a metric × flavour table (nested keys joined with dots).
import { existsSync, readFileSync } from "node:fs";
import { defineLoader } from "vitepress";
import { tabulate, type TortureData } from "./.vitepress/torture-table.js";

export type { TortureData } from "./.vitepress/torture-table.js";

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

declare const data: TortureData | null;
export { data };

export default defineLoader({
  watch: ["../../torture/results.json"],
  load(watched: string[]): TortureData | null {
    const file = process.env.RCU_TORTURE_RESULTS ?? watched[0];
    if (file === undefined || !existsSync(file)) return null;
    try {
      const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
      return isObj(raw) ? tabulate(raw, "apps/torture/results.json") : null;
    } catch (err) {
      console.warn(`[docs] could not read ${file}: ${String(err)}`);
      return null;
    }
  },
});
