import { expect, test } from "vitest";
import { main } from "./effect-metrics.js";

test("effect-metrics: the domain's counters appear as gauges in Metric.snapshot", async () => {
  const gauges = await main();
  expect(gauges["rcu_callbacks_run"]).toBe(1);
  expect(gauges["rcu_pending_callbacks"]).toBe(0);
  expect(gauges["rcu_grace_periods_completed"]).toBeGreaterThanOrEqual(1);
  expect(gauges["rcu_readers"]).toBe(0);
  expect(Object.keys(gauges)).toContain("rcu_stalls");
});
