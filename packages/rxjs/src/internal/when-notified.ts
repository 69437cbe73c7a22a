/**
 * `whenNotified(input, fire, onError)`: runs `fire` once, when the notifier `input` first emits or completes.
 * An error fires it too (the release must not be lost) and then goes to `onError`. The shared core of
 * `finalizeWhen` and `switchMapDeferred` (`releaseWhen`); both short-circuit `gracePeriod(domain)` notifiers
 * before calling this.
 *
 * How it works: the notifier is subscribed with a `Subscriber` of our own (not a plain observer), so the
 * subscription exists before the notifier runs: a notifier that emits synchronously inside `subscribe` — even an
 * endless synchronous one — sees the subscriber `closed` right after its first emission and stops.
 */
import type { ObservableInput } from "rxjs";
import { Subscriber, from } from "rxjs";

class NotifierSubscriber extends Subscriber<unknown> {
  private readonly fire: () => void;
  private readonly onError: (err: unknown) => void;
  constructor(fire: () => void, onError: (err: unknown) => void) {
    super();
    this.fire = fire;
    this.onError = onError;
  }
  protected override _next(): void {
    this.unsubscribe();
    this.fire();
  }
  protected override _complete(): void {
    this.unsubscribe();
    this.fire();
  }
  protected override _error(err: unknown): void {
    this.unsubscribe();
    try {
      this.fire();
    } finally {
      this.onError(err);
    }
  }
}

/**
 * Subscribes to `input` and calls `fire` on its first notification; returns a cancel that stops waiting (a
 * no-op once fired). `input` must be a valid `ObservableInput` (`from(input)` is called here and throws a
 * `TypeError` otherwise).
 *
 * @example
 * const cancel = whenNotified(timer(100), () => inner.unsubscribe(), reportUnhandledError)
 * @internal
 */
export function whenNotified(
  input: ObservableInput<unknown>,
  fire: () => void,
  onError: (err: unknown) => void,
): () => void {
  const observable = from(input);
  const subscriber = new NotifierSubscriber(fire, onError);
  observable.subscribe(subscriber);
  return () => subscriber.unsubscribe();
}
