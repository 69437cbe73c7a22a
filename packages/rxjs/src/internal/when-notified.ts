/**
 * `whenNotified(input, fire, onError)`: runs `fire` once, when the notifier `input` first emits or completes.
 * An error fires it too (the release must not be lost) and then goes to `onError`. The shared core of
 * `finalizeWhen` and `switchMapDeferred` (`releaseWhen`); both short-circuit `gracePeriod(domain)` notifiers
 * before calling this.
 *
 * A notifier may emit synchronously inside `subscribe`, before its subscription is returned: `fire` then runs
 * at once, and the returned subscription is added to an already-closed holder, which unsubscribes it
 * immediately. Internal.
 */
import { Subscription, from, type ObservableInput } from "rxjs";

/**
 * Subscribes to `input` and calls `fire` on its first notification; returns a cancel that stops waiting (a
 * no-op once fired).
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
  let done = false;
  const holder = new Subscription();
  const finish = (): void => {
    if (done) return;
    done = true;
    holder.unsubscribe();
    fire();
  };
  holder.add(
    from(input).subscribe({
      next: finish,
      complete: finish,
      error: (err: unknown) => {
        finish();
        onError(err);
      },
    }),
  );
  return () => {
    done = true;
    holder.unsubscribe();
  };
}
