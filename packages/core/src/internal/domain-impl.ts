/**
 * The domain: a {@link GraceCore} (readers and grace periods) plus what users call first — `defer`/`retire`
 * on one internal pending engine (one mechanism: the same engine as `createPending`), `barrier`, `close`,
 * error reporting, stall detection and diagnostics.
 *
 * Deferred work: `defer(fn)` enqueues `fn`; `retire(r)` enqueues `r`. After the grace period the engine hands
 * each item to `runDeferred`, which calls it (or its `Symbol.asyncDispose`/`Symbol.dispose`) inside the
 * domain's callback context. A returned promise becomes an async task: at most `maxConcurrentDisposals` run at
 * once (the rest queue), each has a settle timeout (reported, then it stops holding `barrier()`), and a
 * rejection is reported. Nothing is ever dropped silently.
 *
 * "From inside": while one of the domain's callbacks runs synchronously (`depth > 0`) and, where
 * AsyncLocalStorage exists, in the async continuation of async disposers and `async function` callbacks.
 * Closing refuses work from outside and accepts it from inside (a disposer retiring its children), and loops
 * until nothing is pending anywhere.
 */
import { RcuError, isRcuError } from "../errors.js";
import { abortReason, abortable } from "./abortable.js";
import type { DomainOptions, DomainStats, Flavor, GpCookie, RcuDomain, ReadGuard } from "../types.js";
import { seqEnd } from "./cookie.js";
import { builtin, publish } from "./diagnostics.js";
import type { DomainInternals, Drainable } from "./domain-internals.js";
import { setInternals } from "./domain-internals.js";
import type { Grace, GraceMode, GraceObserver } from "./grace-core.js";
import { PendingEngine } from "./pending-engine.js";
import { watchExit } from "./exit-flush.js";
import { describeValue } from "../describe-value.js";
import { guardThenable, type SettleOnce } from "./guard-thenable.js";
import { checkInteger, checkOptions, checkTimeout, readSignal } from "./validate.js";

/** Default stall timeout of auto domains (ms). */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;
/** Default cap on async disposals in flight. */
export const DEFAULT_MAX_CONCURRENT_DISPOSALS = 64;
/** Default settle timeout of one async disposal (ms). */
export const DEFAULT_SETTLE_TIMEOUT_MS = 30_000;

type Deferred = (() => unknown) | Disposable | AsyncDisposable;

interface AlsLike {
  run<R>(store: unknown, fn: () => R): R;
  getStore(): unknown;
}

/**
 * A lazily created AsyncLocalStorage: `get()` creates it (on Node 20 an active one costs every promise a hook,
 * so it is created only when first needed); `peek()` never creates it. Both are `undefined` where the runtime
 * has none (browsers).
 */
interface LazyAls {
  get(): AlsLike | undefined;
  peek(): AlsLike | undefined;
}
function lazyAls(): LazyAls {
  let instance: AlsLike | null | undefined;
  return {
    get() {
      if (instance === undefined) {
        const hooks = builtin<{ AsyncLocalStorage: new () => AlsLike }>("node:async_hooks");
        instance = hooks === undefined ? null : new hooks.AsyncLocalStorage();
      }
      return instance ?? undefined;
    },
    peek: () => instance ?? undefined,
  };
}

/** "Inside the domain's callbacks" across the async continuation of async disposers and callbacks. */
const asyncContext = lazyAls();

/**
 * Debug only: marks of the `read(fn)` sections the current async context is inside, so `synchronize`/`barrier`/
 * `close`/`drain` awaited across an `await` inside a section are reported as SELF_DEADLOCK too (the synchronous
 * part is covered by `syncReadDepth` in every mode). A mark is closed when its section ends, so work that merely
 * inherited the context (a timer set inside a section that fires after it) is not reported. Work that runs
 * while the section is still open and came from it is reported even if it does not await — a debug-mode
 * approximation. The domain's own callbacks are never checked (they are "inside" the domain, not a section).
 */
interface SectionMark {
  readonly domain: object;
  open: boolean;
  readonly parent: SectionMark | undefined;
}

const sectionContext = lazyAls();

const AsyncFunctionProto = Object.getPrototypeOf(async function () {}) as object;

let domainCounter = 0;

/** Every option key of `createDomain`/`createManualDomain`/shared domains (the shared `maxThreads` is taken before). */
export const DOMAIN_OPTION_KEYS = [
  "flavor",
  "name",
  "onError",
  "stallTimeoutMs",
  "debug",
  "flushOnExit",
  "maxConcurrentDisposals",
  "settleTimeoutMs",
] as const;

function defaultOnError(err: unknown): void {
  const proc = (globalThis as { process?: { emitWarning?: (w: Error | string) => void } }).process;
  if (proc?.emitWarning !== undefined && isRcuError(err)) proc.emitWarning(err);
  else console.warn(err);
}

interface AsyncTask {
  readonly settled: Promise<void>;
  /** The settle timer (unref'd while the domain is open, ref'd while it closes so `await close()` completes). */
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class DomainImpl implements RcuDomain, DomainInternals, GraceObserver {
  readonly flavor: Flavor;
  readonly name: string;
  readonly debug: boolean;
  readonly grace: Grace;
  private readonly onError: (err: unknown) => void;
  private readonly stallTimeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly settleTimeoutMs: number;
  private readonly flushOnExit: boolean;

  private state: "open" | "closing" | "closed" = "open";
  private closePromise: Promise<void> | undefined;
  private depth = 0;
  private readonly callbacks: PendingEngine<Deferred>;
  private readonly engines = new Set<Drainable>();
  private readonly closeHooks = new Set<() => void | Promise<void>>();
  private readonly debugRetired: Set<unknown> | undefined;

  private inFlight = 0;
  private readonly tasks = new Set<AsyncTask>();
  private readonly queue: Deferred[] = [];
  private queuedTotal = 0;
  private startedFromQueue = 0;

  private callbacksRun = 0;
  private errors = 0;
  private stalls = 0;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private stallStartedAt = 0;
  private readonly reportedGuards: WeakSet<object> | undefined;
  /** Debug: the live guards of the reader index the running grace period waits for (for stall reports). */
  private stallGuards: ReadonlySet<{ readonly stack: string | undefined }> | undefined;
  private exitWatched = false;

  constructor(
    flavor: Flavor,
    mode: GraceMode,
    makeGrace: (observer: GraceObserver, debug: boolean) => Grace,
    options: DomainOptions = {},
  ) {
    checkOptions("Domain options", options, DOMAIN_OPTION_KEYS);
    if (options.onError !== undefined && typeof options.onError !== "function") {
      throw new RcuError("INVALID_OPTION", "onError must be a function.");
    }
    if (options.name !== undefined && typeof options.name !== "string") {
      throw new RcuError("INVALID_OPTION", "name must be a string.");
    }
    for (const flag of ["debug", "flushOnExit"] as const) {
      if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
        throw new RcuError("INVALID_OPTION", `${flag} must be a boolean, got ${describeValue(options[flag])}.`);
      }
    }
    checkTimeout("stallTimeoutMs", options.stallTimeoutMs);
    checkTimeout("settleTimeoutMs", options.settleTimeoutMs);
    checkInteger("maxConcurrentDisposals", options.maxConcurrentDisposals, 1, Number.MAX_SAFE_INTEGER, true);
    this.flavor = flavor;
    this.name = options.name ?? `${flavor}-${++domainCounter}`;
    this.debug = options.debug === true;
    this.onError = options.onError ?? defaultOnError;
    this.stallTimeoutMs = options.stallTimeoutMs ?? (mode === "auto" ? DEFAULT_STALL_TIMEOUT_MS : 0);
    this.maxConcurrent = options.maxConcurrentDisposals ?? DEFAULT_MAX_CONCURRENT_DISPOSALS;
    this.settleTimeoutMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS;
    this.flushOnExit = options.flushOnExit !== false && mode === "auto";
    this.grace = makeGrace(this, this.debug);
    this.debugRetired = this.debug ? new Set() : undefined;
    this.reportedGuards = this.debug ? new WeakSet() : undefined;
    setInternals(this, this);
    this.callbacks = new PendingEngine<Deferred>(
      this,
      { process: (item) => this.runDeferred(item), name: `${this.name}:callbacks` },
      false,
    );
  }

  // ---- readers ------------------------------------------------------------------------------------------

  read<R>(fn: () => R): R {
    if (typeof fn !== "function") {
      throw new RcuError("INVALID_OPTION", `read(fn) takes a function, got ${describeValue(fn)}. Use readLock() for a guard.`);
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
      // Hot path (bench row 1): try/catch rather than try/finally (a finally costs V8 a completion dispatch) and
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
    // per read (≈1 ns of a shared section's ≈40 ns, whose cost is its two sequentially consistent stores); in
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
      if (!grace.asyncSections) {
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

  private holdIfThenable(result: unknown): void {
    const settle = guardThenable(result);
    if (settle !== undefined) this.holdUntilSettled(settle);
  }

  private holdUntilSettled(settle: SettleOnce): void {
    const guard = this.grace.readLock();
    if (this.flavor === "loop" && this.debug) {
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
      throw new RcuError("INVALID_OPTION", `defer() takes a function, got ${typeof fn}. To dispose an object use retire().`);
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

  /** Engine `process` for deferred items (runs inside the domain's callback context). */
  private runDeferred(item: Deferred): void {
    if (this.inFlight >= this.maxConcurrent) {
      this.queue.push(item);
      this.queuedTotal++;
      return;
    }
    this.start(item);
  }

  private start(item: Deferred): void {
    this.callbacksRun++;
    let result: unknown;
    try {
      if (typeof item === "function") {
        const ctx = Object.getPrototypeOf(item) === AsyncFunctionProto ? asyncContext.get() : undefined;
        result = ctx === undefined ? item() : ctx.run(this, item);
      } else {
        this.debugRetired?.delete(item);
        const asyncDispose = (item as Partial<AsyncDisposable>)[Symbol.asyncDispose];
        if (typeof asyncDispose === "function") {
          const ctx = asyncContext.get();
          result = ctx === undefined ? asyncDispose.call(item) : ctx.run(this, () => asyncDispose.call(item));
        } else {
          result = (item as Disposable)[Symbol.dispose]();
        }
      }
    } catch (err) {
      this.report(err, typeof item === "function" ? "a deferred callback threw" : "a disposer threw");
      return;
    }
    const settle = guardThenable(result);
    if (settle === undefined) return;
    const isFn = typeof item === "function";
    void this.track(settle, isFn ? "deferred callback" : "disposal", (err) =>
      this.report(err, isFn ? "a deferred callback rejected" : "an async disposer rejected"),
    );
  }

  /**
   * Follows an async task of user code until it settles once (see guard-thenable.ts) or the settle timeout
   * passes (reported as SETTLE_TIMEOUT; the task then stops holding `barrier()`/`close()`). The timer is unref'd
   * while the domain is open and ref'd while it closes, so a script ending in `await close()` lives until close
   * resolves. Returns the promise that resolves when the task stops being waited for.
   */
  track(settle: SettleOnce, what: string, onRejected: (err: unknown) => void): Promise<void> {
    this.inFlight++;
    let finish!: () => void;
    const task: AsyncTask = { settled: new Promise<void>((resolve) => (finish = resolve)), timer: undefined };
    this.tasks.add(task);
    let done = false;
    const complete = (): void => {
      if (done) return;
      done = true;
      if (task.timer !== undefined) clearTimeout(task.timer);
      this.inFlight--;
      this.tasks.delete(task);
      finish();
      this.pump();
    };
    if (this.settleTimeoutMs > 0) {
      task.timer = setTimeout(() => {
        if (done) return;
        this.report(
          new RcuError(
            "SETTLE_TIMEOUT",
            `An async ${what} on domain '${this.name}' did not settle within ${this.settleTimeoutMs} ms; it no longer ` +
              "holds barrier()/close(). Make it settle, or raise settleTimeoutMs.",
          ),
          "settle timeout",
        );
        complete();
      }, this.settleTimeoutMs);
      // Only close() needs the process kept alive; a late task after close must not hold it for the timeout.
      if (this.state !== "closing") (task.timer as { unref?: () => void }).unref?.();
    }
    settle(complete, (err) => {
      if (!done) {
        try {
          onRejected(err);
        } catch (hookErr) {
          this.report(hookErr, `a rejection handler of an async ${what} threw`);
        }
      }
      complete();
    });
    return task.settled;
  }

  trackExternal(value: unknown, what: string, onRejected?: (err: unknown) => void): Promise<void> | undefined {
    const settle = guardThenable(value);
    if (settle === undefined) return undefined;
    return this.track(settle, what, onRejected ?? ((err) => this.report(err, `an async ${what} rejected`)));
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length !== 0) {
      const item = this.queue.shift()!;
      this.startedFromQueue++;
      this.enter();
      try {
        this.start(item);
      } finally {
        this.exit();
      }
    }
  }

  /** Resolves once every async task started or queued before the call has settled (or timed out). */
  private async asyncSettled(): Promise<void> {
    const target = this.queuedTotal;
    while (this.startedFromQueue < target && this.tasks.size !== 0) {
      await Promise.race([...this.tasks].map((t) => t.settled));
    }
    if (this.tasks.size !== 0) await Promise.all([...this.tasks].map((t) => t.settled));
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
    await this.asyncSettled();
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
    for (const task of this.tasks) (task.timer as { ref?: () => void } | undefined)?.ref?.();
    for (const hook of [...this.closeHooks]) {
      let result: unknown;
      try {
        result = this.runInside(hook);
      } catch (err) {
        this.report(err, "a close hook failed");
        continue;
      }
      // Bounded like a disposer: a hook that never settles is reported (SETTLE_TIMEOUT) and close goes on.
      const settled = this.trackExternal(result, "close hook", (err) => this.report(err, "a close hook failed"));
      if (settled !== undefined) await settled;
    }
    for (;;) {
      for (const engine of [...this.engines]) await engine.drainInternal();
      await this.barrierInternal();
      const busy =
        this.callbacks.hasPending() ||
        this.inFlight !== 0 ||
        this.queue.length !== 0 ||
        [...this.engines].some((e) => e.hasPending());
      if (!busy) break;
    }
    this.state = "closed";
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
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

  registerEngine(engine: Drainable): () => void {
    this.admit("createPending");
    this.engines.add(engine);
    return () => this.engines.delete(engine);
  }

  addCloseHook(hook: () => void | Promise<void>): () => void {
    if (typeof hook !== "function") {
      throw new RcuError("INVALID_OPTION", `onDomainClose(domain, hook): hook must be a function, got ${describeValue(hook)}.`);
    }
    this.admit("onDomainClose");
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  report(err: unknown, context: string): void {
    this.errors++;
    const error =
      isRcuError(err)
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
    if (this.stallTimeoutMs > 0 && this.grace.oldReaders() > 0) {
      // Right after a flip the new index has no live guard (the previous grace period drained it), so the
      // non-empty set is the old index: the readers this grace period waits for.
      this.stallGuards = this.grace.liveGuards?.find((set) => set.size !== 0);
      this.armStall(seq);
    }
  }

  onEnd(seq: number): void {
    this.stallGuards = undefined;
    if (this.stallTimer !== undefined) {
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
    publish("gpEnd", () => ({ domain: this.name, cookie: seq }));
  }

  onTurn(): void {
    if (!this.debug || this.flavor !== "loop" || this.grace.readers() === 0) return;
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

  private armStall(seq: number): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallStartedAt = Date.now();
    const timer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.grace.seq !== seq) return;
      this.stalls++;
      const readers = this.grace.oldReaders();
      const ageMs = Date.now() - this.stallStartedAt;
      const stacks: string[] = [];
      if (this.stallGuards !== undefined) {
        for (const g of this.stallGuards) if (g.stack !== undefined) stacks.push(g.stack);
      }
      const error = Object.assign(
        new RcuError(
          "STALL",
          `Grace period ${seqEnd(seq)} of domain '${this.name}' has waited ${ageMs} ms for ${readers} reader(s) ` +
            `that entered before it. Find the section that does not end` +
            (stacks.length === 0 ? " (create the domain with debug: true to record where readers entered)." : `; readers entered at:\n${stacks.join("\n---\n")}`),
        ),
        { readers, ageMs, stacks },
      );
      publish("stall", () => ({ domain: this.name, cookie: seqEnd(seq), readers, ageMs, stacks }));
      try {
        this.onError(error);
      } catch (hookErr) {
        console.error("[@rcu/core] onError threw while reporting a stall", hookErr);
      }
    }, this.stallTimeoutMs);
    (timer as { unref?: () => void }).unref?.();
    this.stallTimer = timer;
  }

  stats(): DomainStats {
    return {
      gracePeriodsStarted: this.grace.started,
      gracePeriodsCompleted: this.grace.completed,
      pendingCallbacks: this.callbacks.size + this.queue.length + this.inFlight,
      callbacksRun: this.callbacksRun,
      asyncInFlight: this.inFlight,
      readers: this.grace.readers(),
      stalls: this.stalls,
      errors: this.errors,
      expedited: this.grace.expedited,
      waiters: this.grace.waiterCount(),
    };
  }
}

/** The abort reason as given by the signal (a DOMException 'AbortError' unless the caller passed its own). */
function disposeOf(r: Partial<Disposable & AsyncDisposable>): unknown {
  return typeof r[Symbol.asyncDispose] === "function" ? r[Symbol.asyncDispose]!() : r[Symbol.dispose]!();
}

