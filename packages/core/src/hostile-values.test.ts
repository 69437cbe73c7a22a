/**
 * Hostile values from user code, one test per class of attack: values whose `String()` throws, thenables with
 * broken `then`s, timeouts out of range, forged or mismatched handles, re-entrant predicates, waits that never
 * settle, wrong types and misspelt options. Each must either work or fail with a coded `RcuError`, and never
 * strand pending work, leak a reader or escape as an uncaught exception.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectNoEscapes } from "./test-support/escapes.js";
import { createCell } from "./cell.js";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { isRcuError } from "./errors.js";
import { onDomainClose } from "./domain/on-close.js";
import { attachSharedDomain, attachSharedPending, createSharedDomain, createSharedPending } from "./shared.js";
import { createManualDomain } from "./testing.js";
import type { DomainOptions, RcuDomain } from "./types.js";

/** Fails any test after which an uncaught exception or unhandled rejection escaped. */
expectNoEscapes();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isRcuError(err) ? err.code : `not an RcuError: ${Object.prototype.toString.call(err)}`;
  }
  return "no throw";
}

/** A thrown value whose `String()` throws (typed as an Error so the hostile throws below type-check). */
function nullProto(): Error {
  return Object.create(null) as Error;
}

const until = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "resolved",
    (err: unknown) => (isRcuError(err) ? err.code : "rejected"),
  );

describe("values whose String() throws", () => {
  it("a process() throwing Object.create(null) is reported with a code and the rest of the batch runs", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    const seen: number[] = [];
    const pending = createPending<number>(domain, {
      process: (n) => {
        if (n === 1) throw nullProto();
        seen.push(n);
      },
    });
    for (const n of [0, 1, 2]) pending.enqueue(n);
    const flushed = pending.flush();
    domain.advance();
    expect(await flushed).toBeUndefined();
    expect(seen).toEqual([0, 2]);
    expect(errors.map((e) => (isRcuError(e) ? e.code : "raw"))).toEqual(["CALLBACK_FAILED"]);
    await domain.close();
  });

  it("an asyncDispose rejecting with Object.create(null) is reported and barrier() resolves", async () => {
    const errors: unknown[] = [];
    const domain = createManualDomain({ onError: (err) => errors.push(err) });
    domain.retire({ [Symbol.asyncDispose]: () => Promise.reject(nullProto()) });
    const barrier = domain.barrier();
    domain.advance();
    await barrier;
    expect(errors.map((e) => (isRcuError(e) ? e.code : "raw"))).toEqual(["CALLBACK_FAILED"]);
    await domain.close();
  });

  it("a signal aborted with Object.create(null) rejects the wait instead of throwing from the listener", async () => {
    const domain = createManualDomain();
    const controller = new AbortController();
    const wait = domain.synchronize({ signal: controller.signal });
    controller.abort(nullProto());
    await expect(wait).rejects.toBeInstanceOf(Error);
    await expect(domain.barrier({ signal: controller.signal })).rejects.toBeInstanceOf(Error);
    await domain.close();
  });

  it("a cookie that is a symbol or a null-prototype object is INVALID_COOKIE", () => {
    const domain = createManualDomain();
    expect(codeOf(() => domain.poll(Symbol("x") as unknown as number))).toBe("INVALID_COOKIE");
    expect(codeOf(() => domain.poll(nullProto() as unknown as number))).toBe("INVALID_COOKIE");
  });
});

describe("thenables with broken then", () => {
  const throwingThen = {
    then: () => {
      throw nullProto();
    },
  };
  const throwingGetter = Object.defineProperty({}, "then", {
    get: () => {
      throw new Error("getter");
    },
  });
  const twice = {
    then(resolve: () => void, reject: (e: unknown) => void) {
      resolve();
      reject(new Error("second"));
      resolve();
    },
  };

  it.each([
    ["loop", () => createDomain()],
    ["srcu", () => createDomain({ flavor: "srcu" })],
    ["manual", () => createManualDomain()],
  ] as const)(
    "%s: read(() => thenable) whose then throws or whose getter throws leaks no reader",
    async (_name, make) => {
      const domain: RcuDomain = make();
      for (const value of [throwingThen, throwingGetter]) {
        expect(() => domain.read(() => value)).not.toThrow();
        expect(domain.stats().readers).toBe(0);
      }
      if (domain.flavor === "manual") (domain as ReturnType<typeof createManualDomain>).advance();
      else await domain.synchronize();
      await domain.close();
    },
  );

  it.each([
    ["loop", () => createDomain()],
    ["srcu", () => createDomain({ flavor: "srcu" })],
    ["manual", () => createManualDomain()],
  ] as const)(
    "%s: a thenable that settles twice ends its section once (reader count never negative)",
    async (_name, make) => {
      const domain: RcuDomain = make();
      domain.read(() => twice);
      expect(domain.stats().readers).toBe(0);
      const guard = domain.readLock();
      expect(domain.stats().readers).toBe(1);
      if (domain.flavor === "manual") {
        // the live reader must block the grace period
        expect((domain as ReturnType<typeof createManualDomain>).advance()).toBe(false);
      }
      guard.unlock();
      expect(domain.stats().readers).toBe(0);
      await domain.close();
    },
  );

  it.each([
    ["loop", () => createDomain()],
    ["srcu", () => createDomain({ flavor: "srcu" })],
  ] as const)(
    "%s: read(fn) returning a native promise holds the section until it settles (also rejected); one whose " +
      "then() throws before subscribing (a species constructor that throws, a non-promise carrying " +
      "Promise.prototype.then) ends it at once",
    async (_name, make) => {
      const domain: RcuDomain = make();
      let settle!: () => void;
      let fail!: (err: unknown) => void;
      const pending = domain.read(() => new Promise<void>((resolve) => (settle = resolve)));
      const failing = domain.read(() => new Promise<void>((_resolve, reject) => (fail = reject)));
      expect(domain.stats().readers).toBe(2);
      settle();
      await pending;
      expect(domain.stats().readers).toBe(1);
      fail(nullProto());
      await until(failing);
      expect(domain.stats().readers).toBe(0);

      class Hostile<T> extends Promise<T> {
        static override get [Symbol.species](): PromiseConstructor {
          throw nullProto();
        }
      }
      const fake = { then: Promise.prototype.then };
      for (const value of [Hostile.resolve(1), fake]) {
        expect(() => domain.read(() => value)).not.toThrow();
        expect(domain.stats().readers).toBe(0);
      }
      await domain.synchronize();
      await domain.close();
    },
  );

  it.each([0, 30_000])(
    "a deferred callback returning a thenable whose then throws settles at once (settleTimeoutMs %i)",
    async (settleTimeoutMs) => {
      const errors: unknown[] = [];
      const domain = createManualDomain({ settleTimeoutMs, onError: (err) => errors.push(err) });
      domain.defer(() => throwingThen);
      domain.defer(() => throwingGetter as PromiseLike<void>);
      domain.defer(() => twice as unknown as PromiseLike<void>);
      const barrier = until(domain.barrier());
      domain.advance();
      expect(await barrier).toBe("resolved");
      expect(domain.stats().asyncInFlight).toBe(0);
      expect(errors.map((e) => (isRcuError(e) ? e.code : "raw"))).toEqual(["CALLBACK_FAILED", "CALLBACK_FAILED"]);
      await domain.close();
    },
  );
});

describe("timeouts out of range", () => {
  it.each([
    ["settleTimeoutMs", 2 ** 31],
    ["settleTimeoutMs", 1e10],
    ["settleTimeoutMs", Infinity],
    ["settleTimeoutMs", 0.5],
    ["stallTimeoutMs", 2 ** 31],
    ["stallTimeoutMs", 1e10],
    ["stallTimeoutMs", Infinity],
    ["stallTimeoutMs", 10.5],
  ] as const)("createDomain({ %s: %d }) is INVALID_OPTION", (key, value) => {
    expect(codeOf(() => createDomain({ [key]: value }))).toBe("INVALID_OPTION");
    expect(codeOf(() => createManualDomain({ [key]: value }))).toBe("INVALID_OPTION");
  });

  it("2^31 - 1 and 0 are accepted", async () => {
    const domain = createDomain({ settleTimeoutMs: 2 ** 31 - 1, stallTimeoutMs: 0 });
    await domain.close();
  });
});

describe("exit while a disposer hangs", () => {
  it("a script ending in await close() stays alive until close resolves, reports SETTLE_TIMEOUT and exits 0", async () => {
    const fixture = fileURLToPath(new URL("../test/fixtures/close-with-hung-disposer.mjs", import.meta.url));
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [fixture], { timeout: 20_000, encoding: "utf8" }, (error, stdout) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout });
      });
    });
    expect(run).toEqual({ code: 0, stdout: "closed SETTLE_TIMEOUT\n" });
  }, 30_000);
});

describe("forged or mismatched shared handles", () => {
  it("attachSharedDomain refuses a handle whose maxThreads does not match its buffer", async () => {
    const domain = createSharedDomain({ maxThreads: 2 });
    const forged = { ...domain.handle, maxThreads: 1 };
    expect(codeOf(() => attachSharedDomain(forged))).toBe("INVALID_OPTION");
    await domain.close();
    domain.detach();
  });

  it("attachSharedPending refuses a handle made for another domain", async () => {
    const a = createSharedDomain({ maxThreads: 2 });
    const b = createSharedDomain({ maxThreads: 2 });
    const pendingA = createSharedPending(a, { capacity: 4 });
    expect(codeOf(() => attachSharedPending(pendingA.handle, b))).toBe("INVALID_OPTION");
    expect(() => attachSharedPending(pendingA.handle, a)).not.toThrow();
    await a.close();
    await b.close();
    a.detach();
    b.detach();
  });
});

describe("re-entrancy", () => {
  it("a dequeueWhere predicate that calls dequeue/enqueue/dequeueWhere is refused: nothing handed out twice or lost", async () => {
    const domain = createManualDomain();
    const processed: number[] = [];
    const pending = createPending<number>(domain, { process: (n) => processed.push(n) });
    for (const n of [1, 2, 3]) pending.enqueue(n);
    const inner: Array<() => unknown> = [
      () => pending.dequeue(),
      () => pending.enqueue(9),
      () => pending.dequeueWhere(() => true),
    ];
    for (const call of inner) {
      let innerCode: string | undefined;
      const taken = pending.dequeueWhere((n) => {
        innerCode = codeOf(call);
        return n === 2;
      });
      expect(innerCode).toBe("REENTRANT");
      if (taken !== undefined) expect(taken).toBe(2);
      if (taken === 2) pending.enqueue(2); // put it back for the next round
    }
    expect(pending.size).toBe(3);
    domain.advance();
    domain.advance();
    expect(processed.sort()).toEqual([1, 2, 3]);
    await domain.close();
  });
});

describe("waits that never settle", () => {
  it("an onDomainClose hook that never settles is bounded by the settle timeout (SETTLE_TIMEOUT)", async () => {
    const errors: unknown[] = [];
    const domain = createDomain({ settleTimeoutMs: 20, onError: (err) => errors.push(err) });
    onDomainClose(domain, () => new Promise<void>(() => {}));
    await domain.close();
    expect(errors.map((e) => (isRcuError(e) ? e.code : "raw"))).toEqual(["SETTLE_TIMEOUT"]);
  });
});

describe("wrong types and unknown options", () => {
  it("null or non-object options are INVALID_OPTION", () => {
    const domain = createManualDomain();
    expect(codeOf(() => createCell(domain, 1, null as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => createPending(domain, null as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => createDomain(null as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => createDomain(5 as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => createManualDomain(null as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => createSharedDomain(null as never))).toBe("INVALID_OPTION");
  });

  it("int32 and shared pending refuse symbols and bigints with a code", async () => {
    const domain = createManualDomain();
    const ints = createPending<number>(domain, { process: () => {}, storage: "int32" });
    expect(codeOf(() => ints.enqueue(Symbol() as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => ints.enqueue(1n as never))).toBe("INVALID_OPTION");
    expect(ints.size).toBe(0);
    const shared = createSharedDomain({ maxThreads: 1 });
    const ring = createSharedPending(shared, { capacity: 2 });
    expect(codeOf(() => ring.enqueue(Symbol() as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => ring.enqueue(1n as never))).toBe("INVALID_OPTION");
    expect(ring.size).toBe(0);
    await shared.close();
    shared.detach();
  });

  it("an unknown option key is INVALID_OPTION with a did-you-mean", () => {
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return isRcuError(err, "INVALID_OPTION") ? err.message : "wrong error";
      }
      return "no throw";
    };
    expect(message(() => createDomain({ flavour: "srcu" } as DomainOptions))).toContain("did you mean `flavor`");
    expect(message(() => createManualDomain({ settleTimeout: 5 } as DomainOptions))).toContain(
      "did you mean `settleTimeoutMs`",
    );
    const domain = createManualDomain();
    expect(message(() => createPending(domain, { process: () => {}, maxPerTrun: 1 } as never))).toContain(
      "did you mean `maxPerTurn`",
    );
    expect(message(() => createPending(domain, { process: () => {}, highWaterMark: { item: 1 } } as never))).toContain(
      "did you mean `items`",
    );
    expect(message(() => createCell(domain, 1, { retier: () => {} } as never))).toContain("did you mean `retire`");
  });
});

describe("sizeOf changing while an item is pending", () => {
  it("the size recorded at enqueue is the one subtracted: pendingBytes never negative, ready() resolves", async () => {
    const domain = createManualDomain();
    let size = 10;
    const pending = createPending<object>(domain, {
      process: () => {},
      sizeOf: () => size,
      highWaterMark: { bytes: 15 },
    });
    pending.enqueue({});
    pending.enqueue({});
    expect(pending.pendingBytes).toBe(20);
    const ready = until(pending.ready());
    size = 1_000; // grows while pending
    pending.dequeue();
    expect(pending.pendingBytes).toBe(10);
    size = 0;
    domain.advance();
    expect(pending.pendingBytes).toBe(0);
    expect(await ready).toBe("resolved");
    await domain.close();
  });
});
