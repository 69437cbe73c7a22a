import { expect, test } from "vitest";
import { main } from "./map-routing-table.js";

test("map-routing-table: four workers route from one shared table while the main thread updates it live", async () => {
  const r = await main({ workers: 4, updates: 400 });
  expect(r.exitCodes).toEqual([0, 0, 0, 0]);
  expect(r.reports).toHaveLength(4);
  for (const w of r.reports) {
    expect(w.routed).toBeGreaterThan(0);
    expect(w.torn).toBe(0);
  }
  expect(Math.max(...r.reports.map((w) => w.newest))).toBeGreaterThan(1); // the workers saw live updates
  expect(r.final.weight).toBe(r.final.version); // 400 updates on top of the last set, none lost
  expect(r.final.version).toBe(402);
  expect(r.stats.size).toBe(7); // "/admin" was deleted by the last round
}, 30_000);
