/**
 * One object the pool owns, and where it is in its life cycle.
 *
 * A slot is created once per object (by `create`) and lives until the object is destroyed. Its `generation`
 * bumps every time the object is lent, so a lease is identified by (slot, generation): a stale lease can never
 * match again, which is what makes release keyed on the lease rather than on the object. The state says which
 * container holds the slot: a caller (`LEASED`), the free list (`FREE`), the pending engine waiting for a grace
 * period (`PENDING`, reusable; `DOOMED`, to be destroyed), or nothing (`DESTROYED`). Internal: not exported.
 */

/** The slot sits in the free list: its grace period is over, it can be lent at once. */
export const FREE = 0;
/** A caller holds a lease on the slot. */
export const LEASED = 1;
/** The slot waits in the pending engine for its grace period (typesafe pools may dequeue it earlier). */
export const PENDING = 2;
/** The slot waits in the pending engine to be destroyed after its grace period (its `reset` threw). */
export const DOOMED = 3;
/** The object was handed to `destroy` and forgotten. */
export const DESTROYED = 4;

export type SlotState = typeof FREE | typeof LEASED | typeof PENDING | typeof DOOMED | typeof DESTROYED;

/** What a lease needs from its pool: the two ways a release can go. */
export interface SlotOwner<T extends object> {
  /** The lease (slot, generation) is current: take the object back. */
  releaseSlot(slot: PoolSlot<T>, lease: object): void;
  /** The lease is stale (double release, or the object was lent again): report or throw, return false. */
  staleRelease(slot: PoolSlot<T>, generation: number, lease: object): boolean;
}

/** A pooled object with its generation and state. */
export class PoolSlot<T extends object> {
  /** Bumped on every lend (before `reset`), so readers can detect reuse by re-checking it. */
  generation = 0;
  state: SlotState = FREE;
  readonly owner: SlotOwner<T>;
  readonly value: T;
  constructor(owner: SlotOwner<T>, value: T) {
    this.owner = owner;
    this.value = value;
  }
}
