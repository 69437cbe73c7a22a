/**
 * The borrowed-value entry shared by `RcuRef` and `RcuMap`. An entry holds one acquired value and the scope its
 * finalizers live in; readers borrow it (`refCount`), a writer retires it, and once it is retired and nobody
 * borrows it any more its scope is closed after a grace period, on the domain's deferred queue, so no reader can
 * still see the value when its finalizers run. A domain that is closing refuses deferred work: the scope is then
 * closed at once (with a warning) rather than leaked. Each release is tracked in the owner's `releases` until it
 * has finished, so closing the owner can wait for them all. A release whose finalizers are synchronous finishes
 * inside core's deferred callback and hands core no promise to follow.
 */
import type { RcuDomain } from "@rcu/core";
import { type Context, Effect, Exit, type Fiber, Scope } from "effect";
import { runDeferred } from "./core.js";
import type { Releases } from "./releases.js";

/** One acquired value and the scope its finalizers live in. */
export interface Entry<A> {
  readonly value: A;
  readonly scope: Scope.Closeable;
  /** Published by `set`: not released when its borrow count drops to 0. */
  readonly pinned: boolean;
  refCount: number;
  retired: boolean;
  released: boolean;
  linger: Fiber.Fiber<void> | undefined;
  /** `Effect.succeed(value)` (or of `Option.some(value)` for `RcuMap`), made once by the first borrow-free read. */
  read: Effect.Effect<unknown> | undefined;
}

/** A fresh entry: nobody borrows it yet, not retired, not released. */
export const newEntry = <A>(value: A, scope: Scope.Closeable, pinned: boolean): Entry<A> => ({
  value,
  scope,
  pinned,
  refCount: 0,
  retired: false,
  released: false,
  linger: undefined,
  read: undefined,
});

/** What releasing an entry needs from the `RcuRef` or `RcuMap` that owns it. */
export interface EntryOwner {
  readonly context: Context.Context<never>;
  readonly domain: RcuDomain;
  /** Retired entries whose release is queued or running. */
  readonly releases: Releases;
}

/** Closes the entry's scope after a grace period (on the domain's deferred queue), once. `name` labels logs. */
export const releaseEntry = <A>(owner: EntryOwner, entry: Entry<A>, name: string): void => {
  if (entry.released) return;
  entry.released = true;
  const close = Scope.close(entry.scope, Exit.void);
  const message = `${name}: unhandled error in a value's finalizer`;
  const finish = owner.releases.begin();
  try {
    owner.domain.defer(() => finishWith(runDeferred(owner.context, owner.domain, close, message), finish));
  } catch (error) {
    // The domain is closing and refuses new work: release now rather than leak.
    const now = runDeferred(
      owner.context,
      owner.domain,
      Effect.logWarning(`${name}: the domain refused deferred work, releasing a value at once`, error).pipe(
        Effect.andThen(close),
      ),
      message,
    );
    void finishWith(now, finish)?.catch(() => undefined);
  }
};

/** Calls `finish` once `result` (a `runDeferred` result: plain when already done) has settled; keeps its outcome. */
const finishWith = (result: Promise<void> | undefined, finish: () => void): Promise<void> | undefined => {
  if (result === undefined) {
    finish();
    return undefined;
  }
  return result.finally(finish);
};

/** Marks the entry retired, stops its linger timer, and releases it when nobody borrows it. */
export const retireEntry = <A>(owner: EntryOwner, entry: Entry<A>, name: string): void => {
  entry.retired = true;
  entry.linger?.interruptUnsafe();
  entry.linger = undefined;
  if (entry.refCount === 0) releaseEntry(owner, entry, name);
};
