/**
 * A lease: one loan of one pooled object.
 *
 * The lease is the only key that can give the object back. It remembers (slot, generation); `release()` works
 * only while the slot is still leased under that same generation, so a second release, or a release from a
 * holder whose object has since been lent to someone else (the ABA that breaks generic-pool and tarn), is
 * refused instead of freeing the new borrower's loan. The class is allocation-light on purpose: one object per
 * acquire, methods on the prototype, no closures.
 */
import { LEASED, type PoolSlot } from "./pool-slot.js";

/**
 * One loan of a pooled object. Give it back exactly once with `release()` or by disposal (`using`).
 *
 * @example
 * {
 *   using lease = pool.acquire()
 *   lease.value.fill(0)
 *   send(lease.value)
 * } // released here; the object is reused only after a grace period
 * @since 0.1.0
 */
export interface Lease<T extends object> extends Disposable {
  /**
   * The leased object (`lease.value.count += 1`). In `debug` mode (without `typesafe`) it is a guard around the
   * object that throws `PoolError('USE_AFTER_RELEASE')` on any use once the lease is released, and reading
   * `value` of a released lease throws too.
   */
  readonly value: T;
  /**
   * The generation of this loan: `pool.isLive(lease.value, lease.generation)` is true until it is released.
   * Readers keep it to re-validate the object (see `Pool.isLive`).
   */
  readonly generation: number;
  /**
   * Gives the object back to the pool. Returns `true` the first time; a stale or second release returns `false`
   * (throws `PoolError('STALE_RELEASE')` when the pool is `strict`) and never touches another borrower's loan.
   *
   * @example
   * const lease = pool.acquire()
   * lease.release() // true
   * lease.release() // false: already released (even if the object is lent to someone else by now)
   */
  release(): boolean;
  /**
   * Releases the lease if it is still current; does nothing otherwise (never throws for a double dispose).
   *
   * @example
   * {
   *   using lease = pool.acquire()
   *   if (done) lease.release() // early release is fine; the scope exit then does nothing
   * }
   */
  [Symbol.dispose](): void;
}

/** The lease every pool hands out (debug pools use {@link DebugLease}). */
export class PoolLease<T extends object> implements Lease<T> {
  readonly #slot: PoolSlot<T>;
  readonly generation: number;

  constructor(slot: PoolSlot<T>, generation: number) {
    this.#slot = slot;
    this.generation = generation;
  }

  get value(): T {
    return this.#slot.value;
  }

  /** Whether this lease is the slot's current loan (internal; the public check is `pool.isLive`). */
  protected isCurrent(): boolean {
    const slot = this.#slot;
    return slot.state === LEASED && slot.generation === this.generation;
  }

  release(): boolean {
    const slot = this.#slot;
    if (slot.state === LEASED && slot.generation === this.generation) {
      slot.owner.releaseSlot(slot, this);
      return true;
    }
    return slot.owner.staleRelease(slot, this.generation, this);
  }

  [Symbol.dispose](): void {
    const slot = this.#slot;
    if (slot.state === LEASED && slot.generation === this.generation) slot.owner.releaseSlot(slot, this);
  }
}
