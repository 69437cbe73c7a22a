/**
 * The deferred-work runner: the `process` of a domain's own pending engine. After its grace period each
 * `defer(fn)`/`retire(r)` item reaches {@link DeferredRunner.run}, which calls it (or its
 * `Symbol.asyncDispose`/`Symbol.dispose`) inside the domain's callback context. A returned promise becomes an
 * async task: at most `maxConcurrent` run at once (the rest queue), each has a settle timeout (reported, then
 * it stops holding `barrier()`), and a rejection is reported. Nothing is ever dropped silently. Returned values
 * are followed through the guarded thenable adapter (a throwing `then` is a rejection, settling twice counts
 * once), and the same tracking serves other async user work the domain waits for (close hooks, pool destroys:
 * {@link DeferredRunner.follow}). The settle timer is unref'd, except while the domain closes: then it keeps the
 * process alive, so a script that ends in `await close()` sees close resolve.
 */
import { RcuError } from "../errors.js";
import { guardThenable, type SettleOnce } from "../internal/guard-thenable.js";
import { asyncContext, isAsyncFunction } from "./async-context.js";

/** An item of a domain's own engine: a deferred function or a retired resource. */
export type Deferred = (() => unknown) | Disposable | AsyncDisposable;

interface AsyncTask {
  readonly settled: Promise<void>;
  /** The settle timer (ref'd only while the domain closes). */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The domain services a {@link DeferredRunner} uses. */
export interface DeferredRunnerOptions {
  /** The async-context store that means "inside this domain's callbacks" (the domain itself). */
  readonly inside: object;
  readonly domainName: string;
  readonly maxConcurrent: number;
  readonly settleTimeoutMs: number;
  /** Debug: resources retired and not yet disposed (the runner forgets each one as it starts). */
  readonly debugRetired: Set<unknown> | undefined;
  /** Whether the domain's `close()` is running (settle timers then keep the process alive). */
  isClosing(): boolean;
  report(err: unknown, context: string): void;
  /** Marks a synchronous run of one of the domain's callbacks. */
  enter(): void;
  exit(): void;
}

export class DeferredRunner {
  /** Async tasks started and not yet settled. */
  inFlight = 0;
  /** Callbacks and disposers started so far. */
  callbacksRun = 0;
  private readonly tasks = new Set<AsyncTask>();
  private readonly queue: Deferred[] = [];
  private queuedTotal = 0;
  private startedFromQueue = 0;

  constructor(private readonly options: DeferredRunnerOptions) {}

  /** Items waiting for a free async slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Engine `process` for deferred items (runs inside the domain's callback context). */
  run(item: Deferred): void {
    if (this.inFlight >= this.options.maxConcurrent) {
      this.queue.push(item);
      this.queuedTotal++;
      return;
    }
    this.start(item);
  }

  private start(item: Deferred): void {
    const inside = this.options.inside;
    this.callbacksRun++;
    let result: unknown;
    try {
      if (typeof item === "function") {
        const ctx = isAsyncFunction(item) ? asyncContext.get() : undefined;
        result = ctx === undefined ? item() : ctx.run(inside, item);
      } else {
        this.options.debugRetired?.delete(item);
        const asyncDispose = (item as Partial<AsyncDisposable>)[Symbol.asyncDispose];
        if (typeof asyncDispose === "function") {
          const ctx = asyncContext.get();
          result = ctx === undefined ? asyncDispose.call(item) : ctx.run(inside, () => asyncDispose.call(item));
        } else {
          result = (item as Disposable)[Symbol.dispose]();
        }
      }
    } catch (err) {
      this.options.report(err, typeof item === "function" ? "a deferred callback threw" : "a disposer threw");
      return;
    }
    const settle = guardThenable(result);
    if (settle === undefined) return;
    const isFn = typeof item === "function";
    void this.track(settle, isFn ? "deferred callback" : "disposal", (err) =>
      this.options.report(err, isFn ? "a deferred callback rejected" : "an async disposer rejected"),
    );
  }

  /**
   * Follows `value` if it is a thenable (user work the domain must wait for: a close hook, a pool destroy):
   * `undefined` when it is not one, else a promise that resolves when it settles or its settle timeout passes.
   * A rejection goes to `onRejected`, else it is reported.
   */
  follow(value: unknown, what: string, onRejected?: (err: unknown) => void): Promise<void> | undefined {
    const settle = guardThenable(value);
    if (settle === undefined) return undefined;
    return this.track(settle, what, onRejected ?? ((err) => this.options.report(err, `an async ${what} rejected`)));
  }

  /** Refs the settle timers of the tasks in flight (the domain's close() has begun). */
  keepAliveWhileClosing(): void {
    for (const task of this.tasks) (task.timer as { ref?: () => void } | undefined)?.ref?.();
  }

  /**
   * Follows an async task until it settles once or the settle timeout passes (reported as SETTLE_TIMEOUT; the
   * task then stops holding `barrier()`/`close()`). Returns the promise that resolves when it stops being waited for.
   */
  private track(settle: SettleOnce, what: string, onRejected: (err: unknown) => void): Promise<void> {
    const { settleTimeoutMs, domainName } = this.options;
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
    if (settleTimeoutMs > 0) {
      task.timer = setTimeout(() => {
        if (done) return;
        this.options.report(
          new RcuError(
            "SETTLE_TIMEOUT",
            `An async ${what} on domain '${domainName}' did not settle within ${settleTimeoutMs} ms; it no longer ` +
              "holds barrier()/close(). Make it settle, or raise settleTimeoutMs.",
          ),
          "settle timeout",
        );
        complete();
      }, settleTimeoutMs);
      // Only close() needs the process kept alive; a late task after close must not hold it for the timeout.
      if (!this.options.isClosing()) (task.timer as { unref?: () => void }).unref?.();
    }
    settle(complete, (err) => {
      if (!done) {
        try {
          onRejected(err);
        } catch (hookErr) {
          this.options.report(hookErr, `a rejection handler of an async ${what} threw`);
        }
      }
      complete();
    });
    return task.settled;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxConcurrent && this.queue.length !== 0) {
      const item = this.queue.shift()!;
      this.startedFromQueue++;
      this.options.enter();
      try {
        this.start(item);
      } finally {
        this.options.exit();
      }
    }
  }

  /** Resolves once every async task started or queued before the call has settled (or timed out). */
  async settled(): Promise<void> {
    const target = this.queuedTotal;
    while (this.startedFromQueue < target && this.tasks.size !== 0) {
      await Promise.race([...this.tasks].map((t) => t.settled));
    }
    if (this.tasks.size !== 0) await Promise.all([...this.tasks].map((t) => t.settled));
  }
}
