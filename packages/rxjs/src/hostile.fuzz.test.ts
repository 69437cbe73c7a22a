/**
 * The adversarial suite of `@rcu/rxjs`: one fast-check property per public entry point, fed hostile values
 * (non-Error throws, revoked proxies, thenables of every shape, throwing getters, forged and closed domains,
 * domains of a flavour that cannot hold a section across turns) as arguments, options, source values, and as
 * what user callbacks (`project`, `dispose`, `finalizeWhen`'s callback and notifier) throw or return, with
 * subscribers that unsubscribe at odd times. Each asserts that the call works or throws a coded `RcuError`; that
 * a subscriber's `error` gets only a coded `RcuError` or the user's own thrown value; that nothing escapes as an
 * uncaught exception or unhandled rejection (failures with no subscriber left go to RxJS's
 * `config.onUnhandledError` or the domain's `onError`, as each operator documents); that every value handed to
 * a disposer (or torn down by an inner) is disposed exactly once and never while a reader that received it is
 * still inside a read section; and that once everything is unsubscribed and grace periods have passed the domain
 * has nothing pending. A manual domain drives the grace periods; the hostile values are `@rcu/core`'s.
 */
import { createDomain, describeValue, isRcuError, type RcuDomain, type ReadGuard } from "@rcu/core";
import { createManualDomain, type ManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import {
  Observable,
  Subject,
  UnsubscriptionError,
  config,
  of,
  type ObservableInput,
  type OperatorFunction,
  type Subscription,
} from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  act,
  callbackBehaviour,
  hostile,
  hostileOptions,
  microtasks,
  noEscapes,
  pinFuzzSeed,
  settlesCleanly,
  type Behaviour,
  type Hostile,
} from "../../core/src/test-support/hostile.js";
import { finalizeWhen } from "./finalize-when.js";
import { gracePeriod } from "./grace-period.js";
import { retirePrevious } from "./retire-previous.js";
import { switchMapDeferred } from "./switch-map-deferred.js";
import { withReadLock } from "./with-read-lock.js";

const RUNS = 300;
pinFuzzSeed("rxjs hostile.fuzz");
const TIMEOUT = 60_000;

const coded = (err: unknown): boolean => isRcuError(err);

let closedDomain: ManualDomain;
let loopDomain: RcuDomain;
beforeAll(async () => {
  closedDomain = createManualDomain();
  await closedDomain.close();
  loopDomain = createDomain({ onError: () => {} }); // its reports are the disposers' own failures
});
afterAll(async () => {
  await loopDomain.close();
});

const thrower = (): never => {
  throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
};

/**
 * A domain argument: a hostile value, a forged domain, a closed one, a `loop` one, or a working manual one. A forged
 * domain has the shape of one, so it is accepted (the operators duck-type domains, so that a domain can be wrapped,
 * e.g. by an instrumenting proxy); what its methods throw is then the user's own failure and passed on as is.
 */
type DomainArg = Hostile & { readonly working?: boolean; readonly forged?: boolean };
const domainArg: fc.Arbitrary<DomainArg> = fc.oneof(
  hostile,
  fc.constantFrom<DomainArg>(
    {
      label: "forged domain (throwing methods)",
      make: () => ({ defer: thrower, startPoll: thrower, poll: thrower, readLock: thrower, read: thrower }),
      forged: true,
    },
    {
      label: "forged domain (a real one as prototype)",
      make: () => Object.create(createManualDomain()) as object,
      forged: true,
    },
    { label: "closed manual domain", make: () => closedDomain },
    { label: "loop domain", make: () => loopDomain },
  ),
  { weight: 2, arbitrary: fc.constant<DomainArg>({ label: "working manual domain", make: () => 0, working: true }) },
);

/** A fresh manual domain whose reports are collected; `domainOf` substitutes it for the "working" argument. */
function freshDomain(): { domain: ManualDomain; reported: unknown[] } {
  const reported: unknown[] = [];
  const domain = createManualDomain({ onError: (err) => reported.push(err), settleTimeoutMs: 1 });
  return { domain, reported };
}

function domainOf(arg: DomainArg, working: ManualDomain): unknown {
  return arg.working === true ? working : arg.make();
}

/** Runs `run` with RxJS's unhandled errors collected (they have no subscriber left, by design). */
async function withUnhandled(run: (unhandled: unknown[]) => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  config.onUnhandledError = (err) => unhandled.push(err);
  try {
    await run(unhandled);
    // RxJS reports on a timer: let the reports of this run arrive before the next run starts
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    config.onUnhandledError = null;
  }
  return unhandled;
}

/** Advances a manual domain until its deferred work is done and `close()` resolved; fails if it does not. */
async function drainAndClose(domain: ManualDomain): Promise<void> {
  for (let i = 0; i < 5; i++) {
    domain.advance();
    await microtasks();
  }
  let done = false;
  const closing = domain.close().then(() => (done = true));
  for (let i = 0; i < 50 && !done; i++) {
    domain.advance();
    await microtasks();
  }
  expect(done, "close() resolved").toBe(true);
  await closing;
  // thenables that settle on a later turn (setImmediate) report then
  await microtasks();
  await microtasks();
}

/**
 * Unsubscribes; a teardown that fails is documented to reach the caller inside an `UnsubscriptionError` (a
 * `releaseWhen()` that throws, say), which must then hold only coded errors.
 */
function unsubscribe(sub: Subscription | undefined): void {
  try {
    sub?.unsubscribe();
  } catch (err) {
    expectUnsubscriptionError(err);
  }
}

/** Unsubscribes; with a forged domain (the user's own object) whatever its methods throw may come back. */
function stop(sub: Subscription, forged: boolean | undefined): void {
  try {
    sub.unsubscribe();
  } catch (err) {
    if (forged !== true) expectUnsubscriptionError(err);
  }
}

function expectUnsubscriptionError(err: unknown): void {
  expect(err, describeValue(err)).toBeInstanceOf(UnsubscriptionError);
  for (const inner of (err as UnsubscriptionError).errors) expect(coded(inner), describeValue(inner)).toBe(true);
}

/** What a subscriber's `error` may receive: a coded error, or a value the user's own code threw. */
function expectCleanError(err: unknown, own: ReadonlySet<unknown>): void {
  if (own.has(err)) return;
  expect(coded(err), `subscriber got ${describeValue(err)}`).toBe(true);
  expect((err as Error).message.length).toBeGreaterThan(0);
}

describe("adversarial: gracePeriod", { timeout: TIMEOUT }, () => {
  it("gracePeriod(domain) works or throws a coded error; a subscriber gets one emission or a coded error", async () => {
    await fc.assert(
      fc.asyncProperty(domainArg, fc.boolean(), async (arg, unsubscribeEarly) => {
        const { domain, reported } = freshDomain();
        const unhandled = await withUnhandled(async () => {
          const escaped = await noEscapes(async () => {
            const gp = settlesCleanly(() => gracePeriod(domainOf(arg, domain) as never), coded) as
              Observable<void> | undefined;
            if (gp === undefined) return;
            const seen: string[] = [];
            const errors: unknown[] = [];
            const sub = gp.subscribe({
              next: () => seen.push("next"),
              complete: () => seen.push("complete"),
              error: (err: unknown) => {
                errors.push(err);
                seen.push("error");
              },
            });
            if (unsubscribeEarly) {
              stop(sub, arg.forged);
              stop(sub, arg.forged);
            }
            domain.advance();
            domain.advance();
            if (arg.working === true) expect(seen).toEqual(unsubscribeEarly ? [] : ["next", "complete"]);
            stop(sub, arg.forged);
            await drainAndClose(domain);
            expect(domain.stats().pendingCallbacks).toBe(0);
            if (arg.forged !== true) for (const err of errors) expectCleanError(err, new Set());
          });
          expect(escaped).toEqual([]);
        });
        if (arg.forged !== true) expect(unhandled).toEqual([]);
        expect(reported).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: finalizeWhen", { timeout: TIMEOUT }, () => {
  type NotifierKind =
    { readonly k: "gracePeriod" | "subject" | "completes" } | { readonly k: "behaviour"; readonly b: Behaviour };
  const notifierKind: fc.Arbitrary<NotifierKind> = fc.oneof(
    fc.constantFrom<NotifierKind>({ k: "gracePeriod" }, { k: "subject" }, { k: "completes" }),
    callbackBehaviour.map((b): NotifierKind => ({ k: "behaviour", b })),
  );

  it("finalizeWhen(hostile, hostile) works or throws a coded error", () => {
    fc.assert(
      fc.property(hostile, hostile, (cb, notifier) => {
        settlesCleanly(() => finalizeWhen(cb.make() as never, notifier.make() as never), coded);
      }),
      { numRuns: RUNS },
    );
  });

  it("the callback runs exactly once per subscription, whatever it or the notifier does; failures are reported", async () => {
    await fc.assert(
      fc.asyncProperty(
        callbackBehaviour,
        notifierKind,
        fc.constantFrom("complete", "error", "unsubscribe", "unsubscribe twice", "unsubscribe inside next"),
        async (callback, notifier, end) => {
          const { domain, reported } = freshDomain();
          let calls = 0;
          const unhandled = await withUnhandled(async () => {
            const escaped = await noEscapes(async () => {
              const subject = new Subject<void>();
              const source = new Subject<number>();
              const op = finalizeWhen<number>(
                () => {
                  calls++;
                  return act(callback)() as void;
                },
                () => {
                  switch (notifier.k) {
                    case "gracePeriod":
                      return gracePeriod(domain);
                    case "subject":
                      return subject;
                    case "completes":
                      return of();
                    default:
                      return act(notifier.b)() as ObservableInput<unknown>;
                  }
                },
              );
              let sub: Subscription | undefined = undefined;
              sub = source.pipe(op).subscribe({
                next: () => {
                  if (end === "unsubscribe inside next") sub?.unsubscribe();
                },
                error: () => {},
              });
              source.next(1);
              if (end === "complete") source.complete();
              else if (end === "error") source.error(Object.create(null));
              else sub.unsubscribe();
              if (end === "unsubscribe twice") sub.unsubscribe();
              sub.unsubscribe();
              subject.next();
              subject.next();
              await microtasks();
              await drainAndClose(domain);
              await microtasks();
            });
            expect(escaped).toEqual([]);
          });
          expect(calls, "the callback ran once").toBe(1);
          for (const err of reported) expect(isRcuError(err), describeValue(err)).toBe(true);
          // RxJS's unhandled-error path carries the user's own failures (documented); nothing else goes there.
          const v = callback.value;
          const quiet =
            !callback.throws && typeof v !== "object" && typeof v !== "function" && notifier.k !== "behaviour";
          if (quiet) expect(unhandled).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/**
 * The reader model shared by the resource properties: a subscriber that may take a read lock when it receives a
 * value (and hold it until told), and a check that no value is disposed while such a lock is held.
 */
class Readers {
  readonly held: Array<{ value: unknown; guard: ReadGuard }> = [];
  readonly violations: string[] = [];
  constructor(private readonly domain: ManualDomain) {}
  take(value: unknown): void {
    this.held.push({ value, guard: this.domain.readLock() });
  }
  release(which: number): void {
    const [r] = this.held.splice(which % Math.max(1, this.held.length), 1);
    r?.guard.unlock();
  }
  releaseAll(): void {
    for (const r of this.held.splice(0)) r.guard.unlock();
  }
  disposing(value: unknown, what: string): void {
    if (this.held.some((r) => r.value === value)) this.violations.push(`${what} disposed under a reader`);
  }
}

type Step =
  | { readonly k: "next"; readonly which: number; readonly lock: boolean; readonly stopInside: boolean }
  | { readonly k: "advance" | "complete" | "error" | "unsubscribe" }
  | { readonly k: "unlock"; readonly which: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("next" as const),
      which: fc.nat(5),
      lock: fc.boolean(),
      stopInside: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  },
  { weight: 3, arbitrary: fc.constant<Step>({ k: "advance" }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("unlock" as const), which: fc.nat(4) }) },
  fc.constantFrom<Step>({ k: "complete" }, { k: "error" }, { k: "unsubscribe" }),
);

describe("adversarial: retirePrevious", { timeout: TIMEOUT }, () => {
  it("retirePrevious(domain, options) works or throws a coded error; subscribing errors only with a coded error", async () => {
    const options = hostileOptions({ dispose: fc.constant(() => {}) });
    await fc.assert(
      fc.asyncProperty(domainArg, options, hostile, async (arg, opts, value) => {
        const { domain } = freshDomain();
        const unhandled = await withUnhandled(async () => {
          const escaped = await noEscapes(async () => {
            const op = settlesCleanly(
              () => retirePrevious(domainOf(arg, domain) as never, opts.make() as never),
              coded,
            ) as OperatorFunction<unknown, unknown> | undefined;
            if (op !== undefined) {
              const errors: unknown[] = [];
              const sub = of(value.make(), value.make(), {})
                .pipe(op)
                .subscribe({
                  error: (err: unknown) => errors.push(err),
                });
              stop(sub, arg.forged);
              if (arg.forged !== true) for (const err of errors) expectCleanError(err, new Set());
            }
            await drainAndClose(domain);
          });
          expect(escaped).toEqual([]);
        });
        // A disposer that fails once the domain is closed is reported there (as an Error; non-Errors coded).
        if (arg.forged !== true)
          for (const err of unhandled) expect(err instanceof Error, describeValue(err)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("every value is disposed exactly once, never under a reader, whatever dispose does; nothing is left pending", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 25 }),
        fc.option(fc.array(callbackBehaviour, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        fc.array(fc.oneof(hostile, fc.constant<Hostile>({ label: "object", make: () => ({}) })), {
          minLength: 6,
          maxLength: 6,
        }),
        async (steps, disposeBehaviours, made) => {
          const { domain, reported } = freshDomain();
          const readers = new Readers(domain);
          const disposals = new Map<unknown, number>();
          const record = (value: unknown): void => {
            readers.disposing(value, describeValue(value));
            disposals.set(value, (disposals.get(value) ?? 0) + 1);
          };
          // Values of the stream: objects (tracked) or hostile values; primitives are not tracked.
          const values = made.map((h) => h.make());
          // An object we can give a disposer of our own (a revoked proxy or a throwing one cannot) is tracked.
          const trackable = new Set<unknown>();
          const disposable = values.map((v) => {
            if ((typeof v !== "object" || v === null) && typeof v !== "function") return v;
            try {
              Object.defineProperty(v, Symbol.dispose, { value: () => record(v), configurable: true });
              const holder = v as Record<symbol, unknown>;
              if (holder[Symbol.asyncDispose] === undefined && typeof holder[Symbol.dispose] === "function") {
                trackable.add(v);
              }
            } catch {
              // the user's hostile value: disposing it is its own business
            }
            return v;
          });
          const seen = new Set<unknown>();
          let d = 0;
          const errors: unknown[] = [];
          const unhandled = await withUnhandled(async () => {
            const escaped = await noEscapes(async () => {
              const source = new Subject<unknown>();
              const op = retirePrevious<unknown>(
                domain,
                disposeBehaviours === undefined
                  ? {}
                  : {
                      dispose: (value) => {
                        record(value);
                        return act(disposeBehaviours[d++ % disposeBehaviours.length]!)() as void;
                      },
                    },
              );
              let sub: Subscription | undefined = undefined;
              let lockNext = false;
              let stopInside = false;
              sub = source.pipe(op).subscribe({
                next: (v) => {
                  seen.add(v);
                  if (lockNext) readers.take(v);
                  if (stopInside) {
                    sub?.unsubscribe();
                    sub?.unsubscribe();
                  }
                },
                error: (err: unknown) => errors.push(err),
              });
              for (const s of steps) {
                if (s.k === "next") {
                  lockNext = s.lock;
                  stopInside = s.stopInside;
                  source.next(disposable[s.which]);
                } else if (s.k === "advance") domain.advance();
                else if (s.k === "unlock") readers.release(s.which);
                else if (s.k === "complete") source.complete();
                else if (s.k === "error") source.error(Symbol("source error"));
                else sub.unsubscribe();
                await microtasks();
              }
              sub.unsubscribe();
              readers.releaseAll();
              await drainAndClose(domain);
              await microtasks();
              expect(domain.stats().pendingCallbacks).toBe(0);
            });
            expect(escaped).toEqual([]);
          });
          expect(readers.violations).toEqual([]);
          for (const v of trackable) {
            const n = disposals.get(v) ?? 0;
            // Each object the subscriber saw is disposed once; one it never saw is never disposed.
            expect(n, `${describeValue(v)} disposed ${n} times`).toBe(seen.has(v) ? 1 : 0);
          }
          for (const err of errors) expect(typeof err === "symbol" || coded(err), describeValue(err)).toBe(true);
          for (const err of reported) expect(isRcuError(err), describeValue(err)).toBe(true);
          expect(unhandled, unhandled.map((e) => describeValue(e)).join(", ")).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: switchMapDeferred", { timeout: TIMEOUT }, () => {
  const releaseWhen = fc.oneof(
    fc.constant<Hostile>({ label: "() => subject", make: () => 0 }),
    callbackBehaviour.map((b): Hostile => ({ label: `releaseWhen ${fc.stringify(b)}`, make: () => act(b) })),
  );

  it("switchMapDeferred(project, options) works or throws a coded error; subscribing errors only with a coded error", async () => {
    const options = hostileOptions({
      domain: fc.constant("working"),
      releaseWhen: fc.constant(() => of(1)),
    });
    await fc.assert(
      fc.asyncProperty(hostile, options, domainArg, async (project, opts, arg) => {
        const { domain } = freshDomain();
        const unhandled = await withUnhandled(async () => {
          const escaped = await noEscapes(async () => {
            let made = opts.make();
            try {
              if (made !== null && typeof made === "object" && "domain" in made) {
                made = { ...made, domain: domainOf(arg, domain) };
              }
            } catch {
              // a revoked proxy: pass it as it is
            }
            settlesCleanly(() => switchMapDeferred(project.make() as never, made as never), coded);
            const op = settlesCleanly(() => switchMapDeferred(() => of(1), made as never), coded) as
              OperatorFunction<unknown, unknown> | undefined;
            if (op !== undefined) {
              const errors: unknown[] = [];
              const sub = of(1, 2, 3)
                .pipe(op)
                .subscribe({ error: (err: unknown) => errors.push(err) });
              stop(sub, arg.forged);
              if (arg.forged !== true) for (const err of errors) expectCleanError(err, new Set());
            }
            await drainAndClose(domain);
          });
          expect(escaped).toEqual([]);
        });
        // A releaseWhen notifier that fails after the subscriber is gone is reported, as documented.
        if (arg.forged !== true) for (const err of unhandled) expect(coded(err), describeValue(err)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("every inner is torn down exactly once, never under a reader; project failures reach the subscriber coded or as thrown", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 25 }),
        fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, callbackBehaviour), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.option(releaseWhen, { nil: undefined }),
        async (steps, projects, release) => {
          const { domain, reported } = freshDomain();
          const readers = new Readers(domain);
          const teardowns = new Map<{ n: number }, number>();
          const own = new Set<unknown>();
          const errors: unknown[] = [];
          const releaseSubject = new Subject<void>();
          let p = 0;
          let anyError = false;
          const unhandled = await withUnhandled(async () => {
            const escaped = await noEscapes(async () => {
              const source = new Subject<number>();
              const options =
                release === undefined
                  ? { domain }
                  : {
                      releaseWhen: (() => {
                        const made = release.make();
                        return made === 0 ? () => releaseSubject : made;
                      })() as () => ObservableInput<unknown>,
                    };
              const op = switchMapDeferred((n: number) => {
                const b = projects[p++ % projects.length];
                if (b !== undefined) {
                  if (b.throws) own.add(b.value);
                  // an object may be a thenable or iterable that fails with a value of its own
                  else if ((typeof b.value === "object" && b.value !== null) || typeof b.value === "function") {
                    anyError = true;
                  }
                  return act(b)() as ObservableInput<{ n: number }>;
                }
                return new Observable<{ n: number }>((subscriber) => {
                  const resource = { n };
                  teardowns.set(resource, 0);
                  subscriber.next(resource);
                  return () => {
                    readers.disposing(resource, `inner ${n}`);
                    teardowns.set(resource, teardowns.get(resource)! + 1);
                  };
                });
              }, options);
              let sub: Subscription | undefined = undefined;
              let lockNext = false;
              let stopInside = false;
              sub = source.pipe(op).subscribe({
                next: (v) => {
                  if (lockNext) readers.take(v);
                  if (stopInside) {
                    unsubscribe(sub);
                    unsubscribe(sub);
                  }
                },
                error: (err: unknown) => errors.push(err),
              });
              let n = 0;
              for (const s of steps) {
                if (s.k === "next") {
                  lockNext = s.lock;
                  stopInside = s.stopInside;
                  source.next(n++);
                } else if (s.k === "advance") {
                  domain.advance();
                  releaseSubject.next();
                } else if (s.k === "unlock") readers.release(s.which);
                else if (s.k === "complete") source.complete();
                else if (s.k === "error") source.error(Symbol("source error"));
                else unsubscribe(sub);
                await microtasks();
              }
              unsubscribe(sub);
              readers.releaseAll();
              for (let i = 0; i < 3; i++) {
                releaseSubject.next();
                domain.advance();
                await microtasks();
              }
              await drainAndClose(domain);
              expect(domain.stats().pendingCallbacks).toBe(0);
            });
            expect(escaped).toEqual([]);
          });
          // With a domain the release waits for readers; a releaseWhen notifier of the user's own does not.
          if (release === undefined) expect(readers.violations).toEqual([]);
          for (const [resource, n] of teardowns) expect(n, `inner ${resource.n} torn down ${n} times`).toBe(1);
          // A releaseWhen notifier of the user's own fails with values of its own (as documented).
          const userNotifier = release !== undefined && release.label !== "() => subject";
          if (!anyError && !userNotifier) {
            for (const err of errors) {
              if (typeof err !== "symbol") expectCleanError(err, own);
            }
          }
          for (const err of reported) expect(isRcuError(err), describeValue(err)).toBe(true);
          if (!anyError && !userNotifier)
            for (const err of unhandled) {
              if (err instanceof UnsubscriptionError) expectUnsubscriptionError(err);
              else expect(own.has(err) || coded(err), describeValue(err)).toBe(true);
            }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("adversarial: withReadLock", { timeout: TIMEOUT }, () => {
  it("withReadLock(domain, options) works or throws a coded error; a subscription's section always ends", async () => {
    const options = hostileOptions({ scope: fc.constantFrom("value", "subscription", "other") });
    await fc.assert(
      fc.asyncProperty(
        domainArg,
        options,
        fc.constantFrom("complete", "error", "unsubscribe", "unsubscribe twice", "unsubscribe inside next"),
        callbackBehaviour,
        async (arg, opts, end, handler) => {
          const { domain, reported } = freshDomain();
          const unhandled = await withUnhandled(async () => {
            const escaped = await noEscapes(async () => {
              const op = settlesCleanly(
                () => withReadLock(domainOf(arg, domain) as never, opts.make() as never),
                coded,
              ) as OperatorFunction<unknown, unknown> | undefined;
              if (op === undefined) return;
              const source = new Subject<unknown>();
              let sub: Subscription | undefined = undefined;
              const errors: unknown[] = [];
              sub = source.pipe(op).subscribe({
                next: () => {
                  if (end === "unsubscribe inside next") sub?.unsubscribe();
                  act(handler)();
                },
                error: (err: unknown) => errors.push(err),
              });
              source.next(1);
              source.next(2);
              if (end === "complete") source.complete();
              else if (end === "error") source.error(Symbol("source error"));
              else sub.unsubscribe();
              if (end === "unsubscribe twice") sub.unsubscribe();
              sub.unsubscribe();
              if (arg.forged !== true)
                for (const err of errors) expect(typeof err === "symbol" || coded(err), describeValue(err)).toBe(true);
              if (arg.working === true) {
                expect(domain.stats().readers, "no section left open").toBe(0);
                expect(domain.advance(), "a grace period can end").toBe(true);
              }
              await drainAndClose(domain);
            });
            expect(escaped).toEqual([]);
          });
          // A throwing `next` handler is RxJS's own unhandled error: the user's value, nothing else.
          if (arg.forged !== true)
            for (const err of unhandled) expect(handler.throws && Object.is(err, handler.value)).toBe(true);
          expect(reported).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
