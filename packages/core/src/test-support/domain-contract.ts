/**
 * The domain contract: one suite every flavour must pass (grace periods, the core API, lifecycle and misuse, as
 * described in docs/concepts). `describeFlavor(name, make)` registers it for one flavour. `make(options)` creates a fresh domain
 * for each test and may be async, so the `shared` flavour (whose domains are set up over a SharedArrayBuffer)
 * can join later with the same suite.
 *
 * Grace periods are driven through a {@link Driver}: `settle()` is one step — `advance()` then a turn on a
 * manual domain, a turn on an auto domain — and `drive(p)` steps until `p` settles (failing, not hanging, if it
 * never does). Every test asserts something that could fail against a wrong implementation: readers hold
 * objects and check they were not disposed under them, counters are compared exactly, and every misuse case
 * checks its `code` and that the work pending at the time still runs.
 */
import { describe, expect, it } from "vitest";
import {
  Res,
  deferred,
  expectCode,
  expectRejectCode,
  handled,
  isManual,
  makeDriver,
  microtasks,
  probe,
  turn,
  type Driver,
} from "./index.js";
import { createCell } from "../cell.js";
import { createPending } from "../pending.js";
import { isRcuError } from "../errors.js";
import { GP_COMPLETED } from "../grace-period.js";
import { onDomainClose } from "../domain/on-close.js";
import { domainCapabilities } from "../flavor/capabilities.js";
import type { DomainOptions, GpCookie, RcuDomain } from "../types.js";

/** Options a contract test passes to the factory (everything but the flavour). */
export type ContractOptions = Omit<DomainOptions, "flavor">;

/** Creates a fresh domain of the flavour under test. */
export type MakeDomain = (options: ContractOptions) => RcuDomain | Promise<RcuDomain>;

function codes(errors: readonly unknown[]): string[] {
  return errors.map((e) => (isRcuError(e) ? e.code : String(e)));
}

/**
 * Registers the domain contract for one flavour.
 *
 * @example
 * describeFlavor('srcu', (options) => createDomain({ ...options, flavor: 'srcu' }))
 */
export function describeFlavor(name: string, make: MakeDomain): void {
  async function setup(options: ContractOptions = {}): Promise<Driver> {
    const errors: unknown[] = [];
    const domain = await make({ onError: (e) => errors.push(e), ...options });
    return makeDriver(domain, errors);
  }

  /** Defers a callback now; `check()` proves it still ran (nothing pending was lost). */
  function pendingWork(drv: Driver): { check(): Promise<void> } {
    let ran = 0;
    const res = new Res("pending");
    drv.domain.defer(() => {
      ran++;
    });
    drv.domain.retire(res);
    return {
      async check() {
        await drv.drive(drv.domain.barrier());
        expect(ran).toBe(1);
        expect(res.disposed).toBe(1);
      },
    };
  }

  describe(`domain contract: ${name}`, () => {
    // ---- cookies and grace periods -------------------------------------------------------------------------

    describe("grace periods", () => {
      it("getState() is stable within a turn, startPoll() returns the same cookie, neither completes anything", async () => {
        const { domain } = await setup();
        const c1 = domain.getState();
        const c2 = domain.getState();
        expect(c2).toBe(c1);
        expect(domain.poll(c1)).toBe(false);
        await turn();
        await turn();
        expect(domain.stats().gracePeriodsStarted).toBe(0);
        expect(domain.getState()).toBe(c1);
        expect(domain.startPoll()).toBe(c1);
        expect(domain.poll(c1)).toBe(false);
      });

      it("a read(fn) section holds grace periods like a guard, and lets go when fn returns or throws", async () => {
        const drv = await setup();
        const { domain } = drv;
        let cookie: GpCookie | undefined;
        domain.read(() => {
          cookie = domain.startPoll();
          if (isManual(domain)) domain.advance(); // would end it here if the section were not counted
          expect(domain.poll(cookie)).toBe(false);
        });
        await drv.until(() => domain.poll(cookie!));
        expect(() =>
          domain.read(() => {
            throw new Error("boom");
          }),
        ).toThrow("boom");
        const after = domain.startPoll();
        await drv.until(() => domain.poll(after)); // the throwing section left no reader behind
      });

      it("startPoll() makes its grace period happen and poll() reports it", async () => {
        const drv = await setup();
        const { domain } = drv;
        const c = domain.startPoll();
        await drv.until(() => domain.poll(c));
        expect(domain.stats().gracePeriodsStarted).toBe(1);
        expect(domain.stats().gracePeriodsCompleted).toBe(1);
        expect(domain.getState()).toBeGreaterThan(c);
      });

      it("while a grace period runs, getState() names the one after it (at most two unexpired cookies)", async () => {
        const drv = await setup();
        const { domain } = drv;
        const g = domain.readLock();
        const c1 = domain.startPoll();
        await drv.settle(); // flips; the old reader blocks the end
        expect(domain.stats().gracePeriodsStarted).toBe(1);
        expect(domain.stats().gracePeriodsCompleted).toBe(0);
        const c2 = domain.getState();
        expect(c2).toBeGreaterThan(c1);
        expect(domain.getState()).toBe(c2);
        expect(domain.startPoll()).toBe(c2);
        const unexpired = new Set([c1, c2, domain.getState(), domain.startPoll()].filter((c) => !domain.poll(c)));
        expect(unexpired.size).toBe(2);
        const order: number[] = [];
        void domain.waitFor(c2).then(() => order.push(2));
        void domain.waitFor(c1).then(() => order.push(1));
        await drv.steps(3);
        expect(order).toEqual([]);
        g.unlock();
        await drv.until(() => order.length === 2);
        expect(order).toEqual([1, 2]);
        expect(domain.poll(c1)).toBe(true);
        expect(domain.poll(c2)).toBe(true);
        expect(domain.stats().gracePeriodsCompleted).toBe(2);
      });

      it("callers in one turn share one grace period", async () => {
        const drv = await setup();
        const { domain } = drv;
        const before = domain.stats();
        const all = Promise.all(Array.from({ length: 25 }, () => domain.synchronize()));
        await drv.drive(all);
        const after = domain.stats();
        expect(after.gracePeriodsStarted - before.gracePeriodsStarted).toBe(1);
        expect(after.gracePeriodsCompleted - before.gracePeriodsCompleted).toBe(1);
        expect(after.waiters).toBe(0);
      });

      it("grace periods complete in order: an earlier request never resolves after a later one", async () => {
        const drv = await setup();
        const { domain } = drv;
        const order: string[] = [];
        const g = domain.readLock();
        const p1 = domain.synchronize().then(() => order.push("first"));
        await drv.settle(); // the first grace period is now running
        const p2 = domain.synchronize().then(() => order.push("second"));
        const p3 = domain.waitFor(domain.getState()).then(() => order.push("third"));
        g.unlock();
        await drv.drive(Promise.all([p1, p2, p3]));
        expect(order).toEqual(["first", "second", "third"]);
      });

      it("no grace period ends under an old reader; readers that arrive later do not hold it", async () => {
        const drv = await setup();
        const { domain } = drv;
        const cell = createCell(domain, new Res("v0"));
        const oldReader = domain.readLock();
        const held = cell.get();
        cell.set(new Res("v1")); // retires v0 after a grace period
        const sync = probe(domain.synchronize());
        const cookie = domain.getState();
        for (let i = 0; i < 8; i++) {
          await drv.settle();
          expect(held.disposed).toBe(0);
          expect(sync.settled).toBe(false);
          expect(domain.poll(cookie)).toBe(false);
        }
        const newReader = domain.readLock(); // arrives after the grace period started
        oldReader.unlock();
        // shared follows liburcu's two-phase parity flip, whose second phase may also wait for readers that
        // arrived during the first one: that is allowed (waiting longer is safe), so only there they leave too
        if (domainCapabilities(domain).crossThread) newReader.unlock();
        await drv.until(() => sync.settled);
        expect(sync.error).toBeUndefined();
        expect(domain.poll(cookie)).toBe(true);
        await drv.until(() => held.disposed === 1);
        expect(cell.get().disposed).toBe(0);
        if (!domainCapabilities(domain).crossThread) {
          expect(domain.stats().readers).toBe(1);
          newReader.unlock();
        }
        expect(domain.stats().readers).toBe(0);
      });

      it("a read(fn) whose fn returns a promise holds the section until it settles", async () => {
        const drv = await setup();
        const { domain } = drv;
        if (domainCapabilities(domain).crossThread) return; // cross-thread sections are synchronous (checked by misuse)
        const cell = createCell(domain, new Res("v0"));
        const seen: number[] = [];
        const section = domain.read(async () => {
          const v = cell.get();
          for (let i = 0; i < 6; i++) {
            await drv.settle();
            seen.push(v.disposed);
          }
          return v;
        });
        cell.set(new Res("v1"));
        const v = await section;
        expect(v.id).toBe("v0");
        expect(seen).toEqual([0, 0, 0, 0, 0, 0]);
        await drv.until(() => v.disposed === 1);
      });

      it("GP_COMPLETED always polls true and waitFor(GP_COMPLETED) resolves at once", async () => {
        const { domain } = await setup();
        expect(domain.poll(GP_COMPLETED)).toBe(true);
        const p = probe(domain.waitFor(GP_COMPLETED));
        await microtasks(2);
        expect(p.settled).toBe(true);
        expect(p.error).toBeUndefined();
        expect(domain.stats().gracePeriodsStarted).toBe(0);
      });

      it("rejects cookies this domain could not have produced with INVALID_COOKIE", async () => {
        const drv = await setup();
        const { domain } = drv;
        const pending = pendingWork(drv);
        const waiters = domain.stats().waiters; // the deferred engine's one armed notification
        const bad: unknown[] = [
          2,
          3,
          5,
          -4,
          4.5,
          NaN,
          Infinity,
          2 ** 60,
          "4",
          null,
          undefined,
          {},
          domain.getState() + 4,
        ];
        // 0 is a past cookie after a 2^32 wrap of shared's wrap-safe 32-bit cookies; elsewhere it is never produced
        if (!domainCapabilities(domain).crossThread) bad.push(0);
        for (const cookie of bad) {
          expectCode(() => domain.poll(cookie as GpCookie), "INVALID_COOKIE");
          await expectRejectCode(domain.waitFor(cookie as GpCookie), "INVALID_COOKIE");
        }
        expect(domain.stats().waiters).toBe(waiters);
        await pending.check();
      });

      it("abort: a synchronize() or waitFor() rejects with the signal's reason and its waiter is removed", async () => {
        const drv = await setup();
        const { domain } = drv;
        const g = domain.readLock();
        const ac = new AbortController();
        const p = domain.synchronize({ signal: ac.signal });
        const other = domain.synchronize();
        expect(domain.stats().waiters).toBe(2);
        await drv.settle();
        ac.abort();
        await expect(p).rejects.toMatchObject({ name: "AbortError" });
        expect(domain.stats().waiters).toBe(1);

        const reason = new Error("stop waiting");
        const ac2 = new AbortController();
        const w = domain.waitFor(domain.getState(), { signal: ac2.signal });
        expect(domain.stats().waiters).toBe(2);
        ac2.abort(reason);
        await expect(w).rejects.toBe(reason);
        expect(domain.stats().waiters).toBe(1);

        // the grace period itself is not cancelled: the other waiter still completes
        g.unlock();
        await drv.drive(other);
        expect(domain.stats().waiters).toBe(0);
      });

      it("abort: an already-aborted signal rejects at once and registers nothing; aborting after completion is harmless", async () => {
        const drv = await setup();
        const { domain } = drv;
        const reason = new Error("already");
        await expect(domain.synchronize({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        await expect(domain.waitFor(domain.getState(), { signal: AbortSignal.abort() })).rejects.toMatchObject({
          name: "AbortError",
        });
        expect(domain.stats().waiters).toBe(0);
        const ac = new AbortController();
        await drv.drive(domain.synchronize({ signal: ac.signal }));
        ac.abort();
        await microtasks();
        expect(domain.stats().waiters).toBe(0);
      });

      it("abort: barrier({ signal }) rejects with the reason while the deferred work still runs", async () => {
        const drv = await setup();
        const { domain } = drv;
        const guard = domain.readLock(); // holds the grace period the deferred work needs
        const work = pendingWork(drv);
        const ac = new AbortController();
        const reason = new Error("stop waiting");
        const p = probe(domain.barrier({ signal: ac.signal }));
        await microtasks();
        expect(p.settled).toBe(false);
        ac.abort(reason);
        await microtasks();
        expect(p.error).toBe(reason);
        await expect(domain.barrier({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        await expectRejectCode(domain.barrier({ signal: {} as AbortSignal }), "INVALID_OPTION");
        guard.unlock();
        await work.check(); // nothing pending was lost
      });

      it("expedite() makes a requested grace period complete without waiting for a turn (loop, srcu)", async () => {
        const drv = await setup();
        const { domain } = drv;
        // loop/srcu flip in a microtask; manual grace periods move only inside the controls, and other
        // flavours (shared) only promise "as soon as the flavour can"
        const caps = domainCapabilities(domain);
        if (caps.manualGracePeriods || caps.crossThread) return;
        const p = probe(domain.synchronize());
        domain.expedite();
        await microtasks();
        expect(p.settled).toBe(true);
        expect(domain.stats().expedited).toBeGreaterThanOrEqual(1);
      });
    });

    // ---- misuse --------------------------------------------------------------------------------------------

    describe("misuse", () => {
      it("synchronize/barrier/close/waitFor inside read(fn) reject with SELF_DEADLOCK; nothing pending is lost", async () => {
        const drv = await setup();
        const { domain } = drv;
        const pending = pendingWork(drv);
        const calls = domain.read(() => [
          domain.synchronize(),
          domain.barrier(),
          domain.close(),
          domain.waitFor(domain.startPoll()),
        ]);
        for (const p of calls) await expectRejectCode(p, "SELF_DEADLOCK");
        // close() was refused, so the domain is still open
        domain.defer(() => {});
        await pending.check();
        expect(domain.stats().readers).toBe(0);
      });

      it("flush()/drain() of an engine inside read(fn) reject with SELF_DEADLOCK", async () => {
        const drv = await setup();
        const { domain } = drv;
        const processed: number[] = [];
        const engine = createPending<number>(domain, { process: (n) => processed.push(n) });
        engine.enqueue(1);
        const [flush, drain] = domain.read(() => [engine.flush(), engine.drain()]);
        await expectRejectCode(flush, "SELF_DEADLOCK");
        await expectRejectCode(drain, "SELF_DEADLOCK");
        engine.enqueue(2); // still open
        await drv.drive(engine.flush());
        expect(processed).toEqual([1, 2]);
      });

      it("a bare guard is legal: g = readLock(); p = synchronize(); g.unlock(); await p", async () => {
        const drv = await setup();
        const { domain } = drv;
        const g = domain.readLock();
        const p = domain.synchronize();
        g.unlock();
        await drv.drive(p);
        expect(domain.stats().gracePeriodsCompleted).toBeGreaterThanOrEqual(1);
      });

      it("barrier()/close() from inside the domain's own callbacks reject with INSIDE_CALLBACK", async () => {
        const drv = await setup();
        const { domain } = drv;
        let inner: Promise<void>[] = [];
        domain.defer(() => {
          inner = [handled(domain.barrier()), handled(domain.close())];
        });
        const pending = pendingWork(drv);
        await drv.until(() => inner.length === 2);
        for (const p of inner) await expectRejectCode(p, "INSIDE_CALLBACK");
        await pending.check();
        domain.defer(() => {}); // close() was refused: still open
      });

      it("an engine's flush()/drain() from inside its own process() reject with INSIDE_CALLBACK", async () => {
        const drv = await setup();
        const { domain } = drv;
        const inner: Promise<void>[] = [];
        const processed: number[] = [];
        const engine = createPending<number>(domain, {
          process: (n) => {
            processed.push(n);
            if (n === 1) inner.push(handled(engine.flush()), handled(engine.drain()));
          },
        });
        engine.enqueue(1);
        engine.enqueue(2);
        await drv.until(() => inner.length === 2);
        for (const p of inner) await expectRejectCode(p, "INSIDE_CALLBACK");
        await drv.until(() => processed.length === 2);
        expect(processed).toEqual([1, 2]);
      });

      it("unlocking a guard twice throws UNLOCK_TWICE and leaves the reader count intact", async () => {
        const drv = await setup();
        const { domain } = drv;
        const pending = pendingWork(drv);
        const other = domain.readLock();
        const g = domain.readLock();
        g.unlock();
        expectCode(() => g.unlock(), "UNLOCK_TWICE");
        expectCode(() => g[Symbol.dispose](), "UNLOCK_TWICE");
        expect(domain.stats().readers).toBe(1);
        const sync = probe(domain.synchronize());
        await drv.steps(3);
        expect(sync.settled).toBe(false); // `other` still holds it: the double unlock did not drop it
        other.unlock();
        await drv.until(() => sync.settled);
        await pending.check();
      });

      it("`using` unlocks the guard at scope end", async () => {
        const drv = await setup();
        const { domain } = drv;
        {
          using _g = domain.readLock();
          expect(domain.stats().readers).toBe(1);
        }
        expect(domain.stats().readers).toBe(0);
      });

      it("defer()/retire()/createCell() with bad arguments throw INVALID_OPTION; nothing pending is lost", async () => {
        const drv = await setup();
        const { domain } = drv;
        const pending = pendingWork(drv);
        expectCode(() => domain.defer(42 as unknown as () => void), "INVALID_OPTION");
        expectCode(() => domain.defer(undefined as unknown as () => void), "INVALID_OPTION");
        expectCode(() => domain.retire({} as Disposable), "INVALID_OPTION");
        expectCode(() => domain.retire(null as unknown as Disposable), "INVALID_OPTION");
        expectCode(() => domain.retire("x" as unknown as Disposable), "INVALID_OPTION");
        expectCode(() => createCell(domain, 1, { retire: 5 as unknown as () => void }), "INVALID_OPTION");
        expect(domain.stats().pendingCallbacks).toBe(2);
        await pending.check();
      });
    });

    // ---- defer, retire, barrier --------------------------------------------------------------------------

    describe("defer, retire, barrier", () => {
      it("defer runs after a grace period, never while a reader that predates it is inside", async () => {
        const drv = await setup();
        const { domain } = drv;
        const g = domain.readLock();
        let ran = 0;
        domain.defer(() => {
          ran++;
        });
        expect(ran).toBe(0);
        expect(domain.stats().pendingCallbacks).toBe(1);
        await drv.steps(5);
        expect(ran).toBe(0);
        g.unlock();
        await drv.until(() => ran === 1);
        await drv.steps(2);
        expect(ran).toBe(1);
        expect(domain.stats().pendingCallbacks).toBe(0);
        expect(domain.stats().callbacksRun).toBe(1);
      });

      it("deferred callbacks run in order: by grace period, FIFO within one", async () => {
        const drv = await setup();
        const { domain } = drv;
        const order: string[] = [];
        const g = domain.readLock();
        domain.defer(() => void order.push("a"));
        domain.defer(() => void order.push("b"));
        await drv.settle(); // a, b wait for the running grace period; c for the next one
        domain.defer(() => void order.push("c"));
        domain.retire(new Res("d", () => order.push("d")));
        g.unlock();
        await drv.drive(domain.barrier());
        expect(order).toEqual(["a", "b", "c", "d"]);
      });

      it("retire disposes once; an object with both disposers is disposed asynchronously", async () => {
        const drv = await setup();
        const { domain } = drv;
        const sync = new Res("sync");
        let asyncCalls = 0;
        let syncCalls = 0;
        const both = {
          [Symbol.dispose]() {
            syncCalls++;
          },
          async [Symbol.asyncDispose]() {
            await turn();
            asyncCalls++;
          },
        };
        domain.retire(sync);
        domain.retire(both);
        await drv.drive(domain.barrier());
        expect(sync.disposed).toBe(1);
        expect(asyncCalls).toBe(1);
        expect(syncCalls).toBe(0);
        await drv.steps(3);
        expect(sync.disposed).toBe(1);
      });

      it("barrier() resolves once everything issued before it ran and settled (async callbacks included)", async () => {
        const drv = await setup();
        const { domain } = drv;
        await drv.drive(domain.barrier()); // nothing pending: resolves
        const gate = deferred();
        let settled = false;
        domain.defer(async () => {
          await gate.promise;
          settled = true;
        });
        const b = probe(domain.barrier());
        await drv.steps(5);
        expect(b.settled).toBe(false);
        gate.resolve();
        await drv.until(() => b.settled);
        expect(settled).toBe(true);
        expect(domain.stats().pendingCallbacks).toBe(0);
      });

      it("a throwing callback or disposer is reported as CALLBACK_FAILED and never stops the others", async () => {
        const drv = await setup();
        const { domain, errors } = drv;
        const ran: number[] = [];
        const boom = new Error("boom");
        domain.defer(() => {
          throw boom;
        });
        domain.defer(() => void ran.push(1));
        domain.retire({
          [Symbol.dispose]() {
            throw new Error("dispose failed");
          },
        });
        domain.defer(() => void ran.push(2));
        await drv.drive(domain.barrier());
        expect(ran).toEqual([1, 2]);
        expect(codes(errors)).toEqual(["CALLBACK_FAILED", "CALLBACK_FAILED"]);
        expect((errors[0] as Error).cause).toBe(boom);
        expect(String((errors[0] as Error).message)).toContain("boom");
        expect(domain.stats().errors).toBe(2);
        expect(domain.stats().callbacksRun).toBe(4);
      });

      it("a rejecting async disposal is reported as CALLBACK_FAILED, never an unhandled rejection", async () => {
        const drv = await setup();
        const { domain, errors } = drv;
        const cause = new Error("async boom");
        domain.retire({ [Symbol.asyncDispose]: () => Promise.reject(cause) });
        domain.defer(async () => {
          await turn();
          throw new Error("deferred async boom");
        });
        const after = new Res("after");
        domain.retire(after);
        await drv.drive(domain.barrier());
        expect(codes(errors)).toEqual(["CALLBACK_FAILED", "CALLBACK_FAILED"]);
        expect((errors[0] as Error).cause).toBe(cause);
        expect(after.disposed).toBe(1);
        expect(domain.stats().asyncInFlight).toBe(0);
      });

      it("an onError that throws does not stop the batch", async () => {
        const errors: unknown[] = [];
        const domain = await make({
          onError: (e) => {
            errors.push(e);
            throw new Error("onError itself failed");
          },
        });
        const drv = makeDriver(domain, errors);
        const ran: number[] = [];
        const original = console.error;
        const logged: unknown[][] = [];
        console.error = (...args: unknown[]) => void logged.push(args);
        try {
          domain.defer(() => {
            throw new Error("first");
          });
          domain.defer(() => void ran.push(1));
          await drv.drive(domain.barrier());
        } finally {
          console.error = original;
        }
        expect(ran).toEqual([1]);
        expect(errors).toHaveLength(1);
        expect(logged).toHaveLength(1);
      });

      it("async disposals run at most maxConcurrentDisposals at once; none is lost", async () => {
        const drv = await setup({ maxConcurrentDisposals: 2 });
        const { domain } = drv;
        let running = 0;
        let maxRunning = 0;
        let done = 0;
        const gates: Array<() => void> = [];
        for (let i = 0; i < 5; i++) {
          domain.retire({
            [Symbol.asyncDispose]: () => {
              running++;
              maxRunning = Math.max(maxRunning, running);
              return new Promise<void>((resolve) =>
                gates.push(() => {
                  running--;
                  done++;
                  resolve();
                }),
              );
            },
          });
        }
        await drv.until(() => running === 2);
        await drv.steps(3);
        expect(running).toBe(2);
        expect(domain.stats().asyncInFlight).toBe(2);
        expect(domain.stats().pendingCallbacks).toBe(5);
        const b = probe(domain.barrier());
        while (done < 5) {
          await drv.until(() => gates.length > 0);
          gates.shift()!();
          await microtasks();
          if (done < 5) expect(b.settled).toBe(false);
        }
        await drv.until(() => b.settled);
        expect(maxRunning).toBe(2);
        expect(done).toBe(5);
        expect(domain.stats().asyncInFlight).toBe(0);
        expect(domain.stats().pendingCallbacks).toBe(0);
      });

      it("an async disposal that never settles is reported as SETTLE_TIMEOUT and stops holding barrier(); the queue moves on", async () => {
        const drv = await setup({ settleTimeoutMs: 15, maxConcurrentDisposals: 1 });
        const { domain, errors } = drv;
        domain.retire({ [Symbol.asyncDispose]: () => new Promise<void>(() => {}) });
        const next = new Res("queued behind the stuck one");
        domain.retire(next);
        await drv.drive(domain.barrier());
        expect(codes(errors)).toEqual(["SETTLE_TIMEOUT"]);
        expect(next.disposed).toBe(1);
        expect(domain.stats().asyncInFlight).toBe(0);
        expect(domain.stats().errors).toBe(1);
      });
    });

    // ---- close ---------------------------------------------------------------------------------------------

    describe("close", () => {
      it("refuses work from outside with CLOSED, accepts retire from inside a disposer, and drains everything", async () => {
        const drv = await setup();
        const { domain } = drv;
        const child = new Res("child");
        const parent = new Res("parent", () => domain.retire(child));
        const deferredRan: string[] = [];
        domain.retire(parent);
        domain.defer(() => void deferredRan.push("before close"));
        const closing = domain.close();
        expectCode(() => domain.defer(() => {}), "CLOSED");
        expectCode(() => domain.retire(new Res("late")), "CLOSED");
        await expectRejectCode(domain.synchronize(), "CLOSED");
        await drv.drive(closing);
        expect(parent.disposed).toBe(1);
        expect(child.disposed).toBe(1);
        expect(deferredRan).toEqual(["before close"]);
        expect(domain.stats().pendingCallbacks).toBe(0);
        expect(drv.errors).toEqual([]);
      });

      it("accepts work from the continuations of async disposers and async callbacks, and from close hooks (inside)", async () => {
        const drv = await setup();
        const { domain } = drv;
        const fromAsync = new Res("from async disposer");
        const fromHook = new Res("from close hook");
        const fromAsyncHook = new Res("from async close hook");
        domain.retire({
          async [Symbol.asyncDispose]() {
            await turn();
            await Promise.resolve();
            domain.retire(fromAsync);
          },
        });
        const fromAsyncFn = new Res("from an async function's continuation");
        domain.defer(async () => {
          await turn();
          domain.retire(fromAsyncFn);
        });
        onDomainClose(domain, () => domain.retire(fromHook));
        onDomainClose(domain, async () => {
          await turn();
          domain.retire(fromAsyncHook);
        });
        await drv.drive(domain.close());
        expect(fromAsync.disposed).toBe(1);
        expect(fromAsyncFn.disposed).toBe(1);
        expect(fromHook.disposed).toBe(1);
        expect(fromAsyncHook.disposed).toBe(1);
        expect(drv.errors).toEqual([]);
      });

      it("`await using` closes the domain at scope end", async () => {
        let outer: RcuDomain | undefined;
        {
          await using domain = await make({});
          outer = domain;
          domain.defer(() => {}); // open inside the scope
          if (isManual(domain)) domain.advance(); // nothing left pending, so close() needs no further grace period
          await turn();
        }
        expectCode(() => outer.defer(() => {}), "CLOSED");
      });

      it("drains engines created on the domain", async () => {
        const drv = await setup();
        const { domain } = drv;
        const processed: number[] = [];
        const engine = createPending<number>(domain, { process: (n) => processed.push(n) });
        engine.enqueue(1);
        engine.enqueue(2);
        await drv.drive(domain.close());
        expect(processed).toEqual([1, 2]);
        expectCode(() => engine.enqueue(3), "CLOSED");
      });

      it("waits for a reader that holds the grace period", async () => {
        const drv = await setup();
        const { domain } = drv;
        const g = domain.readLock();
        const res = new Res("r");
        domain.retire(res);
        const closing = probe(domain.close());
        await drv.steps(5);
        expect(closing.settled).toBe(false);
        expect(res.disposed).toBe(0);
        g.unlock();
        await drv.until(() => closing.settled);
        expect(res.disposed).toBe(1);
      });

      it("after close: reads stay legal, close()/barrier()/waitFor(GP_COMPLETED) resolve, other waits reject CLOSED", async () => {
        const drv = await setup();
        const { domain } = drv;
        const cell = createCell(domain, new Res("v0"));
        const first = domain.close();
        await drv.drive(first);
        expect(domain.read(() => 42)).toBe(42);
        const g = domain.readLock();
        g.unlock();
        await drv.drive(domain.close());
        await drv.drive(Promise.resolve(domain[Symbol.asyncDispose]()));
        await drv.drive(domain.barrier());
        await drv.drive(domain.waitFor(GP_COMPLETED));
        await expectRejectCode(domain.synchronize(), "CLOSED");
        await expectRejectCode(domain.waitFor(domain.getState()), "CLOSED");
        expectCode(() => domain.defer(() => {}), "CLOSED");
        expectCode(() => domain.retire(new Res("late")), "CLOSED");
        const v0 = cell.get();
        expectCode(() => cell.set(new Res("v1")), "CLOSED");
        expect(cell.get()).toBe(v0); // refused: nothing published, nothing lost
        expect(v0.disposed).toBe(0);
      });
    });

    // ---- RcuCell -------------------------------------------------------------------------------------------

    describe("RcuCell", () => {
      it("set publishes at once and retires the old value after the readers that could see it left", async () => {
        const drv = await setup();
        const { domain } = drv;
        const v0 = new Res("v0");
        const cell = createCell(domain, v0);
        expect(cell.get()).toBe(v0);
        const g = domain.readLock();
        const held = cell.get();
        const v1 = new Res("v1");
        cell.set(v1);
        expect(cell.get()).toBe(v1);
        await drv.steps(4);
        expect(held.disposed).toBe(0);
        g.unlock();
        await drv.until(() => v0.disposed === 1);
        expect(v1.disposed).toBe(0);
      });

      it("setting the current value retires nothing; update() passes the current value", async () => {
        const drv = await setup();
        const { domain } = drv;
        const v0 = new Res("v0");
        const cell = createCell(domain, v0);
        cell.set(v0);
        cell.update((v) => v);
        expect(domain.stats().pendingCallbacks).toBe(0);
        const v1 = new Res("v1");
        cell.update((current) => {
          expect(current).toBe(v0);
          return v1;
        });
        expect(cell.get()).toBe(v1);
        await drv.drive(domain.barrier());
        expect(v0.disposed).toBe(1);
        expect(v1.disposed).toBe(0);
      });

      it("uses options.retire for the old value; plain values are just dropped by default", async () => {
        const drv = await setup();
        const { domain } = drv;
        const retired: number[] = [];
        const numbers = createCell(domain, 1, { retire: (old) => void retired.push(old) });
        numbers.set(2);
        numbers.update((n) => n + 1);
        const plain = createCell(domain, { port: 80 });
        plain.set({ port: 8080 });
        expect(retired).toEqual([]);
        await drv.drive(domain.barrier());
        expect(retired).toEqual([1, 2]);
        expect(drv.errors).toEqual([]);
      });

      it("an async or throwing options.retire is awaited by barrier() and reported", async () => {
        const drv = await setup();
        const { domain, errors } = drv;
        const released: string[] = [];
        const cell = createCell(domain, "a", {
          retire: async (old) => {
            await turn();
            if (old === "b") throw new Error("release b failed");
            released.push(old);
          },
        });
        cell.set("b");
        cell.set("c");
        cell.set("d");
        await drv.drive(domain.barrier());
        expect(released).toEqual(["a", "c"]);
        expect(codes(errors)).toEqual(["CALLBACK_FAILED"]);
      });
    });
  });
}
