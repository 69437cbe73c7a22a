/**
 * `createPending` beyond the `rcu_pending.c` cases (those are in pending.rcu-pending-cases.test.ts, the model test in
 * pending.model.test.ts): steady-state allocation, the per-turn bound, high-water mark / ready() /
 * onPressure, pendingBytes, error isolation, re-entrancy, flush/drain lifecycle and misuse, int32 storage,
 * opportunistic processing, and options validation.
 *
 * "GP completed but the engine has not run yet" is set up as in the spec-cases file: a `domain.defer`
 * registered before the engine arms runs first inside the same `endGracePeriod()`/`advance()`.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { onDomainClose } from "./domain/on-close.js";
import { RcuError } from "./errors.js";
import { createManualDomain } from "./testing.js";
import type { PendingOptions, PendingStats, RcuDomain, RcuPending } from "./types.js";
import { probe, turn } from "./test-support/index.js";

/** One real turn (lets the engine's turn hook and promise callbacks run). */
const settle = turn;

function code(err: unknown): string | undefined {
  return err instanceof RcuError ? err.code : undefined;
}

describe("steady state allocates no chunks", () => {
  for (const storage of ["object", "int32"] as const) {
    it(`after warm-up, enqueue + process cycles keep chunksAllocated constant (${storage})`, () => {
      const domain = createManualDomain();
      let processed = 0;
      const eng = createPending<number>(domain, { process: () => void processed++, chunkSize: 4, storage });
      const cycle = (i: number): void => {
        const n = 1 + (i % 13); // 1..13 items: up to 4 chunks per batch
        for (let k = 0; k < n; k++) eng.enqueue(k);
        if (i % 3 === 0) eng.dequeue();
        domain.advance();
      };
      for (let i = 0; i < 30; i++) cycle(i);
      const warm = eng.stats().chunksAllocated;
      expect(warm).toBeGreaterThan(0);
      for (let i = 30; i < 1000; i++) cycle(i);
      expect(eng.stats().chunksAllocated).toBe(warm);
      expect(eng.stats().chunksCached).toBeGreaterThan(0);
      expect(processed + eng.stats().dequeued).toBe(eng.stats().enqueued);
    });
  }

  it("overlapping batches (enqueue while a grace period runs) also reach a constant chunk count", () => {
    const domain = createManualDomain();
    const eng = createPending<string>(domain, { process: () => {}, chunkSize: 2 });
    const cycle = (): void => {
      for (let k = 0; k < 5; k++) eng.enqueue("x");
      domain.startGracePeriod();
      for (let k = 0; k < 5; k++) eng.enqueue("y"); // second live batch
      domain.endGracePeriod();
    };
    for (let i = 0; i < 10; i++) cycle();
    const warm = eng.stats().chunksAllocated;
    for (let i = 0; i < 500; i++) cycle();
    expect(eng.stats().chunksAllocated).toBe(warm);
  });

  it("on a real loop domain, turn after turn", async () => {
    const domain = createDomain({ name: "steady" });
    const eng = createPending<number>(domain, { process: () => {}, chunkSize: 8 });
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < 20; k++) eng.enqueue(k);
      await eng.flush();
    }
    const warm = eng.stats().chunksAllocated;
    for (let i = 0; i < 100; i++) {
      for (let k = 0; k < 20; k++) eng.enqueue(k);
      await eng.flush();
    }
    expect(eng.stats().chunksAllocated).toBe(warm);
    await domain.close();
  });
});

describe("maxPerTurn bounds the work per turn", () => {
  it("manual domain: each manual call processes at most maxPerTurn, the rest continues on the next call", () => {
    const domain = createManualDomain();
    const seen: number[] = [];
    const eng = createPending<number>(domain, { process: (x) => void seen.push(x), maxPerTurn: 3 });
    for (let i = 0; i < 10; i++) eng.enqueue(i);
    domain.advance();
    expect(seen).toEqual([0, 1, 2]);
    expect(domain.endGracePeriod()).toBe(false); // no grace period to end, but the continuation runs
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    domain.startGracePeriod();
    expect(seen.length).toBe(9);
    domain.endGracePeriod();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(eng.stats().pending).toBe(0);
  });

  it("the budget is shared by the engine's own run and opportunistic processing in enqueue", () => {
    const domain = createManualDomain();
    const log: string[] = [];
    domain.defer(() => eng.enqueue("D"));
    const eng: RcuPending<string> = createPending<string>(domain, {
      process: (x) => void log.push(x),
      maxPerTurn: 2,
    });
    for (const x of ["A", "B", "C"]) eng.enqueue(x);
    domain.advance();
    // enqueue(D) processed A and B inline (budget 2); the engine's notification found the budget spent.
    expect(log).toEqual(["A", "B"]);
    domain.startGracePeriod(); // next turn
    expect(log).toEqual(["A", "B", "C"]);
    domain.endGracePeriod();
    expect(log).toEqual(["A", "B", "C", "D"]);
  });

  it("a batch behind an out-of-budget expired batch is processed when its own grace period ends (not one later)", () => {
    // Found by the model test: while batch 4 was expired but out of budget (no notification armed), a new
    // batch (cookie 12) armed the one notification on 12; when the continuation then dropped batch 4 (emptied by
    // dequeue, so nothing was processed and no further continuation was queued), batch 8 waited for 12.
    const domain = createManualDomain();
    const seen: string[] = [];
    const eng = createPending<string>(domain, { process: (x) => void seen.push(x), maxPerTurn: 1 });
    for (const x of ["A1", "A2", "A3"]) eng.enqueue(x); // cookie 4
    domain.startGracePeriod();
    eng.enqueue("B"); // cookie 8
    domain.endGracePeriod(); // seq 4: A1 (budget spent)
    domain.startGracePeriod(); // continuation: A2; seq 5
    expect(eng.dequeue()).toBe("A3"); // batch 4 is now empty but still there
    eng.enqueue("C"); // cookie 12: the first arm since batch 4 expired
    expect(domain.endGracePeriod()).toBe(true); // continuation drops batch 4; seq 8
    expect(seen).toEqual(["A1", "A2", "B"]);
    domain.advance();
    expect(seen).toEqual(["A1", "A2", "B", "C"]);
    expect(domain.stats().waiters).toBe(0);
  });

  for (const flavor of ["loop", "srcu"] as const) {
    it(`${flavor} domain: no synchronous run processes more than maxPerTurn; all items arrive in order`, async () => {
      const domain = createDomain({ flavor, name: `bound-${flavor}` });
      const seen: number[] = [];
      const runs: number[] = [];
      let inRun = false;
      const eng = createPending<number>(domain, {
        maxPerTurn: 4,
        process: (x) => {
          seen.push(x);
          if (!inRun) {
            // A new synchronous run: it ends at the next microtask checkpoint.
            inRun = true;
            runs.push(0);
            queueMicrotask(() => void (inRun = false));
          }
          runs[runs.length - 1]!++;
        },
      });
      for (let i = 0; i < 25; i++) eng.enqueue(i);
      await eng.flush();
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect(Math.max(...runs)).toBeLessThanOrEqual(4);
      expect(runs.length).toBeGreaterThanOrEqual(7);
      await domain.close();
    });
  }
});

describe("highWaterMark, ready() and onPressure", () => {
  it("items: ready() resolves only once back at or below the mark; onPressure fires once per upward crossing", async () => {
    const domain = createManualDomain();
    const pressure: PendingStats[] = [];
    const eng = createPending<number>(domain, {
      process: () => {},
      highWaterMark: { items: 3 },
      onPressure: (s) => void pressure.push(s),
    });
    for (let i = 0; i < 3; i++) eng.enqueue(i);
    await eng.ready(); // at the mark is not above it
    await settle();
    expect(pressure).toEqual([]);

    eng.enqueue(3); // 4 > 3: upward crossing
    const r1 = probe(eng.ready());
    eng.enqueue(4);
    eng.enqueue(5);
    await settle();
    expect(pressure).toHaveLength(1);
    expect(pressure[0]!.pending).toBeGreaterThan(3);
    expect(r1.settled).toBe(false);

    eng.dequeue(); // 5: still above
    eng.dequeue(); // 4
    await settle();
    expect(r1.settled).toBe(false);
    eng.dequeue(); // 3: at the mark
    await settle();
    expect(r1.settled).toBe(true);

    for (let i = 0; i < 2; i++) eng.enqueue(i); // 5: second crossing
    const r2 = probe(eng.ready());
    await settle();
    expect(pressure).toHaveLength(2);
    expect(r2.settled).toBe(false);
    domain.advance();
    await settle();
    expect(r2.settled).toBe(true);
    expect(eng.stats()).toMatchObject({ pending: 0, pressureEvents: 2 });
  });

  it("bytes: pendingBytes follows sizeOf; ready() waits while bytes are above the mark", async () => {
    const domain = createManualDomain();
    let pressured = 0;
    const eng = createPending<string>(domain, {
      process: () => {},
      sizeOf: (s) => s.length,
      highWaterMark: { bytes: 10 },
      onPressure: () => void pressured++,
    });
    eng.enqueue("aaaa");
    eng.enqueue("bbbbbb");
    expect(eng.pendingBytes).toBe(10);
    await eng.ready();
    eng.enqueue("c");
    expect(eng.pendingBytes).toBe(11);
    expect(eng.stats().pendingBytes).toBe(11);
    const r = probe(eng.ready());
    await settle();
    expect(pressured).toBe(1);
    expect(r.settled).toBe(false);
    expect(eng.dequeue()).toBe("c");
    expect(eng.pendingBytes).toBe(10);
    await settle();
    expect(r.settled).toBe(true);
    domain.advance();
    expect(eng.pendingBytes).toBe(0);
  });

  it("over the mark on an auto domain: expedites (the grace period ends in a microtask, not a turn) and publishes rcu:pressure", async () => {
    const domain = createDomain({ name: "pressure" });
    const seen: number[] = [];
    const messages: unknown[] = [];
    const onMessage = (msg: unknown): void => void messages.push(msg);
    subscribe("rcu:pressure", onMessage);
    try {
      const eng = createPending<number>(domain, { process: (x) => void seen.push(x), highWaterMark: { items: 2 } });
      eng.enqueue(1);
      eng.enqueue(2);
      expect(domain.stats().expedited).toBe(0);
      eng.enqueue(3);
      expect(domain.stats().expedited).toBe(1);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ name: "pressure:pending", domain: "pressure", pending: 3 });
      await Promise.resolve();
      await Promise.resolve();
      expect(seen).toEqual([1, 2, 3]); // no setImmediate turn has passed
    } finally {
      unsubscribe("rcu:pressure", onMessage);
    }
    await domain.close();
  });

  it("a throwing onPressure is reported, not thrown into enqueue", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (e) => void errors.push(e) });
    const eng = createPending<number>(domain, {
      process: () => {},
      highWaterMark: { items: 1 },
      onPressure: () => {
        throw new Error("pressure hook broke");
      },
    });
    eng.enqueue(1);
    eng.enqueue(2);
    await settle();
    expect(errors).toHaveLength(1);
    expect(code(errors[0])).toBe("CALLBACK_FAILED");
    expect(eng.stats().errors).toBe(1);
  });
});

describe("errors in process", () => {
  it("a throwing process is reported as CALLBACK_FAILED with its cause, and the rest of the batch completes", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (e) => void errors.push(e) });
    const boom = new Error("boom");
    const seen: string[] = [];
    const eng = createPending<string>(domain, {
      process: (x) => {
        seen.push(x);
        if (x === "B") throw boom;
      },
    });
    for (const x of ["A", "B", "C", "D"]) eng.enqueue(x);
    expect(domain.advance()).toBe(true);
    expect(seen).toEqual(["A", "B", "C", "D"]);
    expect(errors).toHaveLength(1);
    const err = errors[0] as RcuError;
    expect(err).toBeInstanceOf(RcuError);
    expect(err.code).toBe("CALLBACK_FAILED");
    expect(err.cause).toBe(boom);
    expect(err.message).toContain("boom");
    expect(eng.stats()).toMatchObject({ processed: 4, errors: 1, pending: 0 });
    expect(domain.stats().errors).toBe(1);
  });

  it("a throwing process does not stop other work due in the same grace period", () => {
    const domain = createManualDomain({ onError: () => {} });
    const bad = createPending<number>(domain, {
      process: () => {
        throw new Error("always");
      },
    });
    const seen: number[] = [];
    const good = createPending<number>(domain, { process: (x) => void seen.push(x) });
    let deferred = false;
    bad.enqueue(1);
    bad.enqueue(2);
    good.enqueue(3);
    domain.defer(() => void (deferred = true));
    domain.advance();
    expect(seen).toEqual([3]);
    expect(deferred).toBe(true);
    expect(bad.stats()).toMatchObject({ processed: 2, errors: 2 });
  });
});

describe("sizeOf", () => {
  it("a throwing or bad sizeOf at enqueue throws there and changes nothing", () => {
    const domain = createManualDomain();
    const eng = createPending<number>(domain, {
      process: () => {},
      sizeOf: (x) => {
        if (x === 1) throw new Error("cannot size");
        return x === 2 ? NaN : x === 3 ? -1 : 8;
      },
    });
    expect(() => eng.enqueue(1)).toThrow("cannot size");
    expect(() => eng.enqueue(2)).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
    expect(() => eng.enqueue(3)).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
    expect(eng.stats()).toMatchObject({ enqueued: 0, pending: 0, pendingBytes: 0, batches: 0 });
    expect(domain.stats().waiters).toBe(0);
    eng.enqueue(4);
    expect(eng.pendingBytes).toBe(8);
  });

  it("a sizeOf that throws later is never called again: each item leaves with the size recorded at enqueue", () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (e) => void errors.push(e) });
    let broken = false;
    const seen: string[] = [];
    const eng = createPending<string>(domain, {
      process: (x) => void seen.push(x),
      sizeOf: (x) => {
        if (broken) throw new Error(`cannot size ${x}`);
        return x.length;
      },
    });
    eng.enqueue("aa");
    eng.enqueue("bbb");
    eng.enqueue("c");
    let deferred = false;
    domain.defer(() => void (deferred = true));
    broken = true;
    expect(eng.dequeue()).toBe("c"); // handed back despite the failing sizeOf
    expect(eng.pendingBytes).toBe(5);
    expect(() => domain.advance()).not.toThrow();
    expect(seen).toEqual(["aa", "bbb"]);
    expect(deferred).toBe(true);
    expect(errors).toEqual([]);
    expect(eng.stats()).toMatchObject({ pending: 0, pendingBytes: 0, batches: 0, errors: 0 });
    expect(domain.stats().waiters).toBe(0);
  });
});

describe("re-entrancy", () => {
  it("process may enqueue again: each generation waits for its own grace period (no livelock)", () => {
    const domain = createManualDomain();
    const seen: number[] = [];
    const eng: RcuPending<number> = createPending<number>(domain, {
      process: (x) => {
        seen.push(x);
        if (x < 3) eng.enqueue(x + 1);
      },
    });
    eng.enqueue(0);
    domain.advance();
    expect(seen).toEqual([0]);
    domain.advance();
    expect(seen).toEqual([0, 1]);
    domain.advance();
    domain.advance();
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(eng.size).toBe(0);
  });

  it("process may dequeue the rest of its own batch, and dequeueWhere inside process sees a consistent batch", () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    const taken: Array<string | undefined> = [];
    const eng: RcuPending<string> = createPending<string>(domain, {
      chunkSize: 2,
      process: (x) => {
        seen.push(x);
        if (x === "A") {
          taken.push(eng.dequeueWhere((y) => y === "C"));
          taken.push(eng.dequeue()); // E (newest)
        }
      },
    });
    for (const x of ["A", "B", "C", "D", "E"]) eng.enqueue(x);
    domain.advance();
    expect(taken).toEqual(["C", "E"]);
    expect(seen).toEqual(["A", "B", "D"]);
    expect(eng.stats()).toMatchObject({ processed: 3, dequeued: 2, pending: 0, batches: 0 });
  });
});

describe("flush and drain", () => {
  it("flush waits for items enqueued before it (not after), and the engine stays open", async () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    const eng = createPending<string>(domain, { process: (x) => void seen.push(x) });
    await eng.flush(); // nothing pending
    eng.enqueue("A");
    const f = probe(eng.flush());
    domain.startGracePeriod();
    eng.enqueue("B"); // after the flush, in a newer batch
    await settle();
    expect(f.settled).toBe(false);
    domain.endGracePeriod();
    await settle();
    expect(seen).toEqual(["A"]);
    expect(f.settled).toBe(true);
    expect(f.error).toBeUndefined();
    eng.enqueue("C"); // still open
    domain.advance();
    expect(seen).toEqual(["A", "B", "C"]);
  });

  it("flush counts a dequeued item as done once its grace period has passed", async () => {
    const domain = createManualDomain();
    const eng = createPending<string>(domain, { process: () => {} });
    eng.enqueue("A");
    const f = probe(eng.flush());
    eng.dequeue();
    domain.advance();
    await settle();
    expect(f.settled).toBe(true);
  });

  it("drain refuses enqueue from outside with CLOSED, accepts it from inside the domain's callbacks, and resolves empty", async () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    const eng: RcuPending<string> = createPending<string>(domain, {
      process: (x) => {
        seen.push(x);
        if (x === "parent") eng.enqueue("child"); // from inside: accepted while draining
      },
    });
    eng.enqueue("parent");
    const d = probe(eng.drain());
    expect(() => eng.enqueue("late")).toThrowError(expect.objectContaining({ code: "CLOSED" }));
    let message = "";
    try {
      eng.enqueue("late");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/drain/);
    domain.advance();
    await settle();
    expect(seen).toEqual(["parent"]);
    expect(d.settled).toBe(false); // the child keeps it draining
    domain.advance();
    await settle();
    expect(seen).toEqual(["parent", "child"]);
    expect(d.settled).toBe(true);
    expect(() => eng.enqueue("later")).toThrowError(expect.objectContaining({ code: "CLOSED" }));
    await eng.drain(); // a second drain resolves
    await eng[Symbol.asyncDispose]();
    expect(eng.dequeue()).toBeUndefined();
  });

  it("Symbol.asyncDispose is drain (await using)", async () => {
    const domain = createDomain({ name: "dispose" });
    const seen: number[] = [];
    {
      await using eng = createPending<number>(domain, { process: (x) => void seen.push(x) });
      eng.enqueue(1);
    }
    expect(seen).toEqual([1]);
    await domain.close();
  });

  it("domain.close() drains the engine; afterwards enqueue from outside throws CLOSED", async () => {
    const domain = createDomain({ name: "close-drains" });
    const seen: number[] = [];
    const eng = createPending<number>(domain, { process: (x) => void seen.push(x) });
    eng.enqueue(1);
    eng.enqueue(2);
    await domain.close();
    expect(seen).toEqual([1, 2]);
    expect(() => eng.enqueue(3)).toThrowError(expect.objectContaining({ code: "CLOSED" }));
  });

  it("domain.close() refuses enqueue from outside from the moment it is called, even while close hooks run", async () => {
    const domain = createManualDomain();
    const seen: string[] = [];
    const eng: RcuPending<string> = createPending<string>(domain, { process: (x) => void seen.push(x) });
    // Plain engine (no sizeOf/debug/int32) with a non-empty current batch: the enqueue fast path applies.
    eng.enqueue("a");
    eng.enqueue("b");
    let release!: () => void;
    onDomainClose(domain, () => {
      eng.enqueue("from-hook"); // calls from the domain's own close hooks count as inside
      return new Promise<void>((resolve) => (release = resolve));
    });
    const closing = domain.close();
    await settle();
    expect(() => eng.enqueue("late")).toThrowError(expect.objectContaining({ code: "CLOSED" }));
    release();
    await settle();
    domain.advance();
    await closing;
    expect(seen).toEqual(["a", "b", "from-hook"]);
  });

  it("flush/drain from inside process or a deferred callback reject with INSIDE_CALLBACK", async () => {
    const domain = createManualDomain();
    const results: Array<Promise<void>> = [];
    const eng: RcuPending<number> = createPending<number>(domain, {
      process: () => {
        results.push(eng.flush(), eng.drain());
      },
    });
    domain.defer(() => {
      results.push(eng.flush(), eng.drain());
    });
    eng.enqueue(1);
    domain.advance();
    expect(results).toHaveLength(4);
    const settled = await Promise.allSettled(results);
    for (const s of settled) {
      expect(s.status).toBe("rejected");
      expect(code((s as PromiseRejectedResult).reason)).toBe("INSIDE_CALLBACK");
    }
    // The engine is still open: the rejected drain did not close it.
    eng.enqueue(2);
    expect(eng.size).toBe(1);
  });

  it("flush/drain inside read(fn) reject with SELF_DEADLOCK; with a bare guard flush is legal", async () => {
    for (const domain of [
      createManualDomain(),
      createDomain({ name: "sd-loop" }),
      createDomain({ flavor: "srcu", name: "sd-srcu" }),
    ]) {
      const eng = createPending<number>(domain, { process: () => {} });
      eng.enqueue(1);
      const [f, d] = domain.read(() => [eng.flush(), eng.drain()]);
      await expect(f).rejects.toMatchObject({ code: "SELF_DEADLOCK" });
      await expect(d).rejects.toMatchObject({ code: "SELF_DEADLOCK" });
      eng.enqueue(2); // still open
      if (domain.flavor !== "loop") {
        const g = domain.readLock();
        const p = eng.flush();
        g.unlock();
        if ("advance" in domain) (domain as ReturnType<typeof createManualDomain>).advance();
        await p;
        expect(eng.size).toBe(0);
      }
      if ("advance" in domain) (domain as ReturnType<typeof createManualDomain>).advance();
      await domain.close();
    }
  });
});

describe("int32 storage", () => {
  it("stores integer items in Int32Array chunks, round-trips the full range, keeps order and dequeue semantics", () => {
    const domain = createManualDomain();
    const seen: number[] = [];
    const eng = createPending<number>(domain, { process: (x) => void seen.push(x), storage: "int32", chunkSize: 3 });
    const values = [0, -1, 2 ** 31 - 1, -(2 ** 31), 42, 7, -7];
    for (const v of values) eng.enqueue(v);
    expect(eng.stats().chunksAllocated).toBe(3);
    expect(eng.dequeue()).toBe(-7);
    expect(eng.dequeueWhere((x) => x === 42)).toBe(42);
    domain.advance();
    expect(seen).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31), 7]);
  });

  it("overflow past the chunk budget keeps int32 items exact", () => {
    const domain = createManualDomain();
    const seen: number[] = [];
    const eng = createPending<number>(domain, {
      process: (x) => void seen.push(x),
      storage: "int32",
      chunkSize: 2,
      maxChunks: 1,
    });
    for (let i = 0; i < 5; i++) eng.enqueue(i * 1000 - 2);
    expect(eng.stats().overflow).toBe(3);
    domain.advance();
    expect(seen).toEqual([-2, 998, 1998, 2998, 3998]);
  });
});

describe("opportunistic processing on enqueue", () => {
  function build(): {
    domain: ReturnType<typeof createManualDomain>;
    log: string[];
    enqueueLater: (fn: () => void) => void;
    eng: RcuPending<string>;
  } {
    const domain = createManualDomain();
    const log: string[] = [];
    let inner: () => void = () => {};
    domain.defer(() => inner());
    const eng = createPending<string>(domain, { process: (x) => void log.push(`P(${x})`) });
    return { domain, log, eng, enqueueLater: (fn) => void (inner = fn) };
  }

  it("processes already-expired batches before storing the new item", () => {
    const { domain, log, eng, enqueueLater } = build();
    enqueueLater(() => {
      eng.enqueue("B");
      log.push("stored B");
    });
    eng.enqueue("A");
    domain.advance();
    expect(log).toEqual(["P(A)", "stored B"]);
  });

  it("is skipped while a guard of the domain is held", () => {
    const { domain, log, eng, enqueueLater } = build();
    enqueueLater(() => {
      const g = domain.readLock();
      eng.enqueue("B");
      log.push("stored B");
      g.unlock();
    });
    eng.enqueue("A");
    domain.advance();
    expect(log).toEqual(["stored B", "P(A)"]); // A left to the engine's own run
  });

  it("is skipped inside a read(fn) section", () => {
    const { domain, log, eng, enqueueLater } = build();
    enqueueLater(() => {
      domain.read(() => {
        eng.enqueue("B");
        log.push("stored B");
      });
    });
    eng.enqueue("A");
    domain.advance();
    expect(log).toEqual(["stored B", "P(A)"]);
  });
});

describe("dequeueWhere", () => {
  it("a throwing predicate propagates to the caller and removes nothing", () => {
    const domain = createManualDomain();
    const eng = createPending<string>(domain, { process: () => {} });
    eng.enqueue("A");
    eng.enqueue("B");
    expect(() =>
      eng.dequeueWhere(() => {
        throw new Error("pred");
      }),
    ).toThrow("pred");
    expect(eng.size).toBe(2);
    expect(eng.dequeue()).toBe("B");
  });
});

describe("debug mode", () => {
  it("the same object enqueued twice while pending is DOUBLE_RETIRE; after processing it may be enqueued again", () => {
    const domain = createManualDomain({ debug: true });
    const eng = createPending<object>(domain, { process: () => {} });
    const o = {};
    eng.enqueue(o);
    expect(() => eng.enqueue(o)).toThrowError(expect.objectContaining({ code: "DOUBLE_RETIRE" }));
    expect(eng.size).toBe(1);
    domain.advance();
    eng.enqueue(o);
    expect(eng.dequeue()).toBe(o);
    eng.enqueue(o); // dequeued, so no longer pending
    expect(eng.size).toBe(1);
  });
});

describe("stats", () => {
  afterEach(() => void vi.useRealTimers());

  it("counts enqueued/processed/dequeued/batches/chunks/maxBatch/overflow and the oldest batch's age", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(10_000);
    const domain = createManualDomain();
    const eng = createPending<number>(domain, { process: () => {}, chunkSize: 2, maxChunks: 2 });
    expect(eng.stats()).toEqual({
      enqueued: 0,
      processed: 0,
      dequeued: 0,
      pending: 0,
      pendingBytes: 0,
      errors: 0,
      batches: 0,
      chunksAllocated: 0,
      chunksCached: 0,
      overflow: 0,
      maxBatch: 0,
      pressureEvents: 0,
      oldestAgeMs: 0,
    });
    for (let i = 0; i < 5; i++) eng.enqueue(i); // 2 chunks + 1 overflow (item 4)
    vi.setSystemTime(10_250);
    domain.startGracePeriod();
    eng.enqueue(5); // second batch: overflow (budget spent)
    expect(eng.dequeue()).toBe(4); // oldest batch, newest item: batch 4's overflow
    expect(eng.stats()).toMatchObject({
      enqueued: 6,
      dequeued: 1,
      pending: 5,
      batches: 2,
      chunksAllocated: 2,
      overflow: 1,
      maxBatch: 5,
      oldestAgeMs: 250,
    });
    domain.endGracePeriod();
    // Batch 4 (its 4 chunk items) is processed; item 5 waits in batch 8's overflow (its chunk budget was spent).
    expect(eng.stats()).toMatchObject({
      processed: 4,
      pending: 1,
      batches: 1,
      chunksCached: 2,
      overflow: 1,
      oldestAgeMs: 0,
    });
    domain.advance();
    expect(eng.stats()).toMatchObject({ processed: 5, pending: 0, batches: 0 });
  });
});

describe("options validation", () => {
  const domain: RcuDomain = createManualDomain();
  const ok = { process: () => {} };
  const bad: Array<[string, unknown]> = [
    ["no options", undefined],
    ["no process", {}],
    ["process not a function", { process: 1 }],
    ["sizeOf not a function", { ...ok, sizeOf: 3 }],
    ["maxPerTurn 0", { ...ok, maxPerTurn: 0 }],
    ["maxPerTurn negative", { ...ok, maxPerTurn: -1 }],
    ["maxPerTurn fractional", { ...ok, maxPerTurn: 1.5 }],
    ["maxPerTurn NaN", { ...ok, maxPerTurn: NaN }],
    ["maxPerTurn string", { ...ok, maxPerTurn: "10" }],
    ["chunkSize 0", { ...ok, chunkSize: 0 }],
    ["chunkSize Infinity", { ...ok, chunkSize: Infinity }],
    ["chunkSize above 65 536", { ...ok, chunkSize: 65_537 }],
    ["maxChunks 0", { ...ok, maxChunks: 0 }],
    ["highWaterMark.items 0", { ...ok, highWaterMark: { items: 0 } }],
    ["highWaterMark.bytes -5", { ...ok, highWaterMark: { bytes: -5 } }],
    ["storage unknown", { ...ok, storage: "float64" }],
  ];
  for (const [name, options] of bad) {
    it(`rejects ${name} with INVALID_OPTION and a message naming the option`, () => {
      let err: unknown;
      try {
        createPending(domain, options as PendingOptions<unknown>);
      } catch (e) {
        err = e;
      }
      expect(code(err)).toBe("INVALID_OPTION");
      expect((err as Error).message.length).toBeGreaterThan(20);
    });
  }

  it("accepts Infinity for maxPerTurn, maxChunks and the marks", () => {
    const eng = createPending(domain, {
      ...ok,
      maxPerTurn: Infinity,
      maxChunks: Infinity,
      highWaterMark: { items: Infinity, bytes: Infinity },
    });
    eng.enqueue(1);
    expect(eng.size).toBe(1);
  });

  it("accepts chunkSize at its bound (65 536) and stores items in such a chunk", () => {
    const eng = createPending<number>(domain, { ...ok, chunkSize: 65_536 });
    eng.enqueue(7);
    expect(eng.dequeue()).toBe(7);
  });

  it("rejects a domain that did not come from this copy of @rcu/core", () => {
    expect(() => createPending({} as RcuDomain, ok)).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
  });
});
