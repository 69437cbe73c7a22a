/**
 * Stall detection (docs: concepts/misuse.md): a reader held past `stallTimeoutMs` is reported — never
 * thrown — exactly once per grace period, with the number of readers on the old index and the age, and with
 * `debug` the stack where each of those readers entered. Timers are faked (`setTimeout`, `Date`); the turn hook
 * (`setImmediate`) stays real, so grace periods still flip at real turn boundaries.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDomain } from "./domain.js";
import { isRcuError } from "./errors.js";
import type { RcuError } from "./errors.js";
import { createManualDomain } from "./testing.js";
import type { DomainOptions, RcuDomain, ReadGuard } from "./types.js";
import { turn } from "./test-support/index.js";

type StallReport = RcuError & { readers: number; ageMs: number; stacks: string[] };

function setup(options: DomainOptions): { domain: RcuDomain; stalls: StallReport[]; others: unknown[] } {
  const stalls: StallReport[] = [];
  const others: unknown[] = [];
  const domain = createDomain({
    ...options,
    onError: (e) => (isRcuError(e, "STALL") ? stalls.push(e as StallReport) : others.push(e)),
  });
  return { domain, stalls, others };
}

// Named helpers, so the recorded entry stacks can be told apart.
function enterOldReader(domain: RcuDomain): ReadGuard {
  return domain.readLock();
}
function enterNewReader(domain: RcuDomain): ReadGuard {
  return domain.readLock();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("stall detection", () => {
  it.each(["srcu", "loop"] as const)(
    "%s: a reader held past stallTimeoutMs is reported once per grace period with readers and age",
    async (flavor) => {
      const { domain, stalls, others } = setup({ flavor, stallTimeoutMs: 30 });
      const g = domain.readLock();
      let disposed = 0;
      domain.retire({ [Symbol.dispose]: () => void disposed++ });
      let synced = false;
      void domain.synchronize().then(() => (synced = true));
      await turn(); // the grace period starts; the reader is on the old index
      expect(domain.stats().gracePeriodsStarted).toBe(1);
      vi.advanceTimersByTime(29);
      expect(stalls).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(stalls).toHaveLength(1);
      const report = stalls[0]!;
      expect(report.code).toBe("STALL");
      expect(report.readers).toBe(1);
      expect(report.ageMs).toBe(30);
      expect(report.stacks).toEqual([]);
      expect(report.message).toContain("debug: true");
      vi.advanceTimersByTime(60_000);
      await turn();
      expect(stalls).toHaveLength(1); // once per grace period, however long it stalls
      expect(domain.stats().stalls).toBe(1);
      expect(synced).toBe(false);
      expect(disposed).toBe(0);

      g.unlock();
      await turn();
      await turn();
      expect(synced).toBe(true);
      expect(disposed).toBe(1); // reported, never dropped

      // the next grace period that stalls is reported again
      const g2 = domain.readLock();
      void domain.synchronize();
      await turn();
      vi.advanceTimersByTime(30);
      expect(stalls).toHaveLength(2);
      expect(domain.stats().stalls).toBe(2);
      g2.unlock();
      expect(others).toEqual([]);
    },
  );

  it("with debug, reports the stack where each reader on the old index entered (not the newer readers)", async () => {
    const { domain, stalls } = setup({ flavor: "srcu", stallTimeoutMs: 30, debug: true });
    const old1 = enterOldReader(domain);
    const old2 = enterOldReader(domain);
    void domain.synchronize();
    await turn();
    const newer = enterNewReader(domain); // arrived after the flip: does not hold this grace period
    vi.advanceTimersByTime(30);
    expect(stalls).toHaveLength(1);
    const report = stalls[0]!;
    expect(report.readers).toBe(2);
    expect(report.stacks).toHaveLength(2);
    for (const stack of report.stacks) {
      expect(stack).toContain("enterOldReader");
      expect(stack).not.toContain("enterNewReader");
    }
    expect(report.message).toContain("enterOldReader");
    old1.unlock();
    old2.unlock();
    newer.unlock();
  });

  it("a grace period that ends in time, or that no reader holds, is not reported", async () => {
    const { domain, stalls } = setup({ flavor: "srcu", stallTimeoutMs: 30 });
    await Promise.all([domain.synchronize(), turn()]);
    vi.advanceTimersByTime(100);
    const g = domain.readLock();
    const p = domain.synchronize();
    await turn();
    vi.advanceTimersByTime(29);
    g.unlock();
    await p;
    vi.advanceTimersByTime(1000);
    expect(stalls).toEqual([]);
    expect(domain.stats().stalls).toBe(0);
  });

  it("stallTimeoutMs: 0 disables the detector", async () => {
    const { domain, stalls } = setup({ flavor: "srcu", stallTimeoutMs: 0 });
    const g = domain.readLock();
    void domain.synchronize();
    await turn();
    vi.advanceTimersByTime(10 * 60_000);
    expect(stalls).toEqual([]);
    g.unlock();
  });

  it("works on a manual domain when asked (off by default there)", () => {
    const stalls: unknown[] = [];
    const domain = createManualDomain({ stallTimeoutMs: 10, onError: (e) => stalls.push(e) });
    const g = domain.readLock();
    expect(domain.advance()).toBe(false);
    vi.advanceTimersByTime(10);
    expect(stalls).toHaveLength(1);
    expect((stalls[0] as StallReport).readers).toBe(1);
    g.unlock();
    expect(domain.endGracePeriod()).toBe(true);

    const quiet: unknown[] = [];
    const byDefault = createManualDomain({ onError: (e) => quiet.push(e) });
    const g2 = byDefault.readLock();
    byDefault.advance();
    vi.advanceTimersByTime(10 * 60_000);
    expect(quiet).toEqual([]);
    g2.unlock();
  });
});
