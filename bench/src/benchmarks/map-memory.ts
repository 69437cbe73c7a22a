/**
 * 13. Shared map memory: 1M entries read by 4 workers.
 *
 * Ours: one `@rcu/map` of 1,000,000 `u32` keys → `{ port: u16, weight: f64 }`, shared by every worker: the bytes
 * of its shared buffers (records, bucket tables including the one outgrown, the pending ring), counted once
 * whatever the number of readers (a worker's attach costs a few views). Baseline: what each of 4 workers would
 * otherwise hold, a JS `Map` of the same 1M entries with `{ port, weight }` objects — measured here as the heap
 * growth (`heapUsed` after a full GC) of building one such copy, times 4. Goal: ours ≤ 1/3 of the copies.
 */
import { createSharedDomain } from "@rcu/core/shared";
import { createSharedMap } from "@rcu/map";
import type { Benchmark } from "../types.js";
import { MAP_LAYOUT } from "./map-shared.js";

const WORKERS = 4;

export const mapMemory: Benchmark = {
  name: "map-memory",
  title: "shared map memory, 1M entries for 4 workers vs a Map copy per worker",
  repetitions: { full: 3, quick: 1 },
  warmup: { full: 0, quick: 0 },
  rows: [
    {
      id: "memory",
      name: "15. map memory, 1M entries read by 4 workers vs per-worker Map copies",
      unit: "MB",
      ratio: "ours/baseline",
      baselineLabel: "4 Map copies",
      goal: { text: "≤ 0.33×", value: 1 / 3, direction: "max" },
    },
  ],
  async run(ctx) {
    const n = ctx.scale(1_000_000, 200_000);
    const domain = createSharedDomain({ maxThreads: WORKERS + 1, name: "bench-map-memory" });
    const map = createSharedMap({ domain, key: "u32", value: MAP_LAYOUT, capacity: 1024, maxCapacity: n });
    for (let k = 0; k < n; k++) map.set(k, { port: k & 0xffff, weight: k / 2 });
    const ours = map.stats().bytes / 1e6;
    ctx.gc();
    const before = process.memoryUsage().heapUsed;
    const copy = new Map<number, { port: number; weight: number }>();
    for (let k = 0; k < n; k++) copy.set(k, { port: k & 0xffff, weight: k / 2 });
    ctx.gc();
    const one = (process.memoryUsage().heapUsed - before) / 1e6;
    ctx.log(`shared ${ours.toFixed(1)} MB (${map.size} keys); one Map copy ${one.toFixed(1)} MB (${copy.size} keys)`);
    await domain.close();
    return { memory: { ours, baseline: WORKERS * one } };
  },
};
