/**
 * 44 behavioural cases of bcachefs `rcu_pending.c` (numbered 1–44: enqueue, dequeue, processing, the list
 * fallback, exit, wraparound), against `createPending` on the manual domain.
 *
 * Mapping of a fake grace-period model F for `rcu_pending.c` onto the manual domain:
 * - `F.startGp()` = `domain.startGracePeriod()`; `F.endGp()` + callbacks = `domain.endGracePeriod()` (due work
 *   runs synchronously inside it); both together = `domain.advance()`. The cookie encoding is the same
 *   (`rcu_seq`: idle at 0 → cookie 4; in progress at 1..3 → cookie 8).
 * - `rcu_pending.c`'s `callRcu` spy = the engine's one armed notification (`grace.onComplete`, visible as
 *   `domain.stats().waiters`); its `startPoll` spy = `grace.request`.
 * - `rcu_pending.c`'s lists (allocation-failure fallback) = the per-batch overflow array, forced with `maxChunks`;
 *   its radix leaf of 64 = `chunkSize` (small values here).
 * - "GP completed but the work has not run yet": a callback registered ahead of the engine in the same grace
 *   period (`domain.defer` before the engine arms) runs first inside `endGracePeriod()`; at that moment the
 *   engine's batch is expired and unprocessed, exactly `rcu_pending.c`'s window between `rcu_pending_rcu_cb` and the
 *   work item.
 *
 * Cases that do not apply (no test):
 * - 2 (exit on an uninitialised instance): `createPending` either returns a working engine or throws
 *   `INVALID_OPTION`; there is no half-initialised state. (A second `drain()` resolving is tested in
 *   pending.test.ts.)
 * - 17 (list fallback on darray growth failure): the batch array is a JS array; growing it cannot fail
 *   short of a fatal out-of-memory. The chunk budget (case 16) is the only fallback trigger.
 * - 28, 29 (`dequeue_from_all`, shard-local dequeue): one isolate, one engine = one shard; there are no
 *   per-CPU shards and no `dequeue_from_all`.
 * - 33 (32-bit wraparound): cookies of loop/srcu/manual domains are doubles; 2^53 grace periods never wrap.
 *   The 32-bit cookies of the `shared` flavour are tested with that flavour, not with this engine.
 * - 35 (done_exact guard band): only meaningful for wrapping cookies (the `shared` flavour), see 33.
 * - 36, 37, 38 (KVFREE bulk, vmalloc, headless): there is no KVFREE mode; `process` is always a function.
 *   (`domain.retire()` is the JS counterpart of kvfree_rcu and runs on this engine; see case 39.)
 *
 * Cases where our engine (docs: concepts/pending-engine.md) deliberately differs from `rcu_pending.c`, tested as
 * documented:
 * - 4, 7, 15: `rcu_pending.c`'s callback re-arms once more after the last items become processable and only disarms
 *   on a later firing; ours processes inside the notification and re-arms only while anything is pending, so
 *   it disarms as soon as nothing is pending.
 * - 9: `rcu_pending.c` takes the cookie before inline processing, so a `process` that advances the grace period can
 *   make the new item "already expired" and processed inside `enqueue`. We take the cookie after any
 *   processing, so the new item always waits for a grace period that starts after it was stored.
 * - 18, 19: the overflow array is the newest part of its batch, not a separate list, so `dequeue` is uniform:
 *   the oldest batch's newest item (overflow items first within a batch).
 * - 20(b): `rcu_pending.c`'s non-sleeping enqueue (no inline processing) maps to an enqueue while a reader of the
 *   domain is active, where our engine skips opportunistic processing.
 * - 40: there are no process modes; the counterpart of the mode assertion is the `int32` storage check.
 * - 44: `rcu_pending.c` strands an item appended with a stale cookie to an empty list; we must (and do) request the
 *   grace period, because the first item of a batch always arms or requests and emptied batches keep the
 *   engine armed until their cookie expires.
 */
import { describe, expect, it, vi, type MockInstance } from "vitest";
import fc from "fast-check";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { GP_COMPLETED } from "./grace-period.js";
import { internalsOf } from "./domain/internals.js";
import type { Grace } from "./flavor/grace-source.js";
import { createManualDomain, type ManualDomain } from "./testing.js";
import type { PendingOptions, RcuPending } from "./types.js";
import { turn } from "./test-support/index.js";

interface Harness<T> {
  readonly domain: ManualDomain;
  readonly eng: RcuPending<T>;
  readonly seen: T[];
  /** `rcu_pending.c`'s `callRcu` spy: the engine arming its one notification on a cookie. */
  readonly onComplete: MockInstance<Grace["onComplete"]>;
  /** `rcu_pending.c`'s `startPoll` spy: requesting a grace period without arming. */
  readonly request: MockInstance<Grace["request"]>;
}

function setup<T = string>(options: Partial<PendingOptions<T>> = {}, domain = createManualDomain()): Harness<T> {
  const grace = internalsOf(domain).grace;
  const onComplete = vi.spyOn(grace, "onComplete");
  const request = vi.spyOn(grace, "request");
  const seen: T[] = [];
  const eng = createPending<T>(domain, { process: (x) => void seen.push(x), ...options });
  return { domain, eng, seen, onComplete, request };
}

/** Number of calls of `spy` whose first argument is `cookie`. */
function callsWith(
  spy: { readonly mock: { readonly calls: ReadonlyArray<readonly unknown[]> } },
  cookie: number,
): number {
  return spy.mock.calls.filter((c) => c[0] === cookie).length;
}

/** Lets promise callbacks run (manual domains never need a real turn). */
const settle = turn;

function drainAll<T>(eng: RcuPending<T>): T[] {
  const out: T[] = [];
  for (let x = eng.dequeue(); x !== undefined; x = eng.dequeue()) out.push(x);
  return out;
}

describe("rcu_pending.c behavioural cases", () => {
  it("case 1: init then exit on an empty engine returns, processes nothing, arms nothing", async () => {
    const { domain, eng, seen, onComplete } = setup();
    await eng.drain();
    expect(seen).toEqual([]);
    expect(onComplete).not.toHaveBeenCalled();
    expect(domain.stats().waiters).toBe(0);
  });

  it("case 3: the first enqueue arms the one notification exactly once, on cookie 4", () => {
    const { domain, eng, seen, onComplete } = setup();
    expect(domain.getState()).toBe(4);
    eng.enqueue("A");
    expect(onComplete).toHaveBeenCalledTimes(1);
    expect(onComplete.mock.calls[0]![0]).toBe(4);
    expect(domain.stats().waiters).toBe(1);
    expect(seen).toEqual([]);
    expect(eng.stats()).toMatchObject({ pending: 1, batches: 1 });
  });

  it("case 4: processed after its grace period; disarmed as soon as nothing is pending (ours, not one GP later)", () => {
    const { domain, eng, seen, onComplete } = setup();
    eng.enqueue("A");
    domain.startGracePeriod();
    expect(seen).toEqual([]);
    expect(domain.endGracePeriod()).toBe(true);
    expect(seen).toEqual(["A"]);
    // `rcu_pending.c` re-arms once more here and disarms on the next firing; we never re-arm with nothing pending.
    expect(domain.stats().waiters).toBe(0);
    domain.advance();
    domain.advance();
    expect(seen).toEqual(["A"]);
    expect(onComplete).toHaveBeenCalledTimes(1);
  });

  it("case 5: items enqueued in one window share one batch and are processed FIFO", () => {
    const { domain, eng, seen, onComplete } = setup();
    eng.enqueue("A");
    eng.enqueue("B");
    eng.enqueue("C");
    expect(eng.stats()).toMatchObject({ batches: 1, maxBatch: 3, pending: 3 });
    expect(onComplete).toHaveBeenCalledTimes(1);
    domain.advance();
    expect(seen).toEqual(["A", "B", "C"]);
  });

  it("case 6: a second batch while armed gets cookie 8 and requests its grace period without arming", () => {
    const { domain, eng, onComplete, request } = setup();
    eng.enqueue("A");
    domain.startGracePeriod();
    expect(domain.getState()).toBe(8);
    request.mockClear();
    eng.enqueue("B");
    expect(eng.stats().batches).toBe(2);
    expect(onComplete).toHaveBeenCalledTimes(1); // not armed again
    expect(request).toHaveBeenCalledTimes(1); // startPoll
    expect(request).toHaveBeenCalledWith(8);
  });

  it("case 7: partial expiry processes only the expired batch, re-arms for the rest, then disarms", () => {
    const { domain, eng, seen, onComplete } = setup();
    eng.enqueue("A");
    domain.startGracePeriod();
    eng.enqueue("B");
    expect(domain.endGracePeriod()).toBe(true); // seq 4: cookie 4 done, 8 not
    expect(seen).toEqual(["A"]);
    expect(domain.stats().waiters).toBe(1); // re-armed: B is pending
    expect(callsWith(onComplete, 8)).toBe(1);
    domain.advance(); // seq 5 → 8
    expect(seen).toEqual(["A", "B"]);
    expect(domain.stats().waiters).toBe(0); // ours: disarmed right away
  });

  it("case 8: an enqueue after the grace period ended but before the engine ran processes the backlog inline first", () => {
    const domain = createManualDomain();
    const log: string[] = [];
    // Registered before the engine arms, so it runs first inside the same endGracePeriod().
    domain.defer(() => {
      log.push("enqueue(B) begins");
      eng.enqueue("B");
      log.push("enqueue(B) returns");
    });
    const eng: RcuPending<string> = createPending<string>(domain, {
      process: (x) => void log.push(`P(${x}) size=${eng.size}`),
    });
    eng.enqueue("A");
    expect(domain.advance()).toBe(true);
    // P(A) ran inside enqueue(B), before B was stored (size 0 at that point); B stays queued.
    expect(log).toEqual(["enqueue(B) begins", "P(A) size=0", "enqueue(B) returns"]);
    expect(eng.size).toBe(1);
    domain.advance();
    expect(log.at(-1)).toBe("P(B) size=0");
  });

  it("case 9: a process that advances the grace period cannot make the new item 'already expired' (ours: cookie taken after)", () => {
    const domain = createManualDomain();
    const log: string[] = [];
    domain.defer(() => {
      log.push("enqueue(B) begins");
      eng.enqueue("B");
      log.push("enqueue(B) returns");
    });
    const eng: RcuPending<string> = createPending<string>(domain, {
      process: (x) => {
        log.push(`P(${x})`);
        if (x === "A") domain.advance(); // moves the grace period on while running (nested)
      },
    });
    eng.enqueue("A");
    domain.advance();
    // `rcu_pending.c` would also run P(B) here (its cookie, taken before P(A), expired meanwhile); ours stores B with a
    // fresh cookie, so B waits for a grace period that starts after it was stored.
    expect(log).toEqual(["enqueue(B) begins", "P(A)", "enqueue(B) returns"]);
    expect(eng.size).toBe(1);
    domain.startGracePeriod();
    expect(log).not.toContain("P(B)");
    domain.endGracePeriod();
    expect(log.at(-1)).toBe("P(B)");
  });

  it("case 10: dequeue on an empty engine returns undefined", () => {
    const { eng } = setup();
    expect(eng.dequeue()).toBeUndefined();
    expect(eng.dequeueWhere(() => true)).toBeUndefined();
  });

  it("case 11: dequeue is LIFO within a batch", () => {
    const { eng } = setup();
    eng.enqueue("A");
    eng.enqueue("B");
    eng.enqueue("C");
    expect(drainAll(eng)).toEqual(["C", "B", "A"]);
  });

  it("case 12: dequeue takes from the oldest batch first", () => {
    const { domain, eng } = setup();
    eng.enqueue("A"); // cookie 4
    domain.startGracePeriod();
    eng.enqueue("B"); // cookie 8
    expect(eng.dequeue()).toBe("A");
    expect(eng.dequeue()).toBe("B");
  });

  it("case 13: dequeue ignores expiry and the taken item is never processed", async () => {
    const { domain, eng, seen } = setup();
    eng.enqueue("A");
    expect(eng.dequeue()).toBe("A"); // no grace period has elapsed
    domain.advance();
    domain.advance();
    await eng.flush();
    expect(seen).toEqual([]);
    expect(eng.stats()).toMatchObject({ enqueued: 1, dequeued: 1, processed: 0, pending: 0 });
  });

  it("case 14: a batch emptied by dequeue is kept, and its next first item requests the grace period again", () => {
    const { domain, eng, seen, onComplete, request } = setup();
    eng.enqueue("A");
    eng.dequeue();
    expect(eng.size).toBe(0);
    expect(eng.stats().batches).toBe(1); // the entry stays (still pending for `rcu_pending.c`'s has_pending)
    request.mockClear();
    eng.enqueue("B"); // same window, nr == 0 → start_gp
    expect(request).toHaveBeenCalledWith(4);
    expect(onComplete).toHaveBeenCalledTimes(1); // still armed from A: startPoll, not a second arm
    domain.advance();
    expect(seen).toEqual(["B"]);
  });

  it("case 15: an emptied batch keeps the notification armed until its cookie expires, then it disarms (no extra GP)", () => {
    const { domain, eng, seen } = setup();
    eng.enqueue("A");
    eng.dequeue();
    expect(domain.stats().waiters).toBe(1);
    domain.startGracePeriod();
    expect(domain.stats().waiters).toBe(1);
    domain.endGracePeriod();
    expect(eng.stats().batches).toBe(0); // the expired empty batch is popped
    expect(domain.stats().waiters).toBe(0); // ours: disarmed on that same firing
    expect(seen).toEqual([]);
  });

  it("case 16: past the chunk budget an item goes to the overflow array, still requests its GP, and is processed", () => {
    const { domain, eng, seen, request } = setup({ chunkSize: 4, maxChunks: 1 });
    eng.enqueue("F"); // batch 4 takes the only chunk
    domain.startGracePeriod();
    request.mockClear();
    eng.enqueue("A"); // batch 8: no chunk left → overflow (`rcu_pending.c`'s list path)
    expect(eng.stats()).toMatchObject({ overflow: 1, chunksAllocated: 1, batches: 2 });
    expect(request).toHaveBeenCalledWith(8);
    domain.endGracePeriod();
    expect(seen).toEqual(["F"]);
    expect(domain.stats().waiters).toBe(1); // re-armed for the overflow item
    domain.advance();
    expect(seen).toEqual(["F", "A"]);
    expect(eng.stats()).toMatchObject({ overflow: 0, pending: 0 });
  });

  it("case 18 (ours): the overflow is the newest part of its batch, so dequeue takes it before the chunk items", () => {
    const { eng } = setup({ chunkSize: 1, maxChunks: 1 });
    eng.enqueue("B"); // chunk
    eng.enqueue("A"); // overflow
    expect(eng.stats().overflow).toBe(1);
    // rcu_pending.c: radix first (B, then A). Ours: oldest batch, newest item.
    expect(eng.dequeue()).toBe("A");
    expect(eng.dequeue()).toBe("B");
  });

  it("case 19 (ours): overflow items are dequeued newest first within their batch, oldest batch first", () => {
    const { domain, eng } = setup({ chunkSize: 1, maxChunks: 1 });
    eng.enqueue("C0"); // batch 4, chunk
    eng.enqueue("X1"); // batch 4, overflow
    eng.enqueue("X2");
    domain.startGracePeriod();
    eng.enqueue("Y1"); // batch 8, overflow (budget still spent)
    expect(eng.stats().overflow).toBe(3);
    // bcachefs rcu_pending.c (lists, head first) would give X1, X2, Y1. Ours: uniform oldest-batch/newest-item.
    expect(drainAll(eng)).toEqual(["X2", "X1", "C0", "Y1"]);
  });

  describe("case 20: expired overflow batches and a third cookie", () => {
    function build(readerDuringEnqueue: boolean): { log: string[]; domain: ManualDomain; eng: RcuPending<string> } {
      const domain = createManualDomain();
      const log: string[] = [];
      domain.defer(() => {
        domain.startGracePeriod(); // seq 5: cookie 4 done, 8 in flight, new items get 12
        const guard = readerDuringEnqueue ? domain.readLock() : undefined;
        log.push("enqueue(Z) begins");
        eng.enqueue("Z");
        log.push("enqueue(Z) returns");
        guard?.unlock();
      });
      const eng: RcuPending<string> = createPending<string>(domain, {
        process: (x) => void log.push(`P(${x})`),
        chunkSize: 1,
        maxChunks: 1,
      });
      eng.enqueue("C0"); // cookie 4, chunk
      eng.enqueue("X1"); // cookie 4, overflow
      domain.startGracePeriod();
      eng.enqueue("Y1"); // cookie 8, overflow
      return { log, domain, eng };
    }

    it("(a) an enqueue processes the expired overflow batch inline, then the new item opens a cookie-12 batch", () => {
      const { log, domain, eng } = build(false);
      const request = vi.spyOn(internalsOf(domain).grace, "request");
      domain.endGracePeriod();
      expect(log).toEqual(["enqueue(Z) begins", "P(C0)", "P(X1)", "enqueue(Z) returns"]);
      expect(request).toHaveBeenCalledWith(12); // start_gp for the new batch
      expect(eng.stats().batches).toBe(2); // 8 and 12
      domain.endGracePeriod(); // seq 8
      expect(log.slice(4)).toEqual(["P(Y1)"]);
      domain.advance(); // seq 12
      expect(log.slice(5)).toEqual(["P(Z)"]);
    });

    it("(b, ours: reader active ≙ non-sleeping) no inline processing; the engine's own run takes the expired batch", () => {
      const { log, domain } = build(true);
      domain.endGracePeriod();
      // Z is stored without processing anything; the engine's notification (next in the same end) then runs.
      expect(log).toEqual(["enqueue(Z) begins", "enqueue(Z) returns", "P(C0)", "P(X1)"]);
      domain.endGracePeriod();
      expect(log.at(-1)).toBe("P(Y1)");
      domain.advance();
      expect(log.at(-1)).toBe("P(Z)");
    });
  });

  it("case 21: processing order is the chunk part, then the overflow part", () => {
    const { domain, eng, seen } = setup({ chunkSize: 2, maxChunks: 1 });
    eng.enqueue("A");
    eng.enqueue("B");
    eng.enqueue("X");
    expect(eng.stats().overflow).toBe(1);
    domain.advance();
    expect(seen).toEqual(["A", "B", "X"]);
  });

  it("case 21 (ours): once a batch has overflowed, its later items follow the overflow even when a chunk frees up", () => {
    const { domain, eng, seen } = setup({ chunkSize: 1, maxChunks: 1 });
    eng.enqueue("C0"); // batch 4 holds the only chunk
    domain.startGracePeriod();
    eng.enqueue("O1"); // batch 8: overflow
    domain.endGracePeriod(); // C0 processed: its chunk is free again
    expect(seen).toEqual(["C0"]);
    expect(domain.getState()).toBe(8);
    eng.enqueue("O2"); // joins batch 8 behind O1 (not into the free chunk, which would put it ahead of O1)
    expect(eng.stats().overflow).toBe(2);
    expect(eng.dequeue()).toBe("O2"); // still the newest
    eng.enqueue("O2");
    domain.advance();
    expect(seen).toEqual(["C0", "O1", "O2"]);
  });

  it("case 22: several expired batches are all processed in one run, in cookie order", () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    let seenDuringNested: string[] | undefined;
    domain.defer(() => {
      domain.advance(); // nested: seq 4 → 8, so cookies 4 and 8 are both done before the engine runs
      seenDuringNested = [...seen];
    });
    const eng = createPending<string>(domain, { process: (x) => void seen.push(x) });
    eng.enqueue("A"); // cookie 4
    domain.startGracePeriod();
    eng.enqueue("B"); // cookie 8
    domain.endGracePeriod();
    expect(seenDuringNested).toEqual([]); // neither ran while the grace periods advanced
    expect(seen).toEqual(["A", "B"]); // one run of the engine took both batches
    expect(eng.stats()).toMatchObject({ batches: 0, pending: 0 });
  });

  it("§6 third cookie / stale-cookie spin: an expired batch left by the budget plus two live cookies just means three batches", () => {
    // `rcu_pending.c`'s list path can spin on a third distinct cookie; a JS engine has one thread and an unbounded
    // batch array, so enqueue always appends. Processing is still cookie order, FIFO.
    const { domain, eng, seen } = setup({ maxPerTurn: 1 });
    for (const x of ["A1", "A2", "A3"]) eng.enqueue(x); // cookie 4
    domain.advance(); // A1 (budget spent)
    eng.enqueue("B"); // cookie 8
    domain.startGracePeriod(); // next turn: A2; then seq 5
    eng.enqueue("C"); // cookie 12
    expect(eng.stats().batches).toBe(3);
    for (let i = 0; i < 10 && eng.size !== 0; i++) domain.advance();
    expect(seen).toEqual(["A1", "A2", "A3", "B", "C"]);
  });

  it("case 23: a processing run with nothing expired processes nothing and changes nothing", () => {
    const { domain, eng, seen } = setup();
    eng.enqueue("A");
    domain.advance(); // processes A and schedules a continuation for the next call
    eng.enqueue("B"); // cookie 8
    const before = eng.stats();
    domain.startGracePeriod(); // runs the continuation: B is not expired
    expect(seen).toEqual(["A"]);
    const after = eng.stats();
    expect(after).toEqual({ ...before, oldestAgeMs: after.oldestAgeMs }); // only the age moves
  });

  it("case 24: a new chunk is taken only when an item crosses a chunk boundary", () => {
    const { domain, eng, seen } = setup<number>({ chunkSize: 4 });
    for (let i = 1; i <= 4; i++) eng.enqueue(i);
    expect(eng.stats().chunksAllocated).toBe(1);
    eng.enqueue(5); // item 5 crosses the boundary
    expect(eng.stats().chunksAllocated).toBe(2);
    for (let i = 6; i <= 8; i++) eng.enqueue(i);
    expect(eng.stats().chunksAllocated).toBe(2);
    eng.enqueue(9);
    expect(eng.stats().chunksAllocated).toBe(3);
    domain.advance();
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(eng.stats().chunksCached).toBe(3); // all recycled
  });

  it("case 25: after a dequeue the next enqueue takes the freed slot (across a chunk boundary too)", () => {
    const { domain, eng, seen } = setup({ chunkSize: 4 });
    for (const x of ["A", "B", "C", "D"]) eng.enqueue(x);
    expect(eng.dequeue()).toBe("D");
    eng.enqueue("E");
    expect(eng.stats().chunksAllocated).toBe(1);
    eng.enqueue("F"); // index 4: second chunk
    expect(eng.dequeue()).toBe("F"); // gives the second chunk back
    expect(eng.stats().chunksCached).toBe(1);
    eng.enqueue("G"); // reuses it
    expect(eng.stats().chunksAllocated).toBe(2);
    domain.advance();
    expect(seen).toEqual(["A", "B", "C", "E", "G"]);
  });

  it("case 26: drain (exit) returns only after unexpired items were processed", async () => {
    const { domain, eng, seen } = setup();
    eng.enqueue("A");
    eng.enqueue("B");
    let drained = false;
    const d = eng.drain().then(() => void (drained = true));
    await settle();
    expect(drained).toBe(false);
    domain.advance();
    await d;
    expect(seen).toEqual(["A", "B"]);
    expect(eng.stats()).toMatchObject({ pending: 0, batches: 0 });
    expect(domain.stats().waiters).toBe(0);
  });

  it("case 26 on a real loop domain: drain drives the grace periods itself", async () => {
    const domain = createDomain({ name: "case-26" });
    const seen: string[] = [];
    const eng = createPending<string>(domain, { process: (x) => void seen.push(x) });
    eng.enqueue("A");
    eng.enqueue("B");
    await eng.drain();
    expect(seen).toEqual(["A", "B"]);
    await domain.close();
  });

  it("case 27: drain with only an armed notification (an emptied batch) waits until it has fired", async () => {
    const { domain, eng } = setup();
    eng.enqueue("A");
    eng.dequeue();
    expect(domain.stats().waiters).toBe(1);
    let drained = false;
    const d = eng.drain().then(() => void (drained = true));
    await settle();
    expect(drained).toBe(false);
    domain.advance();
    await d;
    expect(drained).toBe(true);
    expect(domain.stats().waiters).toBe(0);
  });

  it("case 30 (ours: flavour ≙ domain): grace periods of another domain never expire an engine's items", () => {
    const { domain, eng, seen } = setup();
    const other = createManualDomain();
    eng.enqueue("A");
    other.advance();
    other.advance();
    expect(seen).toEqual([]);
    domain.advance();
    expect(seen).toEqual(["A"]);
  });

  it("case 30 on a real srcu domain: a reader spanning await holds the item back; its unlock lets it through", async () => {
    const domain = createDomain({ flavor: "srcu", name: "case-30" });
    const seen: string[] = [];
    const eng = createPending<string>(domain, { process: (x) => void seen.push(x) });
    const guard = domain.readLock();
    eng.enqueue("A");
    for (let i = 0; i < 5; i++) await settle();
    expect(seen).toEqual([]);
    guard.unlock();
    await eng.flush();
    expect(seen).toEqual(["A"]);
    await domain.close();
  });

  it("case 31: two engines on one domain are independent", () => {
    const domain = createManualDomain();
    const a = setup({}, domain);
    const seenB: string[] = [];
    const b = createPending<string>(domain, { process: (x) => void seenB.push(x) });
    a.eng.enqueue("a1");
    a.eng.enqueue("a2");
    b.enqueue("b1");
    expect(b.dequeue()).toBe("b1");
    expect(a.eng.size).toBe(2);
    expect(b.dequeue()).toBeUndefined();
    b.enqueue("b2");
    domain.advance();
    expect(a.seen).toEqual(["a1", "a2"]);
    expect(seenB).toEqual(["b2"]);
    expect(a.eng.stats()).toMatchObject({ enqueued: 2, processed: 2, dequeued: 0 });
    expect(b.stats()).toMatchObject({ enqueued: 2, processed: 1, dequeued: 1 });
  });

  it("case 32: cookie shape, and at most two unexpired cookies (and so at most two batches) at any time", () => {
    const d = createManualDomain();
    expect(d.getState()).toBe(4);
    d.startGracePeriod();
    expect(d.getState()).toBe(8);
    d.endGracePeriod();
    expect(d.getState()).toBe(8);

    const op = fc.constantFrom("start", "end", "advance", "enqueue", "lock", "unlock");
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const domain = createManualDomain();
        const eng = createPending<number>(domain, { process: () => {} });
        const cookies = new Set<number>();
        const guards: Array<{ unlock(): void }> = [];
        for (const o of ops) {
          if (o === "start") domain.startGracePeriod();
          else if (o === "end") domain.endGracePeriod();
          else if (o === "advance") domain.advance();
          else if (o === "enqueue") eng.enqueue(1);
          else if (o === "lock") guards.push(domain.readLock());
          else guards.pop()?.unlock();
          cookies.add(domain.getState());
          const live = [...cookies].filter((c) => !domain.poll(c));
          expect(live.length).toBeLessThanOrEqual(2);
          expect(eng.stats().batches).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("case 34: GP_COMPLETED always polls true", async () => {
    const domain = createManualDomain();
    expect(domain.poll(GP_COMPLETED)).toBe(true);
    domain.startGracePeriod();
    expect(domain.poll(GP_COMPLETED)).toBe(true);
    await domain.waitFor(GP_COMPLETED);
  });

  it("case 39 (CALL_RCU ≙ defer): deferred functions run on the same engine after the GP, in enqueue order", () => {
    const domain = createManualDomain();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) domain.defer(() => void order.push(i));
    expect(domain.stats().pendingCallbacks).toBe(5);
    domain.startGracePeriod();
    expect(order).toEqual([]);
    domain.endGracePeriod();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("case 40 (ours: storage assertion): an int32 engine refuses items that are not int32", () => {
    const { eng } = setup<number>({ storage: "int32" });
    for (const bad of [1.5, 2 ** 31, NaN, "7" as unknown as number]) {
      expect(() => eng.enqueue(bad)).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
    }
    expect(eng.size).toBe(0);
  });

  it("case 41: process may enqueue and dequeue on the same engine; re-enqueued items wait for a later GP", () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    let taken: string | undefined;
    const eng: RcuPending<string> = createPending<string>(domain, {
      process: (x) => {
        seen.push(x);
        if (x === "A") {
          eng.enqueue("A2");
          taken = eng.dequeue(); // the oldest batch is the one being processed: its newest item
        }
      },
    });
    eng.enqueue("A");
    eng.enqueue("B");
    eng.enqueue("C");
    domain.advance();
    expect(taken).toBe("C");
    expect(seen).toEqual(["A", "B"]);
    expect(eng.size).toBe(1);
    domain.advance();
    expect(seen).toEqual(["A", "B", "A2"]);
    expect(eng.stats()).toMatchObject({ enqueued: 4, processed: 3, dequeued: 1, pending: 0 });
  });

  it("case 42: type-stable reuse — readers revalidate identity; process never runs under the old reader", () => {
    interface Obj {
      key: string;
      value: number;
    }
    const domain = createManualDomain();
    const freed: Obj[] = [];
    const cache = createPending<Obj>(domain, { process: (o) => void freed.push(o) });
    const table = new Map<string, Obj>([["K", { key: "K", value: 1 }]]);

    // Reader: section open, pointer to O keyed K.
    const guard = domain.readLock();
    const o = table.get("K")!;

    // Writer: unpublish, poison the identity, enqueue.
    table.delete("K");
    o.key = "\u0000poisoned";
    cache.enqueue(o);
    const other: Obj = { key: "dead", value: 0 };
    cache.enqueue(other);

    // Allocator: takes O back before its grace period (dequeue never checks expiry) and re-keys it.
    const alloc = cache.dequeueWhere((x) => x === o)!;
    expect(alloc).toBe(o);
    alloc.key = "K2";
    alloc.value = 2;
    table.set("K2", alloc);

    // Reader revalidates: same memory, different identity → retry the lookup.
    expect(o.key).not.toBe("K");
    expect(table.get("K")).toBeUndefined();

    // Nothing is processed while the reader that predates the enqueue is inside.
    expect(domain.advance()).toBe(false);
    expect(domain.endGracePeriod()).toBe(false);
    expect(freed).toEqual([]);
    guard.unlock();
    expect(domain.endGracePeriod()).toBe(true);
    expect(freed).toEqual([other]);
    expect(freed).not.toContain(o);
  });

  it("case 43: dequeueWhere takes the newest accepted item of the oldest batch and keeps the rest in order", () => {
    const { domain, eng, seen } = setup({ chunkSize: 2 });
    eng.enqueue("A");
    eng.enqueue("B");
    eng.enqueue("C");
    expect(eng.dequeueWhere((x) => x !== "C")).toBe("B");
    expect(eng.size).toBe(2);
    expect(eng.dequeueWhere(() => false)).toBeUndefined();
    expect(eng.size).toBe(2);
    domain.advance();
    expect(seen).toEqual(["A", "C"]);
  });

  it("case 43 across batches and the overflow: oldest batch first, then newest accepted item", () => {
    const { domain, eng } = setup({ chunkSize: 1, maxChunks: 1 });
    eng.enqueue("a1"); // batch 4 chunk
    eng.enqueue("b1"); // batch 4 overflow
    eng.enqueue("a2"); // batch 4 overflow
    domain.startGracePeriod();
    eng.enqueue("a3"); // batch 8 overflow
    expect(eng.dequeueWhere((x) => x.startsWith("a"))).toBe("a2");
    expect(eng.dequeueWhere((x) => x.startsWith("a"))).toBe("a1");
    expect(eng.dequeueWhere((x) => x.startsWith("a"))).toBe("a3");
    expect(eng.dequeueWhere((x) => x.startsWith("a"))).toBeUndefined();
    expect(drainAll(eng)).toEqual(["b1"]);
  });

  it("case 44: an item joining an emptied batch whose cookie is still live is never stranded (ours: must arm)", async () => {
    // `rcu_pending.c`'s stranding: a list emptied by dequeue keeps its stale cookie, the callback disarms because
    // nothing is pending, then an item with that same cookie is appended with start_gp = false.
    const { domain, eng, seen, request } = setup({ chunkSize: 1, maxChunks: 1 });
    eng.enqueue("A"); // cookie 4, the only chunk
    domain.startGracePeriod();
    eng.enqueue("L"); // cookie 8, overflow (list path)
    expect(eng.stats().overflow).toBe(1);
    expect(eng.dequeueWhere((x) => x === "L")).toBe("L"); // the cookie-8 batch is now empty
    domain.endGracePeriod(); // A processed; `rcu_pending.c` would disarm here (nothing pending)
    expect(seen).toEqual(["A"]);
    expect(domain.stats().waiters).toBe(1); // ours: the emptied batch keeps the notification armed
    request.mockClear();
    eng.enqueue("M"); // same cookie 8 as the emptied batch
    expect(domain.getState()).toBe(8);
    expect(request).toHaveBeenCalledWith(8); // start_gp fires for the emptied batch's new first item
    domain.advance();
    expect(seen).toEqual(["A", "M"]);
    await eng.drain(); // terminates: nothing stranded
    expect(domain.stats().waiters).toBe(0);
  });
});
