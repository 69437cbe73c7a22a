/**
 * Debug-only misuse checks (docs: concepts/misuse.md): a `loop` guard held across a turn boundary
 * (GUARD_ACROSS_TURN), the same object retired twice while pending (DOUBLE_RETIRE), a promise-returning section
 * on `loop` (ASYNC_SECTION, and the section is still held), and `synchronize`/`barrier`/`close`/`waitFor`
 * awaited inside a `read(fn)` section after an `await` (SELF_DEADLOCK through AsyncLocalStorage). Each test
 * asserts the code and that the work pending at the time still runs.
 */
import { describe, expect, it } from "vitest";
import { createCell } from "./cell.js";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { deferred, expectCode, expectRejectCode, probe, Res, turn } from "./test-support/index.js";
import { isRcuError } from "./errors.js";
import { createManualDomain } from "./testing.js";
import type { DomainOptions, RcuDomain, ReadGuard } from "./types.js";

function setup(options: DomainOptions): { domain: RcuDomain; errors: unknown[] } {
  const errors: unknown[] = [];
  return { domain: createDomain({ ...options, onError: (e) => errors.push(e) }), errors };
}

function codes(errors: readonly unknown[]): string[] {
  return errors.map((e) => (isRcuError(e) ? e.code : String(e)));
}

function leakAGuard(domain: RcuDomain): ReadGuard {
  return domain.readLock();
}

describe("GUARD_ACROSS_TURN (debug, loop)", () => {
  it("reports a loop guard still held at a turn boundary once, with where it entered; the grace period waits for it", async () => {
    const { domain, errors } = setup({ flavor: "loop", debug: true });
    const res = new Res("pending");
    domain.retire(res);
    const g = leakAGuard(domain);
    await turn();
    await turn();
    expect(codes(errors)).toEqual(["GUARD_ACROSS_TURN"]);
    expect((errors[0] as Error).message).toContain("leakAGuard");
    expect(res.disposed).toBe(0); // the guard still counts: nothing was overtaken
    const sync = probe(domain.synchronize());
    await turn();
    await turn();
    expect(codes(errors)).toEqual(["GUARD_ACROSS_TURN"]); // once per guard
    expect(sync.settled).toBe(false);
    g.unlock();
    await domain.barrier();
    expect(res.disposed).toBe(1);
    expect(sync.settled).toBe(true);
  });

  it("is not reported without debug, for srcu guards, or for a guard released within the turn", async () => {
    for (const options of [{ flavor: "loop" }, { flavor: "srcu", debug: true }] as const) {
      const { domain, errors } = setup(options);
      const g = domain.readLock();
      const p = domain.synchronize();
      await turn();
      g.unlock();
      await p;
      expect(errors).toEqual([]);
    }
    const { domain, errors } = setup({ flavor: "loop", debug: true });
    for (let i = 0; i < 3; i++) {
      const g = domain.readLock();
      domain.defer(() => {});
      g.unlock();
      await turn();
    }
    await domain.barrier();
    expect(errors).toEqual([]);
  });
});

describe("DOUBLE_RETIRE (debug)", () => {
  it.each(["loop", "srcu"] as const)(
    "%s: retiring an object that is still pending throws; it is disposed once",
    async (flavor) => {
      const { domain, errors } = setup({ flavor, debug: true });
      const res = new Res("r");
      const other = new Res("other");
      domain.retire(res);
      domain.retire(other);
      expectCode(() => domain.retire(res), "DOUBLE_RETIRE");
      await domain.barrier();
      expect(res.disposed).toBe(1);
      expect(other.disposed).toBe(1);
      domain.retire(res); // disposed, no longer pending: allowed again
      await domain.barrier();
      expect(res.disposed).toBe(2);
      expect(errors).toEqual([]);
    },
  );

  it("also for a function with a disposer, and for an RcuCell whose old value is retired twice", async () => {
    const { domain } = setup({ flavor: "srcu", debug: true });
    let calls = 0;
    const fnResource = Object.assign(() => {}, {
      [Symbol.dispose]() {
        calls++;
      },
    });
    domain.retire(fnResource);
    expectCode(() => domain.retire(fnResource), "DOUBLE_RETIRE");
    await domain.barrier();
    expect(calls).toBe(1);
    domain.retire(fnResource);
    await domain.barrier();
    expect(calls).toBe(2);

    const shared = new Res("shared");
    const a = createCell(domain, shared);
    const b = createCell(domain, shared);
    a.set(new Res("a1"));
    expectCode(() => b.set(new Res("b1")), "DOUBLE_RETIRE");
    expect(b.get()).toBe(shared); // refused: nothing published
    await domain.barrier();
    expect(shared.disposed).toBe(1);
  });

  it("an engine in debug mode refuses the same object enqueued twice while pending", async () => {
    const { domain } = setup({ flavor: "srcu", debug: true });
    const processed: object[] = [];
    const engine = createPending<object>(domain, { process: (o) => processed.push(o) });
    const item = {};
    engine.enqueue(item);
    expectCode(() => engine.enqueue(item), "DOUBLE_RETIRE");
    await engine.flush();
    expect(processed).toEqual([item]);
  });

  it("without debug there is no check (the object is disposed twice)", async () => {
    const { domain } = setup({ flavor: "loop" });
    const res = new Res("r");
    domain.retire(res);
    domain.retire(res);
    await domain.barrier();
    expect(res.disposed).toBe(2);
  });
});

describe("ASYNC_SECTION (debug, loop)", () => {
  it("reports a promise-returning read(fn) on loop and still holds the section until it settles", async () => {
    const { domain, errors } = setup({ flavor: "loop", debug: true });
    const gate = deferred();
    const res = new Res("r");
    const section = domain.read(() => gate.promise);
    expect(codes(errors)).toEqual(["ASYNC_SECTION"]);
    domain.retire(res);
    const sync = probe(domain.synchronize());
    for (let i = 0; i < 4; i++) await turn();
    expect(sync.settled).toBe(false);
    expect(res.disposed).toBe(0);
    expect(codes(errors)).toEqual(["ASYNC_SECTION"]); // not reported again as a guard across turns
    gate.resolve();
    await section;
    await domain.barrier();
    expect(sync.settled).toBe(true);
    expect(res.disposed).toBe(1);
  });

  it("without debug the section is held the same way, silently", async () => {
    const { domain, errors } = setup({ flavor: "loop" });
    const gate = deferred();
    void domain.read(() => gate.promise);
    const sync = probe(domain.synchronize());
    for (let i = 0; i < 4; i++) await turn();
    expect(sync.settled).toBe(false);
    gate.resolve();
    await domain.barrier();
    await turn();
    expect(sync.settled).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe("SELF_DEADLOCK across await inside read(fn) (debug, AsyncLocalStorage)", () => {
  it.each(["srcu", "loop", "manual"] as const)(
    "%s: synchronize/barrier/close/waitFor after an await in the section reject",
    async (flavor) => {
      const errors: unknown[] = [];
      const domain =
        flavor === "manual"
          ? createManualDomain({ debug: true, onError: (e) => errors.push(e) })
          : createDomain({ flavor, debug: true, onError: (e) => errors.push(e) });
      const res = new Res("pending");
      domain.retire(res);
      await domain.read(async () => {
        await turn();
        await Promise.resolve();
        await expectRejectCode(domain.synchronize(), "SELF_DEADLOCK");
        await expectRejectCode(domain.barrier(), "SELF_DEADLOCK");
        await expectRejectCode(domain.close(), "SELF_DEADLOCK");
        await expectRejectCode(domain.waitFor(domain.startPoll()), "SELF_DEADLOCK");
        const nested = domain.read(async () => {
          await turn();
          return domain.synchronize();
        });
        await expectRejectCode(nested, "SELF_DEADLOCK");
      });
      // the section ended: the same calls are legal again, and nothing pending was lost
      const done = domain.barrier();
      if (flavor === "manual") {
        while (!probe(done).settled && res.disposed === 0) {
          (domain as ReturnType<typeof createManualDomain>).advance();
          await turn();
        }
      }
      await done;
      expect(res.disposed).toBe(1);
      expect(errors.filter((e) => !isRcuError(e, "ASYNC_SECTION"))).toEqual([]);
    },
  );

  it("is not reported for bare guards, after the section ended, or from the domain's callbacks", async () => {
    const { domain, errors } = setup({ flavor: "srcu", debug: true });
    // bare guard across await: legal
    const g = domain.readLock();
    await turn();
    const p = domain.synchronize();
    g.unlock();
    await p;
    // a timer set inside a section that fires after the section ended
    // (the timer re-arms itself until the section has ended: under load a 5 ms timer may come due before the
    // section's own turn does, and a call made while the section is open is rightly SELF_DEADLOCK)
    const later = deferred<{ p: Promise<void> }>();
    let sectionEnded = false;
    await domain.read(async () => {
      const fire = (): void => {
        if (sectionEnded) later.resolve({ p: domain.synchronize() });
        else setTimeout(fire, 1);
      };
      setTimeout(fire, 5);
      await turn();
    });
    sectionEnded = true;
    await (
      await later.promise
    ).p;
    // a deferred callback that runs while a section is open, from a turn hook armed inside that section
    const g0 = domain.readLock();
    const fromCallback = deferred<{ p: Promise<void> }>();
    domain.defer(() => fromCallback.resolve({ p: domain.synchronize() }));
    await turn(); // the grace period starts; g0 holds it
    const gate = deferred();
    const section = domain.read(async () => {
      await turn();
      g0.unlock(); // the draining unlock arms the hook in this section's async context
      await gate.promise;
    });
    const { p: fromInside } = await fromCallback.promise; // ran while the section is still open
    gate.resolve();
    await section;
    await fromInside;
    expect(errors).toEqual([]);
  });

  it("without debug the asynchronous part is not checked (no AsyncLocalStorage cost)", async () => {
    const { domain } = setup({ flavor: "srcu" });
    let inner: Promise<void> | undefined;
    await domain.read(async () => {
      await turn();
      inner = domain.synchronize(); // not awaited here: that would deadlock
    });
    await inner;
  });
});
