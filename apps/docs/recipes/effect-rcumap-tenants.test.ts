import { expect, test } from "vitest";
import { main } from "./effect-rcumap-tenants.js";

test("effect-rcumap-tenants: one shared acquisition; a replaced value outlives the section that read it", async () => {
  const r = await main();
  expect(r.seen).toEqual({ generation: 1, closedDuringSection: false });
  expect(r.keys).toEqual(["acme"]);
  expect(r.log).toEqual(["open acme#1", "open acme#2", "close acme#1", "close acme#2"]);
});
