/**
 * Type tests of the public surface of `@rcu/core` and `@rcu/core/testing` (run by vitest typecheck).
 */
import { describe, expectTypeOf, it } from "vitest";
import type {
  CellOptions,
  DomainOptions,
  DomainStats,
  Flavor,
  GpCookie,
  PendingStats,
  RcuCell,
  RcuDomain,
  RcuErrorCode,
  RcuPending,
  ReadGuard,
} from "./index.js";
import { createCell, createDomain, createPending, GP_COMPLETED, isRcuError, onDomainClose, RcuError } from "./index.js";
import type { ManualControls, ManualDomain } from "./testing.js";
import { createManualDomain } from "./testing.js";

declare const domain: RcuDomain;

describe("createDomain", () => {
  it("returns an RcuDomain and takes only loop/srcu as a flavour", () => {
    expectTypeOf(createDomain()).toEqualTypeOf<RcuDomain>();
    expectTypeOf(
      createDomain({ flavor: "srcu", name: "x", stallTimeoutMs: 5, debug: true }),
    ).toEqualTypeOf<RcuDomain>();
    expectTypeOf<DomainOptions["flavor"]>().toEqualTypeOf<"loop" | "srcu" | undefined>();
    // @ts-expect-error shared lives in @rcu/core/shared
    createDomain({ flavor: "shared" });
    // @ts-expect-error not a flavour
    createDomain({ flavor: "fast" });
    // @ts-expect-error stallTimeoutMs is a number
    createDomain({ stallTimeoutMs: "5s" });
    expectTypeOf<Flavor>().toEqualTypeOf<"loop" | "srcu" | "shared" | "manual">();
    expectTypeOf(domain.flavor).toEqualTypeOf<Flavor>();
  });

  it("is AsyncDisposable (await using)", () => {
    expectTypeOf<RcuDomain>().toExtend<AsyncDisposable>();
    expectTypeOf(domain.close).returns.toEqualTypeOf<Promise<void>>();
  });
});

describe("readers", () => {
  it("read(fn) returns what fn returns, promise or not", () => {
    expectTypeOf(domain.read(() => 42)).toEqualTypeOf<number>();
    expectTypeOf(domain.read(async () => "x")).toEqualTypeOf<Promise<string>>();
    expectTypeOf(domain.read(() => ({ a: 1 }) as const)).toEqualTypeOf<{ readonly a: 1 }>();
  });

  it("readLock() returns a Disposable guard usable with `using`", () => {
    expectTypeOf(domain.readLock()).toEqualTypeOf<ReadGuard>();
    expectTypeOf<ReadGuard>().toExtend<Disposable>();
    expectTypeOf<ReadGuard["unlock"]>().toEqualTypeOf<() => void>();
    {
      using g = domain.readLock();
      expectTypeOf(g).toEqualTypeOf<ReadGuard>();
    }
  });
});

describe("polled grace periods", () => {
  it("cookies are plain numbers", () => {
    expectTypeOf<GpCookie>().toEqualTypeOf<number>();
    expectTypeOf(GP_COMPLETED).toEqualTypeOf<GpCookie>();
    expectTypeOf(domain.getState()).toEqualTypeOf<GpCookie>();
    expectTypeOf(domain.startPoll()).toEqualTypeOf<GpCookie>();
    expectTypeOf(domain.poll).parameter(0).toEqualTypeOf<GpCookie>();
    expectTypeOf(domain.poll(GP_COMPLETED)).toEqualTypeOf<boolean>();
  });

  it("waitFor/synchronize take an optional AbortSignal and return Promise<void>", () => {
    expectTypeOf(domain.waitFor(1)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(domain.waitFor(1, { signal: AbortSignal.timeout(5) })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(domain.synchronize()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(domain.synchronize({ signal: new AbortController().signal })).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error the signal must be an AbortSignal
    void domain.synchronize({ signal: true });
    expectTypeOf(domain.expedite()).toEqualTypeOf<void>();
  });
});

describe("deferred work", () => {
  it("defer takes sync or async functions; retire takes Disposable or AsyncDisposable", () => {
    domain.defer(() => {});
    domain.defer(async () => {});
    domain.retire({ [Symbol.dispose]() {} });
    domain.retire({ async [Symbol.asyncDispose]() {} });
    // @ts-expect-error retire needs a disposer
    domain.retire({ close() {} });
    // @ts-expect-error defer takes a function
    domain.defer({ [Symbol.dispose]() {} });
    expectTypeOf(domain.barrier()).toEqualTypeOf<Promise<void>>();
  });

  it("stats() is flat numbers", () => {
    expectTypeOf(domain.stats()).toEqualTypeOf<DomainStats>();
    expectTypeOf<DomainStats[keyof DomainStats]>().toEqualTypeOf<number>();
    expectTypeOf<DomainStats>().toHaveProperty("gracePeriodsStarted");
    expectTypeOf<DomainStats>().toHaveProperty("gracePeriodsCompleted");
    expectTypeOf<DomainStats>().toHaveProperty("pendingCallbacks");
    expectTypeOf<DomainStats>().toHaveProperty("stalls");
    expectTypeOf<DomainStats>().toHaveProperty("errors");
  });
});

describe("RcuCell", () => {
  it("is typed by its initial value", () => {
    const cell = createCell(domain, { port: 80 });
    expectTypeOf(cell).toEqualTypeOf<RcuCell<{ port: number }>>();
    expectTypeOf(cell.get()).toEqualTypeOf<{ port: number }>();
    cell.set({ port: 8080 });
    // @ts-expect-error wrong value type
    cell.set("8080");
    cell.update((c) => ({ port: c.port + 1 }));
    // @ts-expect-error update must return the cell's type
    cell.update(() => 1);
    expectTypeOf<CellOptions<number>["retire"]>().toEqualTypeOf<
      ((old: number) => void | PromiseLike<void>) | undefined
    >();
    createCell(domain, 1, { retire: async (old) => void expectTypeOf(old).toEqualTypeOf<number>() });
  });
});

describe("createPending", () => {
  it("is typed by its item", () => {
    const engine = createPending<Uint8Array>(domain, {
      process: (b) => void b.byteLength,
      sizeOf: (b) => b.byteLength,
    });
    expectTypeOf(engine).toEqualTypeOf<RcuPending<Uint8Array>>();
    expectTypeOf(engine.dequeue()).toEqualTypeOf<Uint8Array | undefined>();
    expectTypeOf(engine.stats()).toEqualTypeOf<PendingStats>();
    expectTypeOf(engine).toExtend<AsyncDisposable>();
    // @ts-expect-error wrong item type
    engine.enqueue("x");
  });
});

describe("errors", () => {
  it("one class with a string code union; isRcuError narrows", () => {
    expectTypeOf<RcuError["code"]>().toEqualTypeOf<RcuErrorCode>();
    expectTypeOf<RcuError>().toExtend<Error>();
    expectTypeOf<"CLOSED">().toExtend<RcuErrorCode>();
    expectTypeOf<"STALL">().toExtend<RcuErrorCode>();
    // @ts-expect-error not a code
    isRcuError(new Error(), "NOPE");
    const err: unknown = new RcuError("CLOSED", "closed");
    if (isRcuError(err, "CLOSED")) expectTypeOf(err).toEqualTypeOf<RcuError>();
  });
});

describe("onDomainClose", () => {
  it("takes a sync or async hook and returns an unregister function", () => {
    expectTypeOf(onDomainClose(domain, () => {})).toEqualTypeOf<() => void>();
    expectTypeOf(onDomainClose(domain, async () => {})).toEqualTypeOf<() => void>();
  });
});

describe("@rcu/core/testing", () => {
  it("createManualDomain returns a domain with the manual controls", () => {
    const manual = createManualDomain();
    expectTypeOf(manual).toEqualTypeOf<ManualDomain>();
    expectTypeOf(manual).toExtend<RcuDomain>();
    expectTypeOf(manual).toExtend<ManualControls>();
    expectTypeOf(manual.startGracePeriod()).toEqualTypeOf<void>();
    expectTypeOf(manual.endGracePeriod()).toEqualTypeOf<boolean>();
    expectTypeOf(manual.advance()).toEqualTypeOf<boolean>();
    // @ts-expect-error the manual domain has no flavour option
    createManualDomain({ flavor: "srcu" });
  });
});
