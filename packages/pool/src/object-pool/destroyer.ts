/**
 * Calls the pool's `destroy` for objects that leave the pool, and keeps track of the async ones: a failure
 * (thrown or rejected) is reported and the object is dropped anyway; `settle()` waits until no async destroy
 * is in flight. While the domain is closing the pool from inside its engine, async destroys are also handed to
 * the domain (`defer`), so that `domain.close()` awaits them.
 */
import type { RcuDomain } from "@rcu/core";

/** What a {@link Destroyer} calls and where it reports. */
export interface DestroyerOptions<T> {
  readonly destroy: ((value: T) => void | PromiseLike<void>) | undefined;
  readonly domain: RcuDomain;
  /** Reports a failed destroy (the object is dropped from the pool anyway). */
  readonly onFailed: (err: unknown) => void;
  /** Whether an async destroy started now must also be handed to the domain (closing from inside its engine). */
  readonly handToDomain: () => boolean;
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

export class Destroyer<T> {
  readonly #options: DestroyerOptions<T>;
  readonly #inflight = new Set<Promise<void>>();

  constructor(options: DestroyerOptions<T>) {
    this.#options = options;
  }

  /** Destroys `value` (no-op without a `destroy` option). */
  destroy(value: T): void {
    const { destroy, onFailed } = this.#options;
    if (destroy === undefined) return;
    let result: void | PromiseLike<void>;
    try {
      result = destroy(value);
    } catch (err) {
      onFailed(err);
      return;
    }
    if (!isThenable(result)) return;
    const tracked: Promise<void> = Promise.resolve(result).then(
      () => {
        this.#inflight.delete(tracked);
      },
      (err: unknown) => {
        this.#inflight.delete(tracked);
        onFailed(err);
      },
    );
    this.#inflight.add(tracked);
    if (this.#options.handToDomain()) {
      try {
        this.#options.domain.defer(() => tracked);
      } catch {
        // The domain no longer takes work; drain() still awaits `tracked`.
      }
    }
  }

  /** Resolves once no async `destroy` is in flight. */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight);
  }
}
