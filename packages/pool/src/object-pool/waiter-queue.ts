/**
 * The FIFO of `acquireAsync` callers waiting for an object.
 *
 * An array with a moving head (O(1) shift, compacted when the dead prefix grows), so serving waiters in order is
 * cheap; removal on abort is a linear search, which is fine because aborts are rare and queues short. Each
 * waiter owns its abort listener and removes it once settled, so a long-lived `AbortSignal` does not keep
 * settled waiters alive. Internal: not exported.
 */
import type { Lease } from "./lease.js";

/** One pending `acquireAsync` call. */
export interface Waiter<T extends object> {
  readonly resolve: (lease: Lease<T>) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Stack of the `acquireAsync` call (debug pools only). */
  readonly acquiredAt: string | undefined;
}

export class WaiterQueue<T extends object> {
  #items: (Waiter<T> | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(waiter: Waiter<T>): void {
    this.#items.push(waiter);
  }

  /** The oldest waiter, left in place. */
  peek(): Waiter<T> | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the oldest waiter (its abort listener detached). */
  shift(): Waiter<T> | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const waiter = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (waiter !== undefined) detach(waiter);
    return waiter;
  }

  /** Removes `waiter` wherever it is; false if it was already served or removed. */
  remove(waiter: Waiter<T>): boolean {
    const index = this.#items.indexOf(waiter, this.#head);
    if (index === -1) return false;
    this.#items.splice(index, 1);
    detach(waiter);
    return true;
  }
}

function detach<T extends object>(waiter: Waiter<T>): void {
  if (waiter.onAbort !== undefined) {
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.onAbort = undefined;
  }
}
