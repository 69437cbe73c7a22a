import { expect, test } from "vitest";
import { main } from "./testing-manual-domain.js";

test("testing-manual-domain: the entry is closed exactly inside endGracePeriod()", () => {
  const { steps, stats } = main();
  expect(steps).toEqual([
    { step: "evicted while a reader holds it", closed: false },
    { step: "advance() with the reader inside", ended: false, closed: false },
    { step: "reader left, nothing advanced yet", closed: false },
    { step: "endGracePeriod()", ended: true, closed: true },
  ]);
  expect(stats.gracePeriodsStarted).toBe(1);
  expect(stats.gracePeriodsCompleted).toBe(1);
  expect(stats.pendingCallbacks).toBe(0);
});
