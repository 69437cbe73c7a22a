/**
 * `DeferredTeardownSubscriber`: the subscriber of one `switchMapDeferred` inner, whose producer can be told to
 * stop (`detach()`) before its teardown runs (`unsubscribe()`).
 *
 * How it works: `detach()` marks the subscriber `closed` without running its finalizers, so a synchronous
 * producer that checks `closed` stops emitting at once (its values would be dropped anyway), while the resources
 * it set up stay alive; a finalizer registered after that is kept aside instead of running at once (a closed
 * `Subscription` would run it). Notifications still arrive, so the inner's own completion or error is seen (and
 * ends it sooner). `unsubscribe()` — at the release, or on the inner's completion or error — reopens the
 * subscription just long enough for RxJS's own `unsubscribe` to run every finalizer, exactly once. The three
 * notification handlers live on one shared handler object (one per operator subscription), so an inner costs
 * one object.
 */
import type { TeardownLogic } from "rxjs";
import { Subscriber, Subscription } from "rxjs";

/**
 * Receives the notifications of every inner of one operator subscription.
 *
 * @example
 * const handler: InnerHandler<number> = { innerNext: (inner, v) => {}, innerError: () => {}, innerComplete: () => {} }
 * @internal
 */
export interface InnerHandler<T, S> {
  innerNext(inner: S, value: T): void;
  innerError(inner: S, err: unknown): void;
  innerComplete(inner: S): void;
}

/**
 * A subscriber whose `closed` (seen by the producer) and whose teardown (run on `unsubscribe()`) are separate.
 *
 * @example
 * const inner = new DeferredTeardownSubscriber<number>(handler)
 * from(input).subscribe(inner)
 * inner.detach() // the producer stops; its resources stay
 * inner.unsubscribe() // later: teardown runs
 * @internal
 */
export class DeferredTeardownSubscriber<T> extends Subscriber<T> {
  private readonly handler: InnerHandler<T, DeferredTeardownSubscriber<T>>;
  private detached = false;
  private done = false;
  /** Finalizers added after `detach()` (created on first need). */
  private late: Subscription | undefined;

  constructor(handler: InnerHandler<T, DeferredTeardownSubscriber<T>>) {
    super();
    this.handler = handler;
  }

  /** The producer sees `closed`; its finalizers wait for `unsubscribe()`. */
  detach(): void {
    if (this.done) return;
    this.detached = true;
    this.closed = true;
  }

  override add(teardown: TeardownLogic): void {
    if (this.detached && !this.done) (this.late ??= new Subscription()).add(teardown);
    else super.add(teardown);
  }

  protected override _next(value: T): void {
    this.handler.innerNext(this, value);
  }

  protected override _error(err: unknown): void {
    try {
      this.handler.innerError(this, err);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.handler.innerComplete(this);
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    if (this.done) return;
    this.done = true;
    this.closed = false; // detached: reopen so that RxJS's unsubscribe runs the finalizers
    try {
      super.unsubscribe();
    } finally {
      this.late?.unsubscribe();
    }
  }
}
