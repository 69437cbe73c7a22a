/**
 * `typesafe: true` (SLAB_TYPESAFE_BY_RCU): objects may be lent again before their grace period, so readers
 * follow the revalidation recipe — keep the generation published with the object, read the fields, re-check
 * the generation — and must detect every reuse that happened while they were reading.
 */
import type { ReadGuard } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPool } from "./create-pool.js";
import type { Lease } from "./lease.js";

interface Row {
  key: number;
  version: number;
  check: number;
}

const checksum = (key: number, version: number): number => key * 1_000_003 + version;

describe("typesafe pools", () => {
  it("acquire prefers the free list, then dequeues a pending object, then creates", () => {
    const domain = createManualDomain();
    let nextId = 0;
    const pool = createPool({ domain, create: () => ({ id: nextId++ }), typesafe: true });
    const [a, b] = [pool.acquire(), pool.acquire()];
    a.release();
    domain.advance(); // a → free
    b.release(); // b → pending
    expect(pool.acquire().value).toBe(a.value);
    expect(pool.acquire().value).toBe(b.value);
    expect(pool.acquire().value.id).toBe(2);
    expect(pool.stats()).toMatchObject({ reusedFromFree: 1, reusedFromPending: 1, created: 3 });
  });

  it("never dequeues an object doomed by a failed reset; it is destroyed after its grace period", () => {
    const domain = createManualDomain();
    let nextId = 0;
    const failFor = new Set([0]);
    const destroyed: number[] = [];
    const pool = createPool({
      domain,
      create: () => ({ id: nextId++ }),
      reset: (o) => {
        if (failFor.delete(o.id)) throw new Error("corrupt");
      },
      destroy: (o) => void destroyed.push(o.id),
      typesafe: true,
      max: 2,
    });
    const [a, b] = [pool.acquire(), pool.acquire()];
    a.release();
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: "RESET_FAILED" })); // a is doomed
    b.release();
    const next = pool.acquire();
    expect(next.value).toBe(b.value); // skips the doomed one
    expect(pool.tryAcquire()).toBeUndefined(); // a still counts toward max until destroyed
    domain.advance();
    expect(destroyed).toEqual([0]);
    expect(pool.acquire().value.id).toBe(2);
  });

  it("bumps the generation before reset, so a reader checking during reset already sees the reuse", () => {
    const domain = createManualDomain();
    const observed: boolean[] = [];
    const published: { current?: { obj: Row; gen: number } } = {};
    const pool = createPool<Row>({
      domain,
      create: () => ({ key: 0, version: 0, check: 0 }),
      reset: (row) => {
        // a concurrent reader validating its snapshot right now:
        observed.push(pool.generationOf(published.current!.obj) === published.current!.gen);
        row.key = row.version = row.check = -1;
      },
      typesafe: true,
    });
    const lease = pool.acquire();
    published.current = { obj: lease.value, gen: lease.generation };
    lease.release();
    pool.acquire();
    expect(observed).toEqual([false]);
  });

  it("the revalidation recipe detects every reuse under an interleaved writer (property)", () => {
    type Step = { kind: "read"; reader: number; key: number } | { kind: "write"; key: number } | { kind: "gp" };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant("read" as const), reader: fc.nat({ max: 2 }), key: fc.nat({ max: 2 }) }),
      fc.record({ kind: fc.constant("write" as const), key: fc.nat({ max: 2 }) }),
      fc.constant({ kind: "gp" as const }),
    );
    let detectedReuses = 0;
    let tornReadsCaught = 0;
    let validatedReads = 0;

    fc.assert(
      fc.property(
        fc.array(step, { minLength: 20, maxLength: 120, size: "max" }),
        fc.integer({ min: 3, max: 6 }),
        (steps, max) => {
          const domain = createManualDomain();
          const pool = createPool<Row>({
            domain,
            create: () => ({ key: -1, version: -1, check: -1 }),
            reset: (row) => {
              row.key = row.version = row.check = -1;
            },
            typesafe: true,
            max,
          });
          // Ground truth, independent of the pool: how many times the writer has been handed each object.
          const lends = new Map<Row, number>();
          const index = new Map<number, { obj: Row; gen: number }>();
          const leases = new Map<number, Lease<Row>>();
          let version = 0;

          const write = (key: number): void => {
            const lease = pool.tryAcquire();
            if (lease === undefined) return;
            const row = lease.value;
            lends.set(row, (lends.get(row) ?? 0) + 1);
            row.key = key;
            row.version = ++version;
            row.check = checksum(key, row.version);
            index.set(key, { obj: row, gen: lease.generation }); // publish, then retire the old row
            leases.get(key)?.release();
            leases.set(key, lease);
          };

          // A reader is a small state machine; each "read" step moves one reader one phase, so the writer
          // can run between any two of its field reads (an srcu reader spanning awaits).
          interface Reader {
            phase: number;
            guard?: ReadGuard | undefined;
            key: number;
            entry?: { obj: Row; gen: number };
            lendsAtStart: number;
            seenKey: number;
            seenVersion: number;
            seenCheck: number;
          }
          const readers: Reader[] = [0, 1, 2].map(() => ({
            phase: 0,
            key: 0,
            lendsAtStart: 0,
            seenKey: 0,
            seenVersion: 0,
            seenCheck: 0,
          }));

          const readStep = (r: Reader, key: number): void => {
            switch (r.phase) {
              case 0: {
                const entry = index.get(key);
                if (entry === undefined) return;
                r.guard = domain.readLock();
                r.key = key;
                r.entry = entry; // keep the generation published with the object
                r.lendsAtStart = lends.get(entry.obj)!;
                r.phase = 1;
                return;
              }
              case 1:
                r.seenKey = r.entry!.obj.key;
                r.phase = 2;
                return;
              case 2:
                r.seenVersion = r.entry!.obj.version;
                r.phase = 3;
                return;
              case 3:
                r.seenCheck = r.entry!.obj.check;
                r.phase = 4;
                return;
              default: {
                const { obj, gen } = r.entry!;
                const valid = pool.generationOf(obj) === gen; // re-check
                const reused = lends.get(obj) !== r.lendsAtStart;
                expect(valid).toBe(!reused); // every reuse detected, and no false alarm
                const consistent = r.seenKey === r.key && r.seenCheck === checksum(r.seenKey, r.seenVersion);
                if (valid) {
                  validatedReads += 1;
                  expect(consistent).toBe(true); // a validated snapshot is one whole row
                } else {
                  detectedReuses += 1;
                  if (!consistent) tornReadsCaught += 1;
                }
                r.guard!.unlock();
                r.guard = undefined;
                r.phase = 0;
              }
            }
          };

          for (const s of steps) {
            if (s.kind === "write") write(s.key);
            else if (s.kind === "gp") domain.advance();
            else readStep(readers[s.reader]!, s.key);
          }
          for (const r of readers) r.guard?.unlock();
        },
      ),
      { numRuns: 300 },
    );
    // Not vacuous: reuse under readers happened, and some of it would have produced a torn row.
    expect(detectedReuses).toBeGreaterThan(0);
    expect(tornReadsCaught).toBeGreaterThan(0);
    expect(validatedReads).toBeGreaterThan(0);
  });
});
