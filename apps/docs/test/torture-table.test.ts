// The Torture page's reader of apps/torture/results.json.
import { expect, it } from "vitest";
import { tabulate } from "../docs/.vitepress/torture-table.js";

it("turns a torture report into a summary and a metric × flavour table", () => {
  const d = tabulate(
    {
      date: "2026-11-28",
      seconds: 10,
      passed: 19,
      loop: { reads: 1310152, maxPipe: 1, violations: { pipe: 0 } },
      shared: { reads: 5, workers: { killed: 6 }, maxPipe: 1 },
    },
    "f.json",
  );
  expect(d.summary).toEqual([
    ["date", "2026-11-28"],
    ["seconds", "10"],
    ["passed", "19"],
  ]);
  expect(d.columns).toEqual(["loop", "shared"]);
  expect(d.rows).toEqual([
    { metric: "reads", values: ["1,310,152", "5"] },
    { metric: "maxPipe", values: ["1", "1"] },
    { metric: "violations.pipe", values: ["0", ""] },
    { metric: "workers.killed", values: ["", "6"] },
  ]);
});
