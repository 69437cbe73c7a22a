/**
 * Bad input to the domain layer is a clear RcuError with a code (docs: concepts/misuse.md — options out of range,
 * flavours that live elsewhere, objects from another copy of the package), and a failure with no `onError`
 * becomes a process warning — never an unhandled rejection.
 */
import { describe, expect, it } from "vitest";
import { createCell } from "./cell.js";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { expectCode, expectRejectCode, Res, turn } from "./test-support/index.js";
import { isRcuError } from "./errors.js";
import { onDomainClose } from "./domain/on-close.js";
import { createManualDomain } from "./testing.js";
import type { DomainOptions } from "./types.js";

const badNumbers: Array<[keyof DomainOptions, unknown]> = [
  ["stallTimeoutMs", -1],
  ["stallTimeoutMs", NaN],
  ["stallTimeoutMs", "5000"],
  ["settleTimeoutMs", -5],
  ["settleTimeoutMs", null],
  ["maxConcurrentDisposals", 0],
  ["maxConcurrentDisposals", 0.5],
  ["maxConcurrentDisposals", "4"],
  ["onError", "console.error"],
  ["name", 42],
];

describe("domain options", () => {
  it.each(badNumbers)("createDomain({ %s: %j }) throws INVALID_OPTION naming the option", (key, value) => {
    let thrown: unknown;
    try {
      createDomain({ [key]: value });
    } catch (err) {
      thrown = err;
    }
    expect(isRcuError(thrown, "INVALID_OPTION")).toBe(true);
    expect((thrown as Error).message).toContain(key);
  });

  it.each(badNumbers)("createManualDomain({ %s: %j }) throws INVALID_OPTION", (key, value) => {
    expectCode(() => createManualDomain({ [key]: value }), "INVALID_OPTION");
  });

  it("rejects flavours: 'shared' points to its entry point, unknown ones list the valid ones", () => {
    let shared: unknown;
    try {
      createDomain({ flavor: "shared" } as unknown as DomainOptions);
    } catch (err) {
      shared = err;
    }
    expect(isRcuError(shared, "UNSUPPORTED_FLAVOR")).toBe(true);
    expect((shared as Error).message).toContain("@rcu/core/shared");
    expectCode(() => createDomain({ flavor: "manual" } as unknown as DomainOptions), "INVALID_OPTION");
    expectCode(() => createDomain({ flavor: "LOOP" } as unknown as DomainOptions), "INVALID_OPTION");
    expectCode(() => createDomain(null as unknown as DomainOptions), "INVALID_OPTION");
  });

  it("accepts the edges of every range", async () => {
    const domain = createDomain({
      stallTimeoutMs: 0,
      settleTimeoutMs: 0,
      maxConcurrentDisposals: 1,
      flushOnExit: false,
    });
    await domain.synchronize();
    const manual = createManualDomain({
      maxConcurrentDisposals: Infinity,
      settleTimeoutMs: 2 ** 31 - 1,
      stallTimeoutMs: 2 ** 31 - 1,
    });
    expect(manual.advance()).toBe(true);
    expect(createDomain({ name: "named" }).name).toBe("named");
    expect(createDomain().flavor).toBe("loop");
  });

  it("refuses a domain that this copy of @rcu/core did not create", () => {
    const foreign = { ...createDomain() };
    expectCode(() => createCell(foreign, 1), "INVALID_OPTION");
    expectCode(() => createPending(foreign, { process: () => {} }), "INVALID_OPTION");
    expectCode(() => onDomainClose(foreign, () => {}), "INVALID_OPTION");
  });

  it("a signal that is not an AbortSignal rejects INVALID_OPTION and registers nothing; nothing pending is lost", async () => {
    const domain = createDomain({ flavor: "srcu" });
    const res = new Res("pending");
    domain.retire(res);
    const waiters = domain.stats().waiters;
    for (const signal of ["nope", {}, null, 1]) {
      await expectRejectCode(domain.synchronize({ signal } as unknown as { signal: AbortSignal }), "INVALID_OPTION");
      await expectRejectCode(
        domain.waitFor(domain.getState(), { signal } as unknown as { signal: AbortSignal }),
        "INVALID_OPTION",
      );
    }
    expect(domain.stats().waiters).toBe(waiters);
    const ok = domain.synchronize();
    await turn();
    await ok;
    await domain.barrier();
    expect(res.disposed).toBe(1);
  });
});

describe("default onError", () => {
  it("emits a process warning (not an unhandled rejection) and the batch goes on", async () => {
    const domain = createDomain();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    const ran: number[] = [];
    try {
      domain.defer(() => {
        throw new Error("nobody listens");
      });
      domain.defer(() => void ran.push(1));
      domain.retire({ [Symbol.asyncDispose]: () => Promise.reject(new Error("async nobody listens")) });
      await domain.barrier();
      await new Promise((resolve) => setTimeout(resolve, 10)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(ran).toEqual([1]);
    expect(warnings.map((w) => (isRcuError(w) ? w.code : w.name))).toEqual(["CALLBACK_FAILED", "CALLBACK_FAILED"]);
    expect(warnings[0]!.message).toContain("nobody listens");
    expect(domain.stats().errors).toBe(2);
  });
});
