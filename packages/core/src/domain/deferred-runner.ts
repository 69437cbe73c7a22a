/**
 * The deferred-work runner: the `process` of a domain's own pending engine. After its grace period each
 * `defer(fn)`/`retire(r)` item reaches {@link DeferredRunner.run}, which calls it (or its
 * `Symbol.asyncDispose`/`Symbol.dispose`) inside the domain's callback context. A returned promise becomes an
 * async task: at most `maxConcurrent` run at once (the rest queue), each has a settle timeout (reported, then
 * it stops holding `barrier()`), and a rejection is reported. Nothing is ever dropped silently.
 */
import { RcuError } from "../errors.js";
import { isThenable } from "../internal/turn.js";
import { asyncContext, isAsyncFunction } from "./async-context.js";

/** An item of a domain's own engine: a deferred function or a retired resource. */
export type Deferred = (() => unknown) | Disposable | AsyncDisposable;

interface AsyncTask {
  readonly settled: Promise<void>;
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
    if (isThenable(result)) this.track(result, typeof item === "function" ? "callback" : "disposal");
  }

  private track(result: PromiseLike<unknown>, kind: "callback" | "disposal"): void {
    const { settleTimeoutMs, domainName } = this.options;
    const report = (err: unknown, context: string): void => this.options.report(err, context);
    const isFn = kind === "callback";
    this.inFlight++;
    let finish!: () => void;
    const task: AsyncTask = { settled: new Promise<void>((resolve) => (finish = resolve)) };
    this.tasks.add(task);
    let done = false;
    const complete = (): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      this.inFlight--;
      this.tasks.delete(task);
      finish();
      this.pump();
    };
    const timer =
      settleTimeoutMs > 0 && settleTimeoutMs !== Infinity
        ? setTimeout(() => {
            if (done) return;
            report(
              new RcuError(
                "SETTLE_TIMEOUT",
                `An async ${isFn ? "deferred callback" : "disposal"} on domain '${domainName}' did not settle within ` +
                  `${settleTimeoutMs} ms; it no longer holds barrier()/close(). Make disposers settle, or raise settleTimeoutMs.`,
              ),
              "settle timeout",
            );
            complete();
          }, settleTimeoutMs)
        : undefined;
    (timer as { unref?: () => void } | undefined)?.unref?.();
    result.then(complete, (err: unknown) => {
      if (!done) report(err, isFn ? "a deferred callback rejected" : "an async disposer rejected");
      complete();
    });
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
