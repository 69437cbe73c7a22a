/**
 * The releases of one `RcuRef` or `RcuMap` that are queued or running. Closing the owner waits for the releases
 * pending at that moment (each ends after its grace period), not for ones that begin later. A release costs one
 * small record in a set; a promise exists only for a close that actually waits.
 */

interface Pending {
  /** What a waiting close resolves when this release ends. */
  waiters: Array<() => void> | undefined;
}

/** @internal */
export class Releases {
  readonly #pending = new Set<Pending>();

  /** How many releases are queued or running. */
  get size(): number {
    return this.#pending.size;
  }

  /** Records a release that is now queued; the returned function marks it ended (calling it again does nothing). */
  begin(): () => void {
    const pending: Pending = { waiters: undefined };
    this.#pending.add(pending);
    return () => {
      if (!this.#pending.delete(pending)) return;
      const waiters = pending.waiters;
      if (waiters !== undefined) for (const resolve of waiters) resolve();
    };
  }

  /** `undefined` when none is pending, else a promise that resolves once every release pending now has ended. */
  settled(): Promise<void> | undefined {
    if (this.#pending.size === 0) return undefined;
    const each = Array.from(
      this.#pending,
      (pending) => new Promise<void>((resolve) => (pending.waiters ??= []).push(resolve)),
    );
    return Promise.all(each).then(() => undefined);
  }
}
