/**
 * The domain: a grace source (readers and grace periods, see flavor/grace-source.ts) plus what users call
 * first — `defer`/`retire` on one internal pending engine (one mechanism: the same engine as `createPending`),
 * `barrier`, `close`, error reporting, diagnostics and the debug checks. The parts live next to this file:
 * option checks (options.ts), async contexts (async-context.ts), the deferred-work runner (deferred-runner.ts)
 * and the stall detector (stall-detector.ts).
 *
 * "From inside": while one of the domain's callbacks runs synchronously (`depth > 0`) and, where
 * AsyncLocalStorage exists, in the async continuation of async disposers and `async function` callbacks.
 * Closing refuses work from outside and accepts it from inside (a disposer retiring its children), and loops
 * until nothing is pending anywhere.
 *
 * Why this file is over 400 lines: it is the facade class that implements `RcuDomain`, `DomainInternals` and
 * the grace observer; its methods are short and delegate to the parts above, but the read-section hot path,
 * the misuse checks and the lifecycle share the domain's state and stay in one class.
 */
import { describeValue } from "../describe-value.js";
import { RcuError, isRcuError } from "../errors.js";
import { abortReason, abortable } from "../internal/abortable.js";
import type { DomainOptions, DomainStats, Flavor, GpCookie, RcuDomain, ReadGuard } from "../types.js";
import { seqEnd } from "../grace-period.js";
import { publish } from "../internal/diagnostics.js";
import type { DomainInternals, Drainable } from "./internals.js";
import { setInternals } from "./internals.js";
import type { FlavorCapabilities, Grace, GraceMode, GraceObserver } from "../flavor/grace-source.js";
import { PendingEngine } from "../pending/engine.js";
import { guardThenable, nativeThen, rejectsAtOnce, settleVia } from "../internal/guard-thenable.js";
import type { SettleOnce, ThenFn } from "../internal/guard-thenable.js";
import { readSignal } from "../internal/validate.js";
import { watchExit } from "../internal/exit-flush.js";
import { asyncContext, sectionContext } from "./async-context.js";
import type { AlsLike, SectionMark } from "./async-context.js";
import { DeferredRunner } from "./deferred-runner.js";
import type { Deferred } from "./deferred-runner.js";
import { resolveDomainOptions } from "./options.js";
import { StallDetector } from "./stall-detector.js";

/** What makes a domain of one flavour: its name, who drives grace periods, and how to build its grace source. */
export interface DomainSetup {
  readonly flavor: Flavor;
  readonly mode: GraceMode;
  readonly makeGrace: (observer: GraceObserver, debug: boolean) => Grace;
}

export class DomainImpl implements RcuDomain, DomainInternals, GraceObserver {
  readonly flavor: Flavor;
  readonly name: string;
  readonly debug: boolean;
  readonly grace: Grace;
  private readonly onError: (err: unknown) => void;
  private readonly flushOnExit: boolean;

  private state: "open" | "closing" | "closed" = "open";
  private closePromise: Promise<void> | undefined;
  private depth = 0;
  private readonly callbacks: PendingEngine<Deferred>;
  private readonly runner: DeferredRunner;
  private readonly stall: StallDetector;
  private readonly engines = new Set<Drainable>();
  private readonly closeHooks = new Set<() => void | Promise<void>>();
  private readonly debugRetired: Set<unknown> | undefined;

  private errors = 0;
  private readonly reportedGuards: WeakSet<object> | undefined;
  private exitWatched = false;

  constructor(setup: DomainSetup, options: DomainOptions = {}) {
    const resolved = resolveDomainOptions(setup.flavor, setup.mode, options);
    this.flavor = setup.flavor;
    this.name = resolved.name;
    this.debug = resolved.debug;
    this.onError = resolved.onError;
    this.flushOnExit = resolved.flushOnExit;
    this.grace = setup.makeGrace(this, this.debug);
    this.debugRetired = this.debug ? new Set() : undefined;
    this.reportedGuards = this.debug ? new WeakSet() : undefined;
    this.stall = new StallDetector({
      grace: this.grace,
      domainName: this.name,
      timeoutMs: resolved.stallTimeoutMs,
      onError: this.onError,
    });
    this.runner = new DeferredRunner({
      inside: this,
      domainName: this.name,
      maxConcurrent: resolved.maxConcurrent,
      settleTimeoutMs: resolved.settleTimeoutMs,
      debugRetired: this.debugRetired,
      isClosing: () => this.state === "closing",
      report: (err, context) => this.report(err, context),
      enter: () => this.enter(),
      exit: () => this.exit(),
    });
    setInternals(this, this);
    this.callbacks = new PendingEngine<Deferred>(
      this,
      { process: (item) => this.runner.run(item), name: `${this.name}:callbacks` },
      { owner: "domain" },
    );
  }

  /** What this domain's flavour allows. */
  get capabilities(): FlavorCapabilities {
    return this.grace.capabilities;
  }

  // ---- readers ------------------------------------------------------------------------------------------

  read<R>(fn: () => R): R {
    if (typeof fn !== "function") {
      throw new RcuError(
        "INVALID_OPTION",
        `read(fn) takes a function, got ${describeValue(fn)}. Use readLock() for a guard.`,
      );
    }
    if (this.debug) {
      const ctx = sectionContext.get();
      if (ctx !== undefined) return this.readMarked(ctx, fn);
    }
    return this.readSection(fn);
  }

  /** Debug: runs the section with a mark in the async context (see {@link SectionMark}). */
  private readMarked<R>(ctx: AlsLike, fn: () => R): R {
    const mark: SectionMark = { domain: this, open: true, parent: ctx.getStore() as SectionMark | undefined };
    let result: R;
    try {
      result = ctx.run(mark, () => this.readSection(fn));
    } catch (err) {
      mark.open = false;
      throw err;
    }
    const settle = guardThenable(result);
    if (settle !== undefined) {
      const close = (): void => {
        mark.open = false;
      };
      settle(close, close);
    } else {
      mark.open = false;
    }
    return result;
  }

  /** Debug: whether the caller is (asynchronously) inside an open `read(fn)` section of this domain. */
  private inAsyncSection(): boolean {
    const sections = sectionContext.peek();
    if (sections === undefined || this.isInside()) return false;
    for (let m = sections.getStore() as SectionMark | undefined; m !== undefined; m = m.parent) {
      if (m.domain === this && m.open) return true;
    }
    return false;
  }

  private readSection<R>(fn: () => R): R {
    const grace = this.grace;
    if (!grace.countSyncReads) {
      // Hot path: try/catch rather than try/finally (a finally costs V8 a completion dispatch) and
      // an inline object test before the out-of-line thenable check keep this to two stores around `fn()`.
      grace.syncReadDepth++;
      let result: R;
      try {
        result = fn();
      } catch (err) {
        grace.syncReadDepth--;
        throw err;
      }
      grace.syncReadDepth--;
      if ((typeof result === "object" && result !== null) || typeof result === "function") this.holdIfThenable(result);
      return result;
    }
    // Counted sections (manual, shared). Outside debug mode no guard object is made per section: zero garbage
    // per read (a shared section's cost is its two sequentially consistent stores); in
    // debug mode the guard records where the reader entered, for stall reports.
    const guard = this.debug ? grace.readLock() : undefined;
    const token = guard === undefined ? grace.enterSync() : 0;
    grace.syncReadDepth++;
    let result: R;
    try {
      result = fn();
    } catch (err) {
      grace.syncReadDepth--;
      this.leave(guard, token);
      throw err;
    }
    grace.syncReadDepth--;
    // A thenable holds the section until it settles, once: a `then` that throws (or whose getter throws) ends it
    // at once, and a second settlement cannot end it again (the reader count never goes negative).
    const settle = guardThenable(result);
    if (settle !== undefined) {
      if (!grace.capabilities.asyncSections) {
        this.leave(guard, token);
        throw new RcuError(
          "ASYNC_SECTION",
          `read(fn) on ${this.flavor} domain '${this.name}' returned a promise, but its sections must be synchronous ` +
            "(the part after the first await ran unprotected). Keep the section synchronous, or use an 'srcu' domain.",
        );
      }
      const unlock = (): void => this.leave(guard, token);
      settle(unlock, unlock);
    } else {
      this.leave(guard, token);
    }
    return result;
  }

  /** Ends a counted `read(fn)` section: through its guard in debug mode, else by token. */
  private leave(guard: ReadGuard | undefined, token: number): void {
    if (guard === undefined) this.grace.exitSync(token);
    else guard.unlock();
  }

  private holdIfThenable(result: object): void {
    let then: unknown;
    try {
      then = (result as { then?: unknown }).then;
    } catch (err) {
      this.holdUntilSettled(rejectsAtOnce(err));
      return;
    }
    if (typeof then !== "function") return;
    if (then === nativeThen && !this.debug) this.holdNative(result);
    else this.holdUntilSettled(settleVia(result, then as ThenFn));
  }

  /**
   * Holds an uncounted section over a native promise: a counter slot and that slot's pre-bound exit as both
   * reactions (a native promise runs one of them, once), so the only allocation is the derived promise
   * `then` returns. A `then` that throws (a species constructor, a non-promise receiver) registered nothing:
   * the section ends at once, as for any thenable whose `then` throws.
   */
  private holdNative(promise: object): void {
    const grace = this.grace;
    const exit = grace.exitFn(grace.enterSync());
    try {
      nativeThen.call(promise, exit, exit);
    } catch {
      exit();
    }
  }

  private holdUntilSettled(settle: SettleOnce): void {
    const guard = this.grace.readLock();
    if (!this.grace.capabilities.asyncSections && this.debug) {
      this.reportedGuards?.add(guard);
      this.report(
        new RcuError(
          "ASYNC_SECTION",
          `read(fn) on loop domain '${this.name}' returned a promise; the section is held until it settles. ` +
            "Use an 'srcu' domain for sections that span await.",
        ),
        "read",
      );
    }
    const unlock = (): void => guard.unlock();
    settle(unlock, unlock);
  }

  readLock(): ReadGuard {
    return this.grace.readLock();
  }

  // ---- polled grace periods -----------------------------------------------------------------------------

  getState(): GpCookie {
    return this.grace.getState();
  }

  startPoll(): GpCookie {
    return this.grace.startPoll();
  }

  poll(cookie: GpCookie): boolean {
    return this.grace.poll(cookie);
  }

  waitFor(cookie: GpCookie, options?: { readonly signal?: AbortSignal }): Promise<void> {
    try {
      this.grace.check(cookie);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(describeValue(err))); // check() throws RcuErrors
    }
    const { signal, error } = readSignal("waitFor", options);
    if (error !== undefined) return Promise.reject(error);
    if (this.grace.done(cookie)) return Promise.resolve();
    const misuse = this.waitMisuse("waitFor");
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.wait(cookie, signal);
  }

  synchronize(options?: { readonly signal?: AbortSignal }): Promise<void> {
    const { signal, error } = readSignal("synchronize", options);
    if (error !== undefined) return Promise.reject(error);
    const misuse = this.waitMisuse("synchronize");
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.wait(this.grace.startPoll(), signal);
  }

  private waitMisuse(what: string): RcuError | undefined {
    if (this.grace.syncReadDepth > 0 || this.inAsyncSection()) return this.selfDeadlock(what);
    if (this.state !== "open" && !this.isInside()) return this.closedError(what);
    return undefined;
  }

  /** `signal` was checked by the caller (readSignal): a bad one would leave its waiter behind. */
  private wait(cookie: GpCookie, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      if (signal === undefined) {
        this.grace.onComplete(cookie, resolve);
        return;
      }
      const onAbort = (): void => {
        waiter.cancel();
        reject(abortReason(signal));
      };
      const waiter = this.grace.onComplete(cookie, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  expedite(): void {
    this.grace.expedite();
  }

  // ---- deferred work ------------------------------------------------------------------------------------

  defer(fn: () => void | PromiseLike<void>): void {
    if (typeof fn !== "function") {
      throw new RcuError(
        "INVALID_OPTION",
        `defer() takes a function, got ${describeValue(fn)}. To dispose an object use retire().`,
      );
    }
    this.admit("defer");
    this.callbacks.enqueue(fn);
    this.watchExit();
  }

  retire(resource: Disposable | AsyncDisposable): void {
    const r = resource as Partial<Disposable & AsyncDisposable> | null;
    let disposable = false;
    try {
      disposable =
        r !== null &&
        (typeof r === "object" || typeof r === "function") &&
        (typeof r[Symbol.asyncDispose] === "function" || typeof r[Symbol.dispose] === "function");
    } catch {
      // a revoked proxy or a throwing getter: not something we can dispose
    }
    if (!disposable || r === null) {
      throw new RcuError(
        "INVALID_OPTION",
        "retire() takes an object with [Symbol.dispose]() or [Symbol.asyncDispose](); use defer(fn) to run a function.",
      );
    }
    this.admit("retire");
    if (this.debugRetired !== undefined) {
      if (this.debugRetired.has(resource)) {
        throw new RcuError(
          "DOUBLE_RETIRE",
          `This resource is already retired on domain '${this.name}' and not yet disposed. Retire each object once.`,
        );
      }
      this.debugRetired.add(resource);
    }
    // A function with a dispose method must not be mistaken for a deferred function.
    this.callbacks.enqueue(
      typeof r === "function"
        ? {
            [Symbol.dispose]: () => {
              this.debugRetired?.delete(resource); // the wrapper, not the function, reaches start()
              return disposeOf(r) as void;
            },
          }
        : resource,
    );
    this.watchExit();
  }

  private admit(what: string): void {
    if (this.state !== "open" && !this.isInside()) throw this.closedError(what);
  }

  private closedError(what: string): RcuError {
    return new RcuError(
      "CLOSED",
      `${what}() on domain '${this.name}' after close() was called. Finish your work before closing the domain.`,
    );
  }

  private selfDeadlock(what: string): RcuError {
    return new RcuError(
      "SELF_DEADLOCK",
      `${what}() inside read(fn) of domain '${this.name}' would wait for its own section. ` +
        "Call it after the section ends, or use defer()/retire() instead.",
    );
  }

  barrier(options?: { readonly signal?: AbortSignal }): Promise<void> {
    const { signal, error } = readSignal("barrier", options);
    if (error !== undefined) return Promise.reject(error);
    const misuse = this.misuse("barrier");
    if (misuse !== undefined) return Promise.reject(misuse);
    if (this.state === "closed") return Promise.resolve();
    if (signal === undefined) return this.barrierInternal();
    return abortable(this.barrierInternal(), signal);
  }

  private async barrierInternal(): Promise<void> {
    await this.callbacks.flushInternal();
    await this.runner.settled();
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  close(): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    const misuse = this.misuse("close");
    if (misuse !== undefined) return Promise.reject(misuse);
    this.state = "closing";
    this.closePromise = this.closeInternal();
    return this.closePromise;
  }

  private async closeInternal(): Promise<void> {
    // From now on settle timers keep the process alive: a script that ends in `await close()` must see it end.
    this.runner.keepAliveWhileClosing();
    for (const hook of [...this.closeHooks]) {
      let result: unknown;
      try {
        result = this.runInside(hook);
      } catch (err) {
        this.report(err, "a close hook failed");
        continue;
      }
      // Bounded like a disposer: a hook that never settles is reported (SETTLE_TIMEOUT) and close goes on.
      const settled = this.runner.follow(result, "close hook", (err) => this.report(err, "a close hook failed"));
      if (settled !== undefined) await settled;
    }
    for (;;) {
      for (const engine of [...this.engines]) await engine.drainInternal();
      await this.barrierInternal();
      const busy =
        this.callbacks.hasPending() ||
        this.runner.inFlight !== 0 ||
        this.runner.queued !== 0 ||
        [...this.engines].some((e) => e.hasPending());
      if (!busy) break;
    }
    this.state = "closed";
    this.stall.stop();
  }

  private runInside(hook: () => unknown): unknown {
    this.enter();
    try {
      const ctx = asyncContext.get();
      return ctx === undefined ? hook() : ctx.run(this, hook);
    } finally {
      this.exit();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private watchExit(): void {
    if (this.exitWatched || !this.flushOnExit) return;
    this.exitWatched = true;
    watchExit(this, () => this.flushBeforeExit());
  }

  /** On `beforeExit`: hurry pending fire-and-forget work (returns whether anything was pending). */
  private flushBeforeExit(): boolean {
    if (this.state === "closed") return false;
    const pending = this.callbacks.hasPending() || [...this.engines].some((e) => e.hasPending());
    if (pending) {
      this.grace.expedite();
      void this.callbacks.flushInternal();
    }
    return pending;
  }

  // ---- DomainInternals ----------------------------------------------------------------------------------

  enter(): void {
    this.depth++;
  }

  exit(): void {
    this.depth--;
  }

  isInside(): boolean {
    if (this.depth > 0) return true;
    return asyncContext.peek()?.getStore() === this;
  }

  isClosing(): boolean {
    return this.state !== "open";
  }

  misuse(what: string): RcuError | undefined {
    if (this.grace.syncReadDepth > 0 || this.inAsyncSection()) return this.selfDeadlock(what);
    if (this.isInside()) {
      return new RcuError(
        "INSIDE_CALLBACK",
        `${what}() from inside a callback of domain '${this.name}' would wait for itself. ` +
          "Call it from outside the domain's callbacks (or defer the follow-up work instead).",
      );
    }
    return undefined;
  }

  trackExternal(value: unknown, what: string, onRejected?: (err: unknown) => void): Promise<void> | undefined {
    return this.runner.follow(value, what, onRejected);
  }

  registerEngine(engine: Drainable): () => void {
    this.admit("createPending");
    this.engines.add(engine);
    return () => this.engines.delete(engine);
  }

  addCloseHook(hook: () => void | Promise<void>): () => void {
    if (typeof hook !== "function") {
      throw new RcuError(
        "INVALID_OPTION",
        `onDomainClose(domain, hook): hook must be a function, got ${describeValue(hook)}.`,
      );
    }
    this.admit("onDomainClose");
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  report(err: unknown, context: string): void {
    this.errors++;
    const error = isRcuError(err)
      ? err
      : new RcuError("CALLBACK_FAILED", `${context} on domain '${this.name}': ${describeValue(err)}`, { cause: err });
    publish("error", () => ({ domain: this.name, error }));
    try {
      this.onError(error);
    } catch (hookErr) {
      console.error("[@rcu/core] onError threw while reporting", error, hookErr);
    }
  }

  // ---- GraceObserver: diagnostics, stall detection, debug checks ----------------------------------------

  onStart(seq: number): void {
    publish("gpStart", () => ({ domain: this.name, cookie: seqEnd(seq), readers: this.grace.oldReaders() }));
    this.stall.onStart(seq);
  }

  onEnd(seq: number): void {
    this.stall.onEnd();
    publish("gpEnd", () => ({ domain: this.name, cookie: seq }));
  }

  onTurn(): void {
    if (!this.debug || this.grace.capabilities.asyncSections || this.grace.readers() === 0) return;
    for (const set of this.grace.liveGuards!) {
      for (const guard of set) {
        if (this.reportedGuards!.has(guard)) continue;
        this.reportedGuards!.add(guard);
        this.report(
          new RcuError(
            "GUARD_ACROSS_TURN",
            `A read guard of loop domain '${this.name}' is still held at a turn boundary (held across await or leaked). ` +
              `It delays grace periods; use an 'srcu' domain for async sections. Entered at:\n${guard.stack ?? "(unknown)"}`,
          ),
          "debug",
        );
      }
    }
  }

  stats(): DomainStats {
    return {
      gracePeriodsStarted: this.grace.started,
      gracePeriodsCompleted: this.grace.completed,
      pendingCallbacks: this.callbacks.size + this.runner.queued + this.runner.inFlight,
      callbacksRun: this.runner.callbacksRun,
      asyncInFlight: this.runner.inFlight,
      readers: this.grace.readers(),
      stalls: this.stall.stalls,
      errors: this.errors,
      expedited: this.grace.expedited,
      waiters: this.grace.waiterCount(),
    };
  }
}

/** Disposes `r` (async first), returning what the disposer returned. */
function disposeOf(r: Partial<Disposable & AsyncDisposable>): unknown {
  return typeof r[Symbol.asyncDispose] === "function" ? r[Symbol.asyncDispose]!() : r[Symbol.dispose]!();
}
