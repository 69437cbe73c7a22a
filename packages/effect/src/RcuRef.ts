/**
 * `RcuRef`: a reference-counted, swappable resource whose old values are released only after a grace period.
 *
 * How it works (the `RcRef` model plus RCU):
 * - Each value lives in an *entry*: the value, the `Scope` its acquire ran in, a borrow count, and flags. The ref
 *   points at its current entry, or at none.
 * - `get` borrows the current entry (count + 1, a finalizer in the caller's scope gives it back) or, when there is
 *   none, runs the ref's `acquire` in a new scope under a one-permit semaphore, so concurrent first `get`s share
 *   one acquisition. `set` acquires a new value under the same semaphore and publishes it; readers keep getting
 *   the old value until the new one is ready (make before break).
 * - Replacing or invalidating an entry *retires* it: it is no longer handed out, and once its borrow count is 0
 *   its scope is closed on the domain's deferred queue, i.e. after a grace period. So an old value is released
 *   only after every borrower's scope has closed *and* every read section that could have seen it has ended.
 * - A lazily acquired entry (from `get`) whose count drops to 0 is retired at once (like `RcRef`), or after
 *   `idleTimeToLive` if nobody borrowed it again (linger, a `Clock` sleep — `TestClock` drives it); the grace
 *   period comes on top of the linger. An entry published by `set` stays until replaced or invalidated.
 * - `deref` reads the current entry with no borrow at all: it requires an open read section (`Rcu.Section`), and
 *   since a retired entry is released only after a grace period that starts after it was retired, the section
 *   that read it holds that grace period and the value stays valid until the section ends.
 * - Closing the scope the ref was made in retires the current entry and waits for the releases already queued
 *   (each after its grace period), driving a manual domain's grace periods; inside a read section it does not wait
 *   (that would deadlock) and the releases run after the section. It does not wait for values still borrowed — a borrower's scope may outlive
 *   the ref's — those are released, after a grace period, when their last borrower leaves.
 * - If the domain is already closing when a value is due for release (the ref outlived its `Rcu` layer), the
 *   domain refuses new deferred work; the value is then released at once, with a warning, rather than leaked.
 *
 * Why this file is over 400 lines: it is one Effect-style module (as Effect's own `RcRef.ts` or `Pool.ts`): the
 * public functions of `RcuRef` with their JSDoc, most of the length; the machinery shared with the other modules
 * lives in `internal/`.
 *
 * @since 0.1.0
 */
import { describeValue, type RcuDomain } from "@rcu/core";
import { Context, Duration, Effect, Exit, PubSub, Scope, Semaphore, Stream, type Types } from "effect";
import { dual } from "effect/Function";
import { type Pipeable, pipeArguments } from "effect/Pipeable";
import { awaitDriving, holdsSection, notInSection, rcuError, sectionOpenIn } from "./internal/core.js";
import { type Entry, newEntry, releaseEntry, retireEntry } from "./internal/entry.js";
import { idleTimeToLiveOption, isEffect, readOptions } from "./internal/options.js";
import { Releases } from "./internal/releases.js";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import type { RcuSection } from "./RcuSection.js";

const TypeId = "~@rcu/effect/RcuRef";

/**
 * A reference to a scoped resource shared by borrowers, like `RcRef`, that can be swapped (`set`) or
 * invalidated while borrowed: a swap never frees a value a reader may still hold.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RcuRef } from "@rcu/effect"
 *
 * declare const ref: RcuRef.RcuRef<{ readonly port: number }>
 *
 * const port = Effect.scoped(Effect.map(RcuRef.get(ref), (config) => config.port))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RcuRef<in out A, out E = never> extends Pipeable {
  readonly [TypeId]: {
    readonly _A: Types.Invariant<A>;
    readonly _E: Types.Covariant<E>;
  };
}

/**
 * Options of `RcuRef.make`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { RcuRef } from "@rcu/effect"
 *
 * const options: RcuRef.MakeOptions<string, never, never> = { acquire: Effect.succeed("v1"), idleTimeToLive: "1 minute" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions<A, E, R> {
  /** Acquires a value; runs in the value's own scope, closed when the value is released. */
  readonly acquire: Effect.Effect<A, E, R>;
  /**
   * Linger: keep a lazily acquired value this long after its last borrower leaves, in case it is borrowed
   * again. The grace period is separate and comes after it. Default: release at once (after a grace period).
   */
  readonly idleTimeToLive?: Duration.Input | undefined;
}

class RcuRefImpl<A, E> implements RcuRef<A, E> {
  readonly [TypeId] = { _A: (a: A) => a, _E: (e: E) => e } as unknown as RcuRef<A, E>[typeof TypeId];
  current: Entry<A> | undefined = undefined;
  closed = false;
  /** Retired entries whose release is queued or running. */
  readonly releases = new Releases();
  readonly lock = Semaphore.makeUnsafe(1);
  constructor(
    readonly acquire: Effect.Effect<A, E>,
    readonly context: Context.Context<never>,
    readonly domain: RcuDomain,
    readonly idleTimeToLive: Duration.Duration | undefined,
    /** Every value that becomes current, for `changes` (the latest one replayed to new subscribers). */
    readonly published: PubSub.PubSub<A>,
  ) {}
  /** Makes `entry` the current value and announces it. */
  publish(entry: Entry<A>): void {
    this.current = entry;
    PubSub.publishUnsafe(this.published, entry.value);
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments);
  }
}

const impl = <A, E>(self: RcuRef<A, E>): RcuRefImpl<A, E> => self as RcuRefImpl<A, E>;

const retire = <A, E>(ref: RcuRefImpl<A, E>, entry: Entry<A>): void => {
  if (ref.current === entry) ref.current = undefined;
  retireEntry(ref, entry, "RcuRef");
};

const giveBack = <A, E>(ref: RcuRefImpl<A, E>, entry: Entry<A>): Effect.Effect<void> =>
  Effect.sync(() => {
    entry.refCount--;
    if (entry.refCount > 0) return;
    if (entry.retired) return releaseEntry(ref, entry, "RcuRef");
    if (entry.pinned) return;
    const ttl = ref.idleTimeToLive;
    if (ttl === undefined) return retire(ref, entry);
    if (!Duration.isFinite(ttl)) return;
    const linger = Effect.sleep(ttl).pipe(
      Effect.andThen(
        Effect.sync(() => {
          entry.linger = undefined;
          if (ref.current === entry && entry.refCount === 0) retire(ref, entry);
        }),
      ),
    );
    entry.linger = Effect.runForkWith(ref.context)(linger);
  });

const borrow = <A>(entry: Entry<A>): Entry<A> => {
  entry.refCount++;
  entry.linger?.interruptUnsafe();
  entry.linger = undefined;
  return entry;
};

/**
 * Runs an acquire in a fresh scope (`run(scope)`); on success hands the new entry to `install`, which runs
 * uninterruptibly right after the acquire, so a value is never acquired without being installed or released.
 */
const acquireEntry = <A, E, R>(
  ref: RcuRefImpl<A, unknown>,
  run: (scope: Scope.Closeable) => Effect.Effect<A, E, R>,
  pinned: boolean,
  install: (entry: Entry<A>) => void,
): Effect.Effect<void, E, R> =>
  Effect.suspend(() => {
    const scope = Scope.makeUnsafe();
    return Effect.onExit(run(scope), (exit) => {
      if (Exit.isFailure(exit)) return Scope.close(scope, exit);
      // Never published: nobody can hold it, so no grace period is needed.
      if (ref.closed) return Scope.close(scope, Exit.void);
      install(newEntry(exit.value, scope, pinned));
      return Effect.void;
    }).pipe(Effect.asVoid);
  });

/**
 * Creates an `RcuRef`. The value is acquired lazily by the first `get`. Closing the current scope retires the
 * current value and waits until every value nobody borrows has been released (each after a grace period); a
 * value still borrowed is released after its last borrower's scope closes and a grace period. Fails with `RcuError`
 * `INVALID_OPTION` for options that are not an object (or cannot be read), an `acquire` that is not an `Effect`, or
 * a negative or `NaN` `idleTimeToLive`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuRef } from "@rcu/effect"
 *
 * const program = Effect.gen(function*() {
 *   const ref = yield* RcuRef.make({
 *     acquire: Effect.acquireRelease(Effect.succeed({ port: 80 }), () => Effect.log("released"))
 *   })
 *   const config = yield* RcuRef.get(ref)
 *   return config.port
 * }).pipe(Effect.scoped, Effect.provide(Rcu.layer()))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E, R>(
  options: MakeOptions<A, E, R>,
): Effect.Effect<RcuRef<A, E>, RcuError<"INVALID_OPTION">, R | Scope.Scope | Rcu> =>
  Effect.gen(function* () {
    const read = yield* readOptions("RcuRef.make", options, ["acquire", "idleTimeToLive"], "an 'acquire' effect");
    if (!isEffect(read.acquire)) {
      return yield* Effect.fail(
        rcuError(
          "INVALID_OPTION",
          `RcuRef.make: options.acquire must be an Effect that acquires the value, got ${describeValue(read.acquire)}.`,
        ),
      );
    }
    const idleTimeToLive = yield* idleTimeToLiveOption("RcuRef.make", read.idleTimeToLive);
    const context = yield* Effect.context<R | Scope.Scope | Rcu>();
    const { domain } = Context.get(context, Rcu);
    const scope = Context.get(context, Scope.Scope);
    const published = yield* PubSub.unbounded<A>({ replay: 1 });
    const ref = new RcuRefImpl<A, E>(read.acquire as Effect.Effect<A, E>, context, domain, idleTimeToLive, published);
    yield* Scope.addFinalizer(scope, closeRef(ref));
    return ref as RcuRef<A, E>;
  });

/**
 * The finalizer of a ref's scope: retires the current value and waits for every queued release (each after its
 * grace period). Inside a read section of the domain that wait would deadlock, so it returns at once; the
 * releases still run after the grace period.
 */
const closeRef = <A, E>(ref: RcuRefImpl<A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    ref.closed = true;
    if (ref.current !== undefined) retire(ref, ref.current);
    const settled = ref.releases.settled();
    const waitForReleases =
      settled === undefined
        ? Effect.void
        : Effect.flatMap(holdsSection(ref.domain), (held) =>
            held ? Effect.void : awaitDriving(ref.domain, () => settled, "RcuRef: closing the ref").pipe(Effect.orDie),
          );
    return Effect.andThen(PubSub.shutdown(ref.published), waitForReleases);
  });

/**
 * Borrows the current value for the life of the current `Scope`, acquiring one first if there is none. A
 * borrowed value is never released before the scope closes, even if the ref is `set` or invalidated meanwhile.
 * Interrupted once the ref's own scope has closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuRef } from "@rcu/effect"
 *
 * declare const ref: RcuRef.RcuRef<{ query(sql: string): Promise<unknown> }>
 *
 * const rows = Rcu.read(Effect.scoped(Effect.flatMap(RcuRef.get(ref), (db) => Effect.promise(() => db.query("select 1")))))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const get = <A, E>(self: RcuRef<A, E>): Effect.Effect<A, E, Scope.Scope> => {
  const ref = impl(self);
  return Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.scope, (scope) => {
      if (ref.closed) return Effect.interrupt;
      const lend = (entry: Entry<A>) => Effect.as(Scope.addFinalizer(scope, giveBack(ref, entry)), entry.value);
      if (ref.current !== undefined) return lend(borrow(ref.current));
      let got: Entry<A> | undefined;
      const take = (entry: Entry<A>) => {
        got = borrow(entry);
      };
      const acquireOrJoin = ref.lock.withPermits(1)(
        Effect.suspend(() => {
          if (ref.closed) return Effect.interrupt;
          if (ref.current !== undefined) return Effect.sync(() => take(ref.current!));
          const run = (scope: Scope.Closeable) =>
            Effect.provideContext(ref.acquire, Context.add(ref.context, Scope.Scope, scope));
          return acquireEntry(ref, run, false, (entry) => {
            ref.publish(entry);
            take(entry);
          });
        }),
      );
      return restore(acquireOrJoin).pipe(
        Effect.onExit((exit) => (Exit.isFailure(exit) && got !== undefined ? giveBack(ref, got) : Effect.void)),
        Effect.flatMap(() => (got === undefined ? Effect.interrupt : lend(got))),
      );
    }),
  );
};

/**
 * Reads the current value with no borrow: no reference count, no finalizer. This is the RCU read path.
 *
 * **When to use**
 *
 * Inside `Rcu.read`/`Rcu.readScoped`, for a value you use only until the section ends. Use `RcuRef.get` (a scoped
 * borrow) to keep a value beyond the section.
 *
 * **Details**
 *
 * Requires `Rcu.Section`, which only a read section provides, so a call outside a section does not type-check. The
 * value stays valid until the section ends, even if `set` or `invalidate` runs meanwhile: a retired value is
 * released only after a grace period, which the section holds. If the ref holds no value yet, the first `deref`
 * acquires one (concurrent first reads share one acquisition); a value acquired that way stays current until the
 * next `set`, `invalidate` or the ref's close.
 *
 * **Gotchas**
 *
 * The section must belong to the ref's domain; a section of another `Rcu` layer, or one that has already ended
 * (a fiber forked inside it that outlived it), is a defect (`RcuError` `NOT_IN_SECTION`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuRef } from "@rcu/effect"
 *
 * declare const config: RcuRef.RcuRef<{ readonly port: number }>
 *
 * const port = Rcu.read(Effect.map(RcuRef.deref(config), (c) => c.port))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const deref = <A, E>(self: RcuRef<A, E>): Effect.Effect<A, E, RcuSection> => {
  const ref = impl(self);
  return Effect.withFiber((fiber) => {
    if (!sectionOpenIn(fiber, ref.domain)) return Effect.die(notInSection("RcuRef.deref", ref.domain.name));
    const entry = ref.current;
    if (entry !== undefined) return (entry.read ??= Effect.succeed(entry.value)) as Effect.Effect<A>;
    if (ref.closed) return Effect.interrupt;
    return acquireFirst(ref);
  });
};

/** Acquires the first value for `deref` (pinned: it has no borrower to give it back), shared by concurrent calls. */
const acquireFirst = <A, E>(ref: RcuRefImpl<A, E>): Effect.Effect<A, E> =>
  ref.lock
    .withPermits(1)(
      Effect.suspend(() => {
        if (ref.closed) return Effect.interrupt;
        if (ref.current !== undefined) return Effect.succeed(ref.current);
        let installed: Entry<A> | undefined;
        const run = (scope: Scope.Closeable) =>
          Effect.provideContext(ref.acquire, Context.add(ref.context, Scope.Scope, scope));
        return Effect.map(
          acquireEntry(ref, run, true, (entry) => {
            installed = entry;
            ref.publish(entry);
          }),
          () => installed,
        );
      }),
    )
    .pipe(Effect.flatMap((entry) => (entry === undefined ? Effect.interrupt : Effect.succeed(entry.value))));

/**
 * Publishes a value acquired by `acquire` (run in the value's own scope): borrowers keep the old value until
 * the new one is ready; the old value is released once its borrowers' scopes have closed and a grace period has
 * passed. A value published by `set` stays until the next `set`, `invalidate` or the ref's close. If `acquire`
 * fails, nothing changes and `set` fails with its error. Concurrent `set`s run one after another; the last one
 * wins. Interrupted once the ref's own scope has closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RcuRef } from "@rcu/effect"
 *
 * declare const ref: RcuRef.RcuRef<{ readonly port: number }>
 *
 * const reload = RcuRef.set(ref, Effect.succeed({ port: 8080 }))
 * const reloadPiped = ref.pipe(RcuRef.set(Effect.succeed({ port: 8081 })))
 * ```
 *
 * @since 0.1.0
 * @category setters
 */
export const set: {
  <A, E2, R2>(
    acquire: Effect.Effect<A, E2, R2>,
  ): <E>(self: RcuRef<A, E>) => Effect.Effect<void, E2, Exclude<R2, Scope.Scope>>;
  <A, E, E2, R2>(
    self: RcuRef<A, E>,
    acquire: Effect.Effect<A, E2, R2>,
  ): Effect.Effect<void, E2, Exclude<R2, Scope.Scope>>;
} = dual(
  2,
  <A, E, E2, R2>(
    self: RcuRef<A, E>,
    acquire: Effect.Effect<A, E2, R2>,
  ): Effect.Effect<void, E2, Exclude<R2, Scope.Scope>> => {
    const ref = impl(self);
    return ref.lock.withPermits(1)(
      Effect.suspend(() => {
        if (ref.closed) return Effect.interrupt;
        const run = (scope: Scope.Closeable) => Scope.provide(acquire, scope);
        return acquireEntry(ref, run, true, (entry) => {
          const old = ref.current;
          ref.publish(entry);
          if (old !== undefined) retire(ref, old);
        });
      }),
    );
  },
);

/**
 * Retires the current value: the next `get` acquires afresh; the old value is released once its borrowers'
 * scopes have closed and a grace period has passed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RcuRef } from "@rcu/effect"
 *
 * declare const connection: RcuRef.RcuRef<{ readonly healthy: boolean }>
 *
 * const heal = Effect.scoped(RcuRef.get(connection)).pipe(
 *   Effect.flatMap((c) => (c.healthy ? Effect.void : RcuRef.invalidate(connection)))
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const invalidate = <A, E>(self: RcuRef<A, E>): Effect.Effect<void> =>
  Effect.sync(() => {
    const ref = impl(self);
    if (ref.current !== undefined) retire(ref, ref.current);
  });

/**
 * Re-runs the ref's own `acquire` (with the services the ref was made with) and publishes the result, make before
 * break: readers keep the old value until the new one is ready; the old value is released once its borrowers'
 * scopes have closed and a grace period has passed. If `acquire` fails, nothing changes and `refresh` fails with
 * its error.
 *
 * **When to use**
 *
 * To reload a resource from its source (a config file, a connection) the way `Resource.refresh` does, without
 * repeating how it is acquired.
 *
 * **Details**
 *
 * Like `set`, it runs one after another with other `set`s and `refresh`es, and the refreshed value stays until the
 * next `set`, `refresh`, `invalidate` or the ref's close. Interrupted once the ref's own scope has closed.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { RcuRef } from "@rcu/effect"
 *
 * declare const config: RcuRef.RcuRef<{ readonly port: number }, Error>
 *
 * const reloadEveryMinute = RcuRef.refresh(config).pipe(Effect.repeat(Schedule.spaced("1 minute")))
 * ```
 *
 * @since 0.1.0
 * @category setters
 */
export const refresh = <A, E>(self: RcuRef<A, E>): Effect.Effect<void, E> => {
  const ref = impl(self);
  return ref.lock.withPermits(1)(
    Effect.suspend(() => {
      if (ref.closed) return Effect.interrupt;
      const run = (scope: Scope.Closeable) =>
        Effect.provideContext(ref.acquire, Context.add(ref.context, Scope.Scope, scope));
      return acquireEntry(ref, run, true, (entry) => {
        const old = ref.current;
        ref.publish(entry);
        if (old !== undefined) retire(ref, old);
      });
    }),
  );
};

/**
 * A `Stream` of the values the ref publishes: the current one first (if any), then each value that becomes
 * current (`set`, `refresh`, or a first acquisition by `get`/`deref`). Ends when the ref's scope closes.
 *
 * **When to use**
 *
 * To react to reloads, as with `SubscriptionRef.changes`: re-render, re-index, log the new version.
 *
 * **Gotchas**
 *
 * An element is a published value, not a borrow: by the time the consumer handles it, a later `set` may have
 * retired it, and it is released after a grace period. Handle each element inside `Rcu.read` (or take a borrow
 * with `RcuRef.get`) and keep nothing from it past that.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Rcu, RcuRef } from "@rcu/effect"
 *
 * declare const config: RcuRef.RcuRef<{ readonly version: number }>
 *
 * const logVersions = RcuRef.changes(config).pipe(
 *   Stream.runForEach((c) => Rcu.read(Effect.log(`config v${c.version} is live`)))
 * )
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const changes = <A, E>(self: RcuRef<A, E>): Stream.Stream<A> => Stream.fromPubSub(impl(self).published);
