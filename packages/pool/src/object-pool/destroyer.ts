/**
 * Calls the pool's `destroy` for objects that leave the pool, and keeps track of the async ones: a failure
 * (thrown or rejected) is reported and the object is dropped anyway; `settle()` waits until no async destroy
 * is in flight. Async results are followed with `trackSettle` on the pool's domain: a thenable whose `then`
 * throws is a failure, settling twice counts once, the domain's `close()`/`barrier()` await it, and the domain's
 * settle timeout bounds it (reported as SETTLE_TIMEOUT), so a destroy that never settles cannot hang
 * `drain()` or `close()`.
 */
import { trackSettle, type RcuDomain } from "@rcu/core";

/** What a {@link Destroyer} calls and where it reports. */
export interface DestroyerOptions<T> {
  readonly destroy: ((value: T) => void | PromiseLike<void>) | undefined;
  readonly domain: RcuDomain;
  /** Names the pool in SETTLE_TIMEOUT messages. */
  readonly poolName: string;
  /** Reports a failed destroy (the object is dropped from the pool anyway). */
  readonly onFailed: (err: unknown) => void;
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
    const settled = trackSettle(this.#options.domain, result, {
      what: `destroy() of pool "${this.#options.poolName}"`,
      onRejected: onFailed,
    });
    if (settled === undefined) return;
    const tracked: Promise<void> = settled.then(() => {
      this.#inflight.delete(tracked);
    });
    this.#inflight.add(tracked);
  }

  /** Resolves once no async `destroy` is in flight. */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight);
  }
}
