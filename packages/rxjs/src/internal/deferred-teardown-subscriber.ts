/**
 * `DeferredTeardownSubscriber`: the subscriber of one `switchMapDeferred` inner, whose producer can be told to
 * stop (`detach()`) before its teardown runs (`unsubscribe()`).
 *
 * How it works: the subscriber keeps every finalizer the producer registers (`add`) in a holder subscription of
 * its own. `detach()` marks it `closed` without running them, so a synchronous producer that checks `closed`
 * stops emitting at once (its values would be dropped anyway), while the resources it set up stay alive; a
 * finalizer registered after that is kept too. Notifications still arrive, so the inner's own completion or
 * error is seen (and ends it sooner). `unsubscribe()` — at the release, or on the inner's completion or error —
 * runs the held finalizers, exactly once.
 */
import type { TeardownLogic } from "rxjs";
import { Subscriber, Subscription } from "rxjs";

/**
 * A subscriber whose `closed` (seen by the producer) and whose teardown (run on `unsubscribe()`) are separate.
 *
 * @example
 * const inner = new DeferredTeardownSubscriber<number>(onNext, onError, onComplete)
 * from(input).subscribe(inner)
 * inner.detach() // the producer stops; its resources stay
 * inner.unsubscribe() // later: teardown runs
 * @internal
 */
export class DeferredTeardownSubscriber<T> extends Subscriber<T> {
  private readonly held = new Subscription();
  private readonly onNext: (value: T) => void;
  private readonly onError: (err: unknown) => void;
  private readonly onComplete: () => void;

  constructor(onNext: (value: T) => void, onError: (err: unknown) => void, onComplete: () => void) {
    super();
    this.onNext = onNext;
    this.onError = onError;
    this.onComplete = onComplete;
  }

  /** The producer sees `closed`; its finalizers wait for `unsubscribe()`. */
  detach(): void {
    this.closed = true;
  }

  override add(teardown: TeardownLogic): void {
    this.held.add(teardown);
  }

  override remove(teardown: Exclude<TeardownLogic, void>): void {
    this.held.remove(teardown);
  }

  protected override _next(value: T): void {
    this.onNext(value);
  }

  protected override _error(err: unknown): void {
    try {
      this.onError(err);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.onComplete();
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    this.closed = true;
    this.isStopped = true;
    this.held.unsubscribe();
  }
}
