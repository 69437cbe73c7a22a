/**
 * Model test of `createSharedPending` (fast-check): random sequences of enqueue, takeExpired, dequeue,
 * drainExpired, read sections and grace periods against a FIFO model on a small ring (capacity 4, so it wraps
 * and fills). Grace periods only progress inside the `gp` step (no other step yields). Without a reader guard
 * the step is `await domain.synchronize()`, after which every item has expired ("yes"). With a guard held it
 * only lets the grace-period driver run for a moment, and the model tracks what RCU does and does not promise:
 * - an item enqueued while the guard is held must not expire before the guard is dropped ("no");
 * - an item enqueued before the guard was taken may expire under it ("maybe"): a grace period that was already
 *   in flight waits only for readers older than itself, not for one that entered later.
 * A "maybe" item may or may not be handed out by take/drain, but order, uniqueness and the "no" items are exact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRcuError } from "../errors.js";
import { createSharedPending } from "./shared-pending.js";
import { createSharedDomain } from "../shared.js";
import type { ReadGuard } from "../types.js";

type Op =
  | { readonly t: "enqueue"; readonly item: number }
  | { readonly t: "take" }
  | { readonly t: "dequeue" }
  | { readonly t: "drain"; readonly max: number }
  | { readonly t: "lock" }
  | { readonly t: "unlock" }
  | { readonly t: "gp" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((item) => ({ t: "enqueue", item }) as const) },
  { weight: 3, arbitrary: fc.constant({ t: "take" } as const) },
  { weight: 1, arbitrary: fc.constant({ t: "dequeue" } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((max) => ({ t: "drain", max }) as const) },
  { weight: 1, arbitrary: fc.constant({ t: "lock" } as const) },
  { weight: 1, arbitrary: fc.constant({ t: "unlock" } as const) },
  { weight: 2, arbitrary: fc.constant({ t: "gp" } as const) },
);

interface Entry {
  readonly item: number;
  expired: "no" | "maybe" | "yes";
}

/** How many head entries take/drain must hand out (`must`) and may hand out (`may`), at most `max`. */
function expiredPrefix(model: readonly Entry[], max: number): { must: number; may: number } {
  let must = 0;
  while (must < max && model[must]?.expired === "yes") must++;
  let may = must;
  while (may < max && (model[may]?.expired ?? "no") !== "no") may++;
  return { must, may };
}

describe("shared pending structure against a FIFO model", () => {
  it("hands out exactly the model's items, in order, only once expired", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const domain = createSharedDomain({ maxThreads: 1 });
        try {
          const pending = createSharedPending(domain, { capacity: 4 });
          const model: Entry[] = [];
          let guard: ReadGuard | undefined;
          for (const o of ops) {
            switch (o.t) {
              case "enqueue": {
                if (model.length === 4) {
                  let code: string | undefined;
                  try {
                    pending.enqueue(o.item);
                  } catch (err) {
                    code = isRcuError(err) ? err.code : "other";
                  }
                  expect(code).toBe("FULL");
                } else {
                  pending.enqueue(o.item);
                  model.push({ item: o.item, expired: "no" });
                }
                break;
              }
              case "take": {
                const { must, may } = expiredPrefix(model, 1);
                const got = pending.takeExpired();
                if (must === 1) expect(got).toBe(model[0]!.item);
                else if (may === 0) expect(got).toBe(-1);
                else expect([-1, model[0]!.item]).toContain(got);
                if (got !== -1) model.shift();
                break;
              }
              case "dequeue": {
                expect(pending.dequeue()).toBe(model.shift()?.item ?? -1);
                break;
              }
              case "drain": {
                const got: number[] = [];
                const n = pending.drainExpired((i) => got.push(i), o.max);
                const { must, may } = expiredPrefix(model, o.max);
                expect(got.length).toBeGreaterThanOrEqual(must);
                expect(got.length).toBeLessThanOrEqual(may);
                expect(got).toEqual(model.splice(0, got.length).map((e) => e.item));
                expect(n).toBe(got.length);
                break;
              }
              case "lock": {
                if (guard === undefined) {
                  guard = domain.readLock();
                  // a grace period already in flight may end under this (younger) reader
                  for (const e of model) if (e.expired === "no") e.expired = "maybe";
                }
                break;
              }
              case "unlock": {
                guard?.unlock();
                guard = undefined;
                break;
              }
              case "gp": {
                if (guard !== undefined) {
                  // let the driver run: items enqueued under this guard must stay unexpired ("no"), older
                  // ones may expire ("maybe"); the next take/drain steps check both
                  await new Promise((resolve) => setTimeout(resolve, 2));
                  break;
                }
                await domain.synchronize();
                for (const e of model) e.expired = "yes";
                break;
              }
            }
            expect(pending.size).toBe(model.length);
          }
          guard?.unlock();
        } finally {
          await domain.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
