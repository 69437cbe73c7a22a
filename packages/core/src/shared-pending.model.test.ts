/**
 * Model test of `createSharedPending` (fast-check): random sequences of enqueue, takeExpired, dequeue,
 * drainExpired, read sections and grace periods against a FIFO model on a small ring (capacity 4, so it wraps
 * and fills). Grace periods only complete inside the `gp` step (`await domain.synchronize()`; no other step
 * yields), so the model knows exactly which items have expired: those enqueued before the last completed `gp`.
 * While the test holds a reader guard, a `gp` step only lets the grace-period driver run for a moment: nothing
 * may expire under that reader.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRcuError } from "./errors.js";
import { createSharedPending } from "./shared-pending.js";
import { createSharedDomain } from "./shared.js";
import type { ReadGuard } from "./types.js";

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
  expired: boolean;
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
                  model.push({ item: o.item, expired: false });
                }
                break;
              }
              case "take": {
                const head = model[0];
                const want = head !== undefined && head.expired ? head.item : -1;
                expect(pending.takeExpired()).toBe(want);
                if (want !== -1) model.shift();
                break;
              }
              case "dequeue": {
                expect(pending.dequeue()).toBe(model.shift()?.item ?? -1);
                break;
              }
              case "drain": {
                const got: number[] = [];
                const n = pending.drainExpired((i) => got.push(i), o.max);
                const want: number[] = [];
                while (want.length < o.max && model[0]?.expired === true) want.push(model.shift()!.item);
                expect(got).toEqual(want);
                expect(n).toBe(want.length);
                break;
              }
              case "lock": {
                guard ??= domain.readLock();
                break;
              }
              case "unlock": {
                guard?.unlock();
                guard = undefined;
                break;
              }
              case "gp": {
                if (guard !== undefined) {
                  // let the driver run: no grace period can end under our own reader, so nothing new expires
                  // (the next take/drain steps check that)
                  await new Promise((resolve) => setTimeout(resolve, 2));
                  break;
                }
                await domain.synchronize();
                for (const e of model) e.expired = true;
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
