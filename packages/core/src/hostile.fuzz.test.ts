/**
 * The adversarial suite of `@rcu/core`: one fast-check property per public entry point, fed hostile values
 * (non-Error throws, revoked proxies, thenables of every shape, throwing getters, huge/negative/fractional
 * numbers, `null`, symbols, bigints, forged handles and cookies). Each asserts that the call works or throws
 * (rejects with) an `RcuError` with a code; that nothing escapes as an uncaught exception or unhandled
 * rejection; that every item enqueued is processed exactly once and never before its grace period; and that
 * `close()` resolves. Manual domains keep it free of wall time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCell } from "./cell.js";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { describeValue } from "./describe-value.js";
import { domainCapabilities } from "./flavor/capabilities.js";
import { isRcuError } from "./errors.js";
import { onDomainClose } from "./domain/on-close.js";
import { attachSharedDomain, attachSharedPending, createSharedDomain, createSharedPending } from "./shared.js";
import {
  act,
  callbackBehaviour,
  either,
  hostile,
  hostileOptions,
  microtasks,
  noEscapes,
  pinFuzzSeed,
  settlesCleanly,
  type Behaviour,
  type Hostile,
} from "./test-support/hostile.js";
import { createManualDomain, type ManualDomain } from "./testing.js";
import { trackSettle } from "./track-settle.js";
import type { RcuDomain } from "./types.js";

const RUNS = 1000;
pinFuzzSeed("core hostile.fuzz");
const TIMEOUT = 60_000;

/** The call works, or throws an RcuError with a code, or rethrows the user's own value (`allowed`). */

/** A returned promise resolves or rejects with an RcuError (or an abort reason / the user's value when allowed). */
async function promiseSettlesCleanly(value: unknown, allowed: (err: unknown) => boolean = () => false): Promise<void> {
  let isPromise = false;
  try {
    isPromise = value instanceof Promise;
  } catch {
    // a revoked proxy returned by the user's callback
  }
  if (!isPromise) return;
  try {
    await value;
  } catch (err) {
    if (!allowed(err)) expect(isRcuError(err), `rejected with ${describeValue(err)}`).toBe(true);
  }
}

/** Closes a manual domain, driving its grace periods; fails if close does not resolve. */
async function closeManual(domain: ManualDomain): Promise<void> {
  let done = false;
  const closing = domain.close().then(() => {
    done = true;
  });
  for (let i = 0; i < 50 && !done; i++) {
    domain.advance();
    await microtasks();
  }
  expect(done, "close() resolved").toBe(true);
  await closing;
}

const sane = {
  bool: fc.boolean(),
  name: fc.string({ maxLength: 8 }),
  ms: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  count: fc.integer({ min: 1, max: 64 }),
  fn: fc.constant(() => {}),
};

describe("adversarial: factories", { timeout: TIMEOUT }, () => {
  const domainOptions = hostileOptions({
    flavor: fc.constantFrom("loop", "srcu"),
    name: sane.name,
    onError: sane.fn,
    stallTimeoutMs: sane.ms,
    debug: sane.bool,
    flushOnExit: sane.bool,
    maxConcurrentDisposals: sane.count,
    settleTimeoutMs: sane.ms,
  });

  it("createDomain(options) works or throws a coded RcuError", async () => {
    await fc.assert(
      fc.asyncProperty(domainOptions, async (options) => {
        const escaped = await noEscapes(async () => {
          const domain = settlesCleanly(() => createDomain(options.make() as never), isRcuError) as
            RcuDomain | undefined;
          if (domain !== undefined) await domain.close();
        });
        expect(escaped).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("createManualDomain(options) works or throws a coded RcuError", async () => {
    await fc.assert(
      fc.asyncProperty(domainOptions, async (options) => {
        const escaped = await noEscapes(async () => {
          const domain = settlesCleanly(() => createManualDomain(options.make() as never), isRcuError) as
            ManualDomain | undefined;
          if (domain !== undefined) await closeManual(domain);
        });
        expect(escaped).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("createPending(domain, options) works or throws a coded RcuError", async () => {
    const options = hostileOptions({
      process: sane.fn,
      sizeOf: fc.constant(() => 1),
      highWaterMark: hostileOptions({ items: sane.count, bytes: sane.count }),
      onPressure: sane.fn,
      maxPerTurn: sane.count,
      chunkSize: sane.count,
      maxChunks: sane.count,
      storage: fc.constantFrom("object", "int32"),
      name: sane.name,
    });
    await fc.assert(
      fc.asyncProperty(options, hostile, async (opts, item) => {
        const domain = createManualDomain();
        const escaped = await noEscapes(async () => {
          const pending = settlesCleanly(() => createPending(domain, opts.make() as never), isRcuError) as
            ReturnType<typeof createPending> | undefined;
          if (pending !== undefined) settlesCleanly(() => pending.enqueue(item.make()), isRcuError);
          await closeManual(domain);
        });
        expect(escaped).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("createCell(domain, initial, options) and its set/update work or throw a coded RcuError", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        hostileOptions({ retire: fc.constant(() => {}) }),
        callbackBehaviour,
        hostile,
        async (initial, opts, retire, next) => {
          const domain = createManualDomain({ onError: () => {} });
          const escaped = await noEscapes(async () => {
            let options = opts.make();
            try {
              if (options !== null && typeof options === "object" && "retire" in options)
                options = { retire: act(retire) };
            } catch {
              // a revoked proxy: pass it as it is
            }
            const cell = settlesCleanly(() => createCell(domain, initial.make(), options as never), isRcuError) as
              ReturnType<typeof createCell> | undefined;
            if (cell !== undefined) {
              settlesCleanly(() => cell.set(next.make()), isRcuError);
              settlesCleanly(
                () => cell.update(act(retire)),
                isRcuError,
                (e) => Object.is(e, retire.value),
              );
            }
            await closeManual(domain);
          });
          expect(escaped).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("onDomainClose(domain, hook) and trackSettle(domain, value) work or throw a coded RcuError; close() resolves", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile,
          callbackBehaviour.map((b): Hostile => ({ label: "callback", make: () => act(b) })),
        ),
        hostile,
        hostileOptions({ what: sane.name, onRejected: sane.fn }),
        async (hook, value, opts) => {
          const domain = createManualDomain({ onError: () => {}, settleTimeoutMs: 1 });
          const escaped = await noEscapes(async () => {
            settlesCleanly(() => onDomainClose(domain, hook.make() as never), isRcuError);
            const settled = settlesCleanly(() => trackSettle(domain, value.make(), opts.make() as never), isRcuError);
            await promiseSettlesCleanly(settled);
            await closeManual(domain);
          });
          expect(escaped).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("createSharedDomain/attachSharedDomain/createSharedPending/attachSharedPending with hostile options and forged handles", async () => {
    const real = createSharedDomain({ maxThreads: 2 });
    const other = createSharedDomain({ maxThreads: 2 });
    const ring = createSharedPending(real, { capacity: 4 });
    const forgedHandle: fc.Arbitrary<Hostile> = fc.oneof(
      hostile,
      fc
        .record({
          buffer: fc.constantFrom(real.handle.buffer, new SharedArrayBuffer(64)),
          maxThreads: either(fc.integer({ min: -1, max: 3 })),
          name: either(sane.name),
        })
        .map((r) => ({
          label: "domain handle",
          make: () => ({ buffer: r.buffer, maxThreads: r.maxThreads.make(), name: r.name.make() }),
        })),
      fc
        .record({
          buffer: fc.constantFrom(ring.handle.buffer, real.handle.buffer),
          capacity: either(fc.integer({ min: -1, max: 8 })),
        })
        .map((r) => ({ label: "pending handle", make: () => ({ buffer: r.buffer, capacity: r.capacity.make() }) })),
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          forgedHandle,
          hostileOptions({ maxThreads: fc.integer({ min: 1, max: 4 }), capacity: sane.count }),
          fc.constantFrom(real, other),
          async (handle, opts, domain) => {
            const escaped = await noEscapes(async () => {
              settlesCleanly(() => attachSharedDomain(handle.make() as never), isRcuError);
              settlesCleanly(() => attachSharedPending(handle.make() as never, domain), isRcuError);
              settlesCleanly(() => createSharedPending(domain, opts.make() as never), isRcuError);
              const created = settlesCleanly(() => createSharedDomain(opts.make() as never), isRcuError) as
                ReturnType<typeof createSharedDomain> | undefined;
              if (created !== undefined) {
                await created.close();
                created.detach();
              }
            });
            expect(escaped).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
      // a pending ring attached with the other domain was refused every time
      expect(() => attachSharedPending(ring.handle, other)).toThrow(
        expect.objectContaining({ code: "INVALID_OPTION" }),
      );
    } finally {
      await real.close();
      await other.close();
      real.detach();
      other.detach();
    }
  });
});

/** `v` with a `Symbol.dispose` method added when it can take one (else `v` itself). */
function withDispose(v: unknown, dispose: () => unknown): unknown {
  try {
    return v !== null && typeof v === "object" ? Object.assign(v, { [Symbol.dispose]: dispose }) : v;
  } catch {
    return v;
  }
}

/** A rejection caused by an aborted signal the test passed (its reason, or an AbortError). */
function isAbortRejection(e: unknown, options: unknown): boolean {
  if (e instanceof DOMException && e.name === "AbortError") return true;
  try {
    const signal = (options as { signal?: AbortSignal } | null)?.signal ?? options;
    return Object.is(e, (signal as AbortSignal).reason);
  } catch {
    return false;
  }
}

describe("adversarial: functions that take a domain", () => {
  it("createPending/createCell/onDomainClose/trackSettle/domainCapabilities refuse anything but a domain with INVALID_OPTION", () => {
    fc.assert(
      fc.property(hostile, (h) => {
        const notADomain = h.make() as RcuDomain;
        for (const call of [
          () => createPending(notADomain, { process: () => {} }),
          () => createCell(notADomain, 1),
          () => onDomainClose(notADomain, () => {}),
          () => trackSettle(notADomain, Promise.resolve()),
          () => domainCapabilities(notADomain),
        ]) {
          expect(() => call()).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: domain methods", { timeout: TIMEOUT }, () => {
  type Call = (domain: ManualDomain, value: unknown, behaviour: Behaviour) => unknown;
  const calls: Array<[string, Call]> = [
    ["read", (d, _v, b) => d.read(act(b))],
    ["readLock/unlock", (d) => d.readLock().unlock()],
    ["poll", (d, v) => d.poll(v as number)],
    ["waitFor", (d, v, b) => d.waitFor(v as number, b.value as never)],
    ["synchronize", (d, v) => d.synchronize(v as never)],
    ["barrier", (d, v) => d.barrier(v as never)],
    ["defer", (d, v, b) => d.defer(typeof v === "function" ? (act(b) as never) : (v as never))],
    ["retire", (d, v, b) => d.retire(withDispose(v, act(b)) as never)],
    ["retire (async)", (d, _v, b) => d.retire({ [Symbol.asyncDispose]: act(b) } as never)],
    ["expedite/getState/startPoll/stats", (d) => [d.expedite(), d.getState(), d.startPoll(), d.stats()]],
    ["read (not a function)", (d, v) => (typeof v === "function" ? undefined : d.read(v as never))],
  ];

  it.each(calls)(
    "%s with hostile arguments works or fails with a coded RcuError; no reader leaks; close() resolves",
    async (_name, call) => {
      await fc.assert(
        fc.asyncProperty(hostile, callbackBehaviour, async (h, behaviour) => {
          const value = h.make();
          const errors: unknown[] = [];
          const domain = createManualDomain({ onError: (err) => errors.push(err), settleTimeoutMs: 1 });
          const escaped = await noEscapes(async () => {
            const isUsers = (e: unknown): boolean => Object.is(e, behaviour.value) || isAbortRejection(e, value);
            const result = settlesCleanly(() => call(domain, value, behaviour), isRcuError, isUsers);
            domain.advance();
            await promiseSettlesCleanly(result, isUsers);
            await microtasks();
            expect(domain.stats().readers).toBe(0);
            await closeManual(domain);
          });
          expect(escaped).toEqual([]);
          for (const err of errors) expect(isRcuError(err), describeValue(err)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

describe("adversarial: deferred work under hostile callbacks", { timeout: TIMEOUT }, () => {
  it("every deferred callback and disposer runs exactly once, never under an older reader, whatever it throws or returns", async () => {
    const job = fc.record({ kind: fc.constantFrom("defer", "retire", "asyncRetire"), b: callbackBehaviour });
    await fc.assert(
      fc.asyncProperty(fc.array(job, { minLength: 1, maxLength: 8 }), async (jobs) => {
        const errors: unknown[] = [];
        const domain = createManualDomain({ onError: (err) => errors.push(err), settleTimeoutMs: 1 });
        const runs = jobs.map(() => 0);
        const escaped = await noEscapes(async () => {
          const guard = domain.readLock();
          jobs.forEach((j, i) => {
            const run = (): void => {
              runs[i]!++;
              return act(j.b)() as void; // whatever it returns or throws: hostile on purpose
            };
            if (j.kind === "defer") domain.defer(run);
            else if (j.kind === "retire") domain.retire({ [Symbol.dispose]: run });
            else domain.retire({ [Symbol.asyncDispose]: run as () => Promise<void> });
          });
          expect(domain.advance()).toBe(false); // the older reader holds the grace period
          expect(runs.every((n) => n === 0)).toBe(true);
          guard.unlock();
          await closeManual(domain);
          expect(runs).toEqual(jobs.map(() => 1));
        });
        expect(escaped).toEqual([]);
        for (const err of errors) expect(isRcuError(err), describeValue(err)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: the pending engine under hostile callbacks", { timeout: TIMEOUT }, () => {
  type Cmd =
    | { readonly k: "enqueue" }
    | { readonly k: "dequeue" }
    | { readonly k: "dequeueWhere"; readonly b: Behaviour; readonly reenter: boolean }
    | { readonly k: "advance" }
    | { readonly k: "lock" }
    | { readonly k: "unlock" };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ k: "enqueue" } as const) },
    fc.constant({ k: "dequeue" } as const),
    fc.record({ k: fc.constant("dequeueWhere" as const), b: callbackBehaviour, reenter: fc.boolean() }),
    { weight: 2, arbitrary: fc.constant({ k: "advance" } as const) },
    fc.constant({ k: "lock" } as const),
    fc.constant({ k: "unlock" } as const),
  );

  it("every item enqueued is processed or dequeued exactly once, never before its grace period; drain and close resolve", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { maxLength: 40 }),
        fc.array(callbackBehaviour, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 8 }),
        async (cmds, behaviours, maxPerTurn) => {
          const errors: unknown[] = [];
          const domain = createManualDomain({ onError: (err) => errors.push(err) });
          const seen = new Map<number, number>();
          /** Guards open when item n was enqueued: none of them may still be open when it is processed. */
          const guardsAt = new Map<number, Set<object>>();
          const open = new Set<object>();
          const guards: Array<{ unlock(): void }> = [];
          let next = 0;
          let b = 0;
          const escaped = await noEscapes(async () => {
            const pending = createPending<number>(domain, {
              maxPerTurn,
              sizeOf: () => 1,
              process: (n) => {
                seen.set(n, (seen.get(n) ?? 0) + 1);
                for (const g of guardsAt.get(n)!)
                  expect(open.has(g), `item ${n} processed under an older reader`).toBe(false);
                const behaviour = behaviours[b++ % behaviours.length]!;
                act(behaviour)();
              },
            });
            for (const c of cmds) {
              if (c.k === "enqueue") {
                guardsAt.set(next, new Set(open));
                pending.enqueue(next++);
              } else if (c.k === "dequeue") {
                const n = pending.dequeue();
                if (n !== undefined) seen.set(n, (seen.get(n) ?? 0) + 1);
              } else if (c.k === "dequeueWhere") {
                const n = settlesCleanly(
                  () =>
                    pending.dequeueWhere(() => {
                      if (c.reenter) settlesCleanly(() => pending.dequeue(), isRcuError);
                      return act(c.b)() as boolean;
                    }),
                  isRcuError,
                  (e) => Object.is(e, c.b.value),
                ) as number | undefined;
                if (n !== undefined) seen.set(n, (seen.get(n) ?? 0) + 1);
              } else if (c.k === "advance") {
                domain.advance();
              } else if (c.k === "lock") {
                const guard = domain.readLock();
                const token = {};
                open.add(token);
                guards.push({
                  unlock: () => {
                    open.delete(token);
                    guard.unlock();
                  },
                });
              } else {
                guards.shift()?.unlock();
              }
              expect(pending.pendingBytes).toBeGreaterThanOrEqual(0);
            }
            for (const g of guards.splice(0)) g.unlock();
            let drained = false;
            const draining = pending.drain().then(() => (drained = true));
            for (let i = 0; i < 100 && !drained; i++) {
              domain.advance();
              await microtasks();
            }
            expect(drained, "drain() resolved").toBe(true);
            await draining;
            expect(pending.pendingBytes).toBe(0);
            for (let n = 0; n < next; n++) expect(seen.get(n), `item ${n}`).toBe(1);
            await closeManual(domain);
          });
          expect(escaped).toEqual([]);
          for (const err of errors) expect(isRcuError(err), describeValue(err)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("int32 and shared pending refuse hostile items with a code and lose nothing", async () => {
    const shared = createSharedDomain({ maxThreads: 1 });
    const ring = createSharedPending(shared, { capacity: 1024 });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(hostile, { maxLength: 8 }), async (boxes) => {
          const items = boxes.map((b) => b.make());
          const domain = createManualDomain();
          const ints = createPending<number>(domain, { process: () => {}, storage: "int32" });
          const escaped = await noEscapes(async () => {
            let accepted = 0;
            for (const item of items) {
              const before = ints.size;
              settlesCleanly(() => ints.enqueue(item as number), isRcuError);
              accepted += ints.size - before;
              settlesCleanly(() => ring.enqueue(item as number), isRcuError);
            }
            expect(ints.size).toBe(accepted);
            while (ring.dequeue() !== -1);
            await closeManual(domain);
          });
          expect(escaped).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    } finally {
      await shared.close();
      shared.detach();
    }
  });
});

describe("adversarial: shared pending methods", { timeout: TIMEOUT }, () => {
  type Call = (ring: ReturnType<typeof createSharedPending>, value: unknown, b: Behaviour) => unknown;
  const calls: Array<[string, Call]> = [
    ["enqueue", (r, v) => r.enqueue(v as number)],
    ["drainExpired", (r, v, b) => r.drainExpired(typeof v === "function" ? act(b) : (v as never), v as number)],
    ["whenExpired", (r, v) => r.whenExpired(v as never)],
    [
      "whenEnqueued",
      (r, v) => {
        const wait = r.whenEnqueued(v as never);
        r.enqueue(1); // wakes the wait at once (no 50 ms backstop per run)
        return wait;
      },
    ],
    ["takeExpired/dequeue/oldestCookie/stats", (r) => [r.takeExpired(), r.dequeue(), r.oldestCookie(), r.stats()]],
    ["watch", (r, v) => r.watch(v as never)],
  ];

  it.each(calls)(
    "%s with hostile arguments works or fails with a coded RcuError and loses nothing",
    async (_name, call) => {
      const shared = createSharedDomain({ maxThreads: 1 });
      try {
        await fc.assert(
          fc.asyncProperty(hostile, callbackBehaviour, async (h, b) => {
            const ring = createSharedPending(shared, { capacity: 4 });
            ring.enqueue(3);
            const escaped = await noEscapes(async () => {
              const value = h.make();
              const isUsers = (e: unknown): boolean => Object.is(e, b.value) || isAbortRejection(e, value);
              const result = settlesCleanly(() => call(ring, value, b), isRcuError, isUsers);
              await promiseSettlesCleanly(result, isUsers);
              const left: number[] = [];
              for (let i = ring.dequeue(); i !== -1; i = ring.dequeue()) left.push(i);
              expect(left.length).toBeLessThanOrEqual(2);
            });
            expect(escaped).toEqual([]);
          }),
          { numRuns: RUNS },
        );
      } finally {
        await shared.close();
        shared.detach();
      }
    },
  );
});

describe("adversarial: describeValue", () => {
  it("never throws and always returns a string", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostile,
          fc.anything().map((v): Hostile => ({ label: "anything", make: () => v })),
        ),
        (value) => {
          expect(typeof describeValue(value.make())).toBe("string");
        },
      ),
      { numRuns: RUNS },
    );
  });
});
