/**
 * `operate(init)` and `OperatorSubscriber`: subscriber chaining the way RxJS's own operators do it, with public
 * API only (RxJS's `operate`/`createOperatorSubscriber` are internal to the package).
 *
 * How it works: `operate` builds the result observable; `init` receives the source and the downstream
 * subscriber. An `OperatorSubscriber` is a `Subscriber` constructed with the downstream subscriber as its
 * destination, which adds it to the downstream's finalizers *before* it is handed to the source. So the moment
 * downstream unsubscribes (a `take(1)` further down, say), the subscriber the source is emitting into is
 * `closed`, and a synchronous producer that checks `closed` (`from(iterable)`, a `for` loop in
 * `new Observable`) stops at once instead of running to its end. Handlers that throw route the error to the
 * downstream subscriber; `onFinalize` runs once, after the source's own teardown, however the subscription
 * ends. See RxJS's `src/internal/operators/OperatorSubscriber.ts` for the original.
 */
import type { OperatorFunction } from "rxjs";
import { Observable, Subscriber } from "rxjs";

/**
 * Makes an operator whose `init(source, subscriber)` subscribes the source itself (usually with an
 * {@link OperatorSubscriber} linked to `subscriber`) and registers teardown with `subscriber.add`.
 *
 * @example
 * const mirror = <T>() => operate<T, T>((source, subscriber) => {
 *   source.subscribe(new OperatorSubscriber(subscriber))
 * })
 * @internal
 */
export function operate<T, R>(
  init: (source: Observable<T>, subscriber: Subscriber<R>) => void,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      init(source, subscriber);
    });
}

/**
 * A `Subscriber` linked to `destination` before it subscribes anything; each handler left out forwards the
 * notification unchanged.
 *
 * @example
 * source.subscribe(new OperatorSubscriber<number>(subscriber, (value) => subscriber.next(value * 2)))
 * @internal
 */
export class OperatorSubscriber<T> extends Subscriber<T> {
  private readonly sink: Subscriber<unknown>;
  private readonly onNext: ((value: T) => void) | undefined;
  private readonly onComplete: (() => void) | undefined;
  private readonly onError: ((err: unknown) => void) | undefined;
  private readonly onFinalize: (() => void) | undefined;

  constructor(
    destination: Subscriber<unknown>,
    onNext?: (value: T) => void,
    onComplete?: () => void,
    onError?: (err: unknown) => void,
    onFinalize?: () => void,
  ) {
    super(destination);
    this.sink = destination;
    this.onNext = onNext;
    this.onComplete = onComplete;
    this.onError = onError;
    this.onFinalize = onFinalize;
  }

  protected override _next(value: T): void {
    if (this.onNext === undefined) {
      this.sink.next(value);
      return;
    }
    try {
      this.onNext(value);
    } catch (err) {
      this.sink.error(err);
    }
  }

  protected override _error(err: unknown): void {
    try {
      if (this.onError === undefined) this.sink.error(err);
      else this.onError(err);
    } catch (thrown) {
      this.sink.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      if (this.onComplete === undefined) this.sink.complete();
      else this.onComplete();
    } catch (err) {
      this.sink.error(err);
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    const { closed } = this;
    super.unsubscribe();
    if (!closed) this.onFinalize?.();
  }
}
