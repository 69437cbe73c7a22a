// Build-time data loader for the Torture page: reads the latest report that `pnpm torture` leaves in
// apps/torture/results.json, when there is one, and flattens it into sections of (name, value) rows: top-level
// numbers and strings form the first section, each nested object (for example one per flavour) its own.
import { existsSync, readFileSync } from "node:fs";
import { defineLoader } from "vitepress";

export interface TortureSection {
  readonly title: string;
  readonly rows: ReadonlyArray<readonly [string, string]>;
}
export interface TortureData {
  readonly file: string;
  readonly sections: readonly TortureSection[];
}

const fmt = (v: unknown): string =>
  typeof v === "number" ? v.toLocaleString("en-US") : typeof v === "string" || typeof v === "boolean" ? String(v) : JSON.stringify(v);

function flatten(title: string, obj: Record<string, unknown>, out: TortureSection[]): void {
  const rows: Array<readonly [string, string]> = [];
  const nested: Array<[string, Record<string, unknown>]> = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) nested.push([k, v as Record<string, unknown>]);
    else rows.push([k, fmt(v)]);
  }
  if (rows.length > 0) out.push({ title, rows });
  for (const [k, v] of nested) flatten(title === "" ? k : `${title} · ${k}`, v, out);
}

declare const data: TortureData | null;
export { data };

export default defineLoader({
  watch: ["../../torture/results.json"],
  load(watched: string[]): TortureData | null {
    const file = process.env.RCU_TORTURE_RESULTS ?? watched[0];
    if (file === undefined || !existsSync(file)) return null;
    try {
      const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return null;
      const sections: TortureSection[] = [];
      flatten("", raw as Record<string, unknown>, sections);
      return { file: "apps/torture/results.json", sections };
    } catch (err) {
      console.warn(`[docs] could not read ${file}: ${String(err)}`);
      return null;
    }
  },
});
