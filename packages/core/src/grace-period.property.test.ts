/**
 * Property tests of the grace-period mechanism (docs: concepts/grace-periods.md).
 *
 * 1. srcu, async interleavings (`fc.scheduler`): readers lock, await a random number of scheduled steps and
 *    unlock (as guards or as `read(async fn)` sections, holding a value published in an RcuCell); writers
 *    `synchronize()`, `waitFor(startPoll())`, poll, expedite, `defer` and `cell.set`. Real turn boundaries are
 *    interleaved at random between the scheduler's steps, so flips happen at every possible point. Checked at
 *    every step: a cookie that polls true has no reader inside that was inside when the cookie was taken;
 *    a resolved wait or a deferred callback never observes such a reader; a value a reader holds is never
 *    disposed under it; at most two distinct unexpired cookies exist.
 * 2. manual, model-based (`fc.commands`): lock/unlock/start/end/advance/getState/startPoll/defer against a
 *    small model of the SRCU shape (a flip marks every present reader "old"; a grace period ends iff none is
 *    left). Every return value, every `poll`, every deferred callback and the counters must match the model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCell } from "./cell.js";
import { createDomain } from "./domain.js";
import { createManualDomain } from "./testing.js";
import type { ManualDomain } from "./testing.js";
import type { GpCookie, ReadGuard } from "./types.js";
import { turn } from "./test-support/index.js";

class Value implements Disposable {
  disposed = false;
  constructor(readonly n: number) {}
  [Symbol.dispose](): void {
    this.disposed = true;
  }
}

type WriterKind = "synchronize" | "waitFor" | "poll" | "expedite" | "defer" | "set";

describe("srcu grace periods under random async interleavings (fc.scheduler)", () => {
  it("never complete while a reader that predates them is inside; at most two unexpired cookies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ awaits: fc.nat({ max: 3 }), viaRead: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom<WriterKind>("synchronize", "waitFor", "poll", "expedite", "defer", "set"), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        async (s, readers, writers, turns) => {
          const domain = createDomain({ flavor: "srcu", stallTimeoutMs: 0, flushOnExit: false });
          let serial = 0;
          const cell = createCell(domain, new Value(serial));
          const inside = new Set<number>();
          const taken: Array<{ cookie: GpCookie; before: ReadonlySet<number> }> = [];
          const failures: string[] = [];

          const take = (cookie: GpCookie): void => {
            taken.push({ cookie, before: new Set(inside) });
          };
          const check = (where: string): void => {
            const unexpired = new Set<GpCookie>([domain.getState()]);
            for (const { cookie, before } of taken) {
              if (!domain.poll(cookie)) {
                unexpired.add(cookie);
                continue;
              }
              for (const r of before) {
                if (inside.has(r)) failures.push(`${where}: cookie ${cookie} polls true while reader ${r} is inside`);
              }
            }
            if (unexpired.size > 2) failures.push(`${where}: ${unexpired.size} unexpired cookies`);
          };
          const stillInside = (before: ReadonlySet<number>, what: string): void => {
            for (const r of before) if (inside.has(r)) failures.push(`${what} while reader ${r} is inside`);
          };

          const tasks: Promise<void>[] = [];
          readers.forEach(({ awaits, viaRead }, id) => {
            const body = async (): Promise<void> => {
              inside.add(id);
              const held = cell.get();
              for (let i = 0; i < awaits; i++) {
                await s.schedule(Promise.resolve(), `reader ${id} awaits`);
                if (held.disposed) failures.push(`value ${held.n} disposed under reader ${id}`);
              }
              if (held.disposed) failures.push(`value ${held.n} disposed under reader ${id}`);
              inside.delete(id);
            };
            tasks.push(
              (async () => {
                await s.schedule(Promise.resolve(), `reader ${id} enters${viaRead ? " read(fn)" : ""}`);
                if (viaRead) {
                  await domain.read(body);
                } else {
                  const g = domain.readLock();
                  try {
                    await body();
                  } finally {
                    g.unlock();
                  }
                }
              })(),
            );
          });
          writers.forEach((kind, id) => {
            tasks.push(
              (async () => {
                await s.schedule(Promise.resolve(), `writer ${id} ${kind}`);
                const before: ReadonlySet<number> = new Set(inside);
                switch (kind) {
                  case "synchronize":
                  case "expedite": {
                    take(domain.getState());
                    const p = domain.synchronize();
                    if (kind === "expedite") domain.expedite();
                    await p;
                    stillInside(before, `synchronize() resolved`);
                    break;
                  }
                  case "waitFor": {
                    const cookie = domain.startPoll();
                    take(cookie);
                    await domain.waitFor(cookie);
                    stillInside(before, `waitFor(${cookie}) resolved`);
                    break;
                  }
                  case "poll": {
                    const cookie = domain.startPoll();
                    take(cookie);
                    while (!domain.poll(cookie)) await s.schedule(Promise.resolve(), `writer ${id} polls`);
                    stillInside(before, `poll(${cookie}) turned true`);
                    break;
                  }
                  case "defer": {
                    take(domain.getState());
                    await new Promise<void>((resolve) =>
                      domain.defer(() => {
                        stillInside(before, "a deferred callback ran");
                        resolve();
                      }),
                    );
                    break;
                  }
                  case "set":
                    cell.set(new Value(++serial));
                    break;
                }
              })(),
            );
          });

          let finished = false;
          const all = Promise.all(tasks).then(() => {
            finished = true;
          });
          for (let step = 0; !finished; step++) {
            if (step > 2000) throw new Error("the interleaving did not finish");
            if (s.count() > 0) await s.waitOne();
            check(`step ${step}`);
            // A real turn boundary where the booleans say so, always when the scheduler is idle, and every
            // 8th step so that polling writers cannot starve the grace period.
            if (s.count() === 0 || turns[step % turns.length] === true || step % 8 === 7) await turn();
            check(`after turn ${step}`);
          }
          await all;
          await domain.barrier();
          check("end");
          expect(failures).toEqual([]);
          expect(domain.stats().readers).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);
});

// ---- manual domain: model-based ------------------------------------------------------------------------------

interface Model {
  inProgress: boolean;
  /** Reader id → whether it predates the running grace period. */
  readonly readers: Map<number, { old: boolean }>;
  nextId: number;
  started: number;
  completed: number;
  /** Cookies handed out and the model's completion count that makes each of them poll true. */
  readonly cookies: Array<{ cookie: GpCookie; target: number; before: ReadonlySet<number> }>;
  /** Deferred callbacks: the completion count at which each must have run. */
  readonly deferred: number[];
}

interface Real {
  readonly domain: ManualDomain;
  readonly guards: Map<number, ReadGuard>;
  readonly ran: boolean[];
}

/** Completion count at which a cookie taken now polls true (rcu_seq_snap: one or two grace periods). */
function targetOf(m: Model): number {
  return m.completed + (m.inProgress ? 2 : 1);
}

function startModel(m: Model): void {
  if (m.inProgress) return;
  m.inProgress = true;
  m.started++;
  for (const r of m.readers.values()) r.old = true;
}

function endModel(m: Model): boolean {
  if (!m.inProgress || [...m.readers.values()].some((r) => r.old)) return false;
  m.inProgress = false;
  m.completed++;
  return true;
}

function verify(m: Model, r: Real): void {
  const { domain } = r;
  const stats = domain.stats();
  expect(stats.gracePeriodsStarted).toBe(m.started);
  expect(stats.gracePeriodsCompleted).toBe(m.completed);
  expect(stats.readers).toBe(m.readers.size);
  const unexpired = new Set<GpCookie>([domain.getState()]);
  const byTarget = new Map<number, GpCookie>();
  for (const { cookie, target, before } of m.cookies) {
    const done = domain.poll(cookie);
    expect(done).toBe(m.completed >= target);
    if (done) for (const id of before) expect(m.readers.has(id)).toBe(false);
    else unexpired.add(cookie);
    // one cookie per grace period: two cookies naming the same grace period are equal
    const same = byTarget.get(target);
    if (same === undefined) byTarget.set(target, cookie);
    else expect(cookie).toBe(same);
  }
  expect(unexpired.size).toBeLessThanOrEqual(2);
  m.deferred.forEach((target, i) => expect(r.ran[i]).toBe(m.completed >= target));
}

class Lock implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const id = m.nextId++;
    m.readers.set(id, { old: false });
    r.guards.set(id, r.domain.readLock());
    verify(m, r);
  }
  toString = (): string => "lock";
}

class Unlock implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.readers.size > 0;
  run(m: Model, r: Real): void {
    const ids = [...m.readers.keys()];
    const id = ids[this.pick % ids.length]!;
    m.readers.delete(id);
    r.guards.get(id)!.unlock();
    r.guards.delete(id);
    verify(m, r);
  }
  toString = (): string => `unlock(#${this.pick})`;
}

class Start implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    startModel(m);
    r.domain.startGracePeriod();
    verify(m, r);
  }
  toString = (): string => "startGracePeriod";
}

class End implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const expected = endModel(m);
    expect(r.domain.endGracePeriod()).toBe(expected);
    verify(m, r);
  }
  toString = (): string => "endGracePeriod";
}

class Advance implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    startModel(m);
    const expected = endModel(m);
    expect(r.domain.advance()).toBe(expected);
    verify(m, r);
  }
  toString = (): string => "advance";
}

class Cookie implements fc.Command<Model, Real> {
  constructor(readonly start: boolean) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const cookie = this.start ? r.domain.startPoll() : r.domain.getState();
    m.cookies.push({ cookie, target: targetOf(m), before: new Set(m.readers.keys()) });
    verify(m, r);
  }
  toString = (): string => (this.start ? "startPoll" : "getState");
}

class Defer implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const i = m.deferred.length;
    const before = new Set(m.readers.keys());
    m.deferred.push(targetOf(m));
    r.ran.push(false);
    r.domain.defer(() => {
      for (const id of before) expect(m.readers.has(id)).toBe(false);
      r.ran[i] = true;
    });
    verify(m, r);
  }
  toString = (): string => "defer";
}

describe("manual grace periods against a model (fc.commands)", () => {
  it("lock/unlock/start/end/advance/getState/startPoll/defer match the SRCU model", () => {
    const commands = [
      fc.constant(new Lock()),
      fc.nat().map((n) => new Unlock(n)),
      fc.constant(new Start()),
      fc.constant(new End()),
      fc.constant(new Advance()),
      fc.boolean().map((b) => new Cookie(b)),
      fc.constant(new Defer()),
    ];
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
        const errors: unknown[] = [];
        const setup = (): { model: Model; real: Real } => ({
          model: {
            inProgress: false,
            readers: new Map(),
            nextId: 0,
            started: 0,
            completed: 0,
            cookies: [],
            deferred: [],
          },
          real: { domain: createManualDomain({ onError: (e) => errors.push(e) }), guards: new Map(), ran: [] },
        });
        fc.modelRun(setup, cmds);
        expect(errors).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});
