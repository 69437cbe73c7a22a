/**
 * `RcuMap`: keyed, reference-counted resources (Effect's `RcMap`) whose values are released only after their
 * borrowers have left *and* a grace period has passed.
 *
 * How it works (per key, the `RcuRef` model):
 * - A key holds at most one current *entry* (the value, the `Scope` its lookup ran in, a borrow count) and at most
 *   one acquisition in flight. `get` borrows the current entry, or joins the acquisition, or starts one. The
 *   acquisition runs on its own fiber (forked from the map's context), so it outlives a first caller that is
 *   interrupted; the callers waiting for it are counted as borrowers the moment it installs the entry, so none is
 *   lost between the install and its own finalizer.
 * - `deref` (inside a read section) returns the current value with no borrow: `Option.none()` when the key is
 *   absent or still being acquired. A retired value is released only after a grace period that starts after it
 *   was retired, which every section open at that moment holds.
 * - Replacing (`set`), invalidating, idling out (no `idleTimeToLive`: at once; otherwise after it, a `Clock`
 *   sleep) or closing the map *retires* an entry; once its borrow count is 0 its scope is closed on the domain's
 *   deferred queue, i.e. after a grace period, exactly once.
 * - `capacity` counts keys with a value or an acquisition in flight, as `RcMap` does: a new key beyond it fails
 *   with `Cause.ExceededCapacityError`; nothing is evicted.
 *
 * Why this file is over 400 lines: it is one Effect-style module (as Effect's own `RcRef.ts` or `Pool.ts`): the
 * public functions of `RcuMap` with their JSDoc, most of the length; the machinery shared with the other modules
 * lives in `internal/`.
 *
 * @since 0.1.0
 */
import { describeValue, type RcuDomain } from "@rcu/core";
import {
  Cause,
  Context,
  Deferred,
  Duration,
  Effect,
  Equal,
  Exit,
  Fiber,
  Hash,
  MutableHashMap,
  Option,
  Scope,
  Semaphore,
  type Types,
} from "effect";
import { dual } from "effect/Function";
import { type Pipeable, pipeArguments } from "effect/Pipeable";
import { awaitDriving, holdsSection, notInSection, rcuError, sectionOpenIn } from "./internal/core.js";
import { type Entry, newEntry, releaseEntry, retireEntry } from "./internal/entry.js";
import { idleTimeToLiveOption, isEffect, readOptions } from "./internal/options.js";
import { Releases } from "./internal/releases.js";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import type { RcuSection } from "./RcuSection.js";

const TypeId = "~@rcu/effect/RcuMap";

/**
 * A map from keys to scoped resources shared by borrowers, like `RcMap`, whose entries can be replaced or
 * invalidated while borrowed: nothing is released while a borrower or a read section may still hold it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { RcuMap } from "@rcu/effect"
 *
 * declare const tenants: RcuMap.RcuMap<string, { readonly db: string }>
 *
 * const db = Effect.scoped(Effect.map(RcuMap.get(tenants, "acme"), (t) => t.db))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RcuMap<in out K, in out A, out E = never> extends Pipeable {
  readonly [TypeId]: {
    readonly _K: Types.Invariant<K>;
    readonly _A: Types.Invariant<A>;
    readonly _E: Types.Covariant<E>;
  };
}

/**
 * Options of `RcuMap.make`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { RcuMap } from "@rcu/effect"
 *
 * const options: RcuMap.MakeOptions<string, string, never, never> = {
 *   lookup: (key) => Effect.succeed(`value of ${key}`),
 *   idleTimeToLive: "1 minute",
 *   capacity: 1_000
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions<K, A, E, R> {
  /** Acquires the value of a key; runs in the value's own scope, closed when the value is released. */
  readonly lookup: (key: K) => Effect.Effect<A, E, R>;
  /** Keep a value this long after its last borrower leaves (linger); the grace period comes on top. */
  readonly idleTimeToLive?: Duration.Input | undefined;
  /** Keys with a value or an acquisition in flight, at most; a new key beyond fails with `ExceededCapacityError`. */
  readonly capacity?: number | undefined;
}

interface Waiter {
  counted: boolean;
}

interface Acquisition<A, E> {
  readonly done: Deferred.Deferred<Entry<A>, E>;
  readonly waiters: Set<Waiter>;
  fiber: Fiber.Fiber<void> | undefined;
  /** The installed entry, once the acquisition succeeded. */
  entry: Entry<A> | undefined;
}

interface Slot<A, E> {
  current: Entry<A> | undefined;
  acquiring: Acquisition<A, E> | undefined;
}

class RcuMapImpl<K, A, E> implements RcuMap<K, A, E> {
  readonly [TypeId] = { _K: (k: K) => k, _A: (a: A) => a, _E: (e: E) => e } as unknown as RcuMap<
    K,
    A,
    E
  >[typeof TypeId];
  readonly slots = MutableHashMap.empty<K, Slot<A, E>>();
  readonly releases = new Releases();
  readonly setLock = Semaphore.makeUnsafe(1);
  closed = false;
  constructor(
    readonly lookup: (key: K) => Effect.Effect<A, E>,
    readonly context: Context.Context<never>,
    readonly domain: RcuDomain,
    readonly idleTimeToLive: Duration.Duration | undefined,
    readonly capacity: number,
  ) {}
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments);
  }
}

const impl = <K, A, E>(self: RcuMap<K, A, E>): RcuMapImpl<K, A, E> => self as RcuMapImpl<K, A, E>;

const slotOf = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K): Slot<A, E> | undefined =>
  Option.getOrUndefined(MutableHashMap.get(map.slots, key));

/**
 * `lookup(key)`, called inside the acquisition: a lookup that throws dies with what it threw and one that returns
 * something else than an `Effect` dies with a coded error, both through the acquisition's own exit (which frees
 * the key's slot), never out of the caller's stack with the slot still marked as acquiring.
 */
const lookupOf = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    const acquire: unknown = map.lookup(key);
    return isEffect(acquire)
      ? (acquire as Effect.Effect<A, E>)
      : Effect.die(
          rcuError(
            "INVALID_OPTION",
            `RcuMap: lookup(key) returned ${describeValue(acquire)}, not an Effect; return the Effect that acquires ` +
              "the key's value.",
          ),
        );
  });

/**
 * Keys are hashed and compared structurally (`Hash`/`Equal`), which reads their fields: a key that throws when read
 * (a revoked proxy, a throwing getter) is refused up front with a coded defect, as other misuse of the map is,
 * rather than failing half-way through an update.
 */
const unusableKey = (where: string, key: unknown): Effect.Effect<never> | undefined => {
  try {
    Hash.hash(key);
    Equal.equals(key, key);
    return undefined;
  } catch (err) {
    return Effect.die(
      rcuError(
        "INVALID_OPTION",
        `${where}: the key cannot be hashed or compared (${describeValue(err)}); use a primitive, or an object ` +
          "whose fields can be read.",
      ),
    );
  }
};

/** Drops the key's slot once it has neither a value nor an acquisition. */
const tidy = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K, slot: Slot<A, E>): void => {
  if (slot.current === undefined && slot.acquiring === undefined && slotOf(map, key) === slot) {
    MutableHashMap.remove(map.slots, key);
  }
};

const retire = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K, entry: Entry<A>): void => {
  const slot = slotOf(map, key);
  if (slot !== undefined && slot.current === entry) {
    slot.current = undefined;
    tidy(map, key, slot);
  }
  retireEntry(map, entry, "RcuMap");
};

/** An entry nobody borrows any more: retire it at once, after the linger, or (pinned) keep it. */
const idle = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K, entry: Entry<A>): void => {
  if (entry.retired) return releaseEntry(map, entry, "RcuMap");
  if (entry.pinned) return;
  const ttl = map.idleTimeToLive;
  if (ttl === undefined) return retire(map, key, entry);
  if (!Duration.isFinite(ttl)) return;
  const linger = Effect.sleep(ttl).pipe(
    Effect.andThen(
      Effect.sync(() => {
        entry.linger = undefined;
        if (entry.refCount === 0 && !entry.retired) retire(map, key, entry);
      }),
    ),
  );
  entry.linger = Effect.runForkWith(map.context)(linger);
};

const giveBack = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K, entry: Entry<A>): Effect.Effect<void> =>
  Effect.sync(() => {
    entry.refCount--;
    if (entry.refCount === 0) idle(map, key, entry);
  });

const borrow = <A>(entry: Entry<A>): Entry<A> => {
  entry.refCount++;
  entry.linger?.interruptUnsafe();
  entry.linger = undefined;
  return entry;
};

/**
 * Starts the key's acquisition on its own fiber, forked from the map's context: it completes (and installs the
 * entry, counting the callers waiting at that moment as borrowers) even if every caller was interrupted.
 */
const startAcquisition = <K, A, E>(map: RcuMapImpl<K, A, E>, key: K, slot: Slot<A, E>): Acquisition<A, E> => {
  const acquisition: Acquisition<A, E> = {
    done: Deferred.makeUnsafe<Entry<A>, E>(),
    waiters: new Set(),
    fiber: undefined,
    entry: undefined,
  };
  slot.acquiring = acquisition;
  const scope = Scope.makeUnsafe();
  const run = Effect.provideContext(lookupOf(map, key), Context.add(map.context, Scope.Scope, scope)).pipe(
    Effect.onExit((exit) =>
      Effect.suspend(() => {
        if (slot.acquiring === acquisition) slot.acquiring = undefined;
        if (Exit.isFailure(exit)) {
          tidy(map, key, slot);
          return Effect.andThen(Scope.close(scope, exit), Deferred.done(acquisition.done, exit as Exit.Exit<never, E>));
        }
        if (map.closed) {
          // Never published: nobody can hold it.
          tidy(map, key, slot);
          return Effect.andThen(Scope.close(scope, Exit.void), Deferred.interrupt(acquisition.done));
        }
        const entry = newEntry(exit.value, scope, false);
        const old = slot.current;
        slot.current = entry;
        acquisition.entry = entry;
        for (const waiter of acquisition.waiters) {
          waiter.counted = true;
          borrow(entry);
        }
        if (old !== undefined) retire(map, key, old);
        if (entry.refCount === 0) idle(map, key, entry);
        return Deferred.succeed(acquisition.done, entry);
      }),
    ),
    Effect.asVoid,
    Effect.catchCause(() => Effect.void),
  );
  acquisition.fiber = Effect.runForkWith(map.context)(run);
  return acquisition;
};

const exceeded = (capacity: number) =>
  new Cause.ExceededCapacityError(`RcuMap: capacity of ${capacity} keys exceeded; no entry was evicted.`);

/**
 * Creates an `RcuMap`. Values are acquired lazily by `lookup`, one acquisition per key shared by concurrent
 * callers. Closing the current scope retires every value and waits until those nobody borrows have been released
 * (each after a grace period).
 *
 * **When to use**
 *
 * Where you would use `RcMap` (per-tenant connections, per-file handles, compiled templates) and values may be
 * read inside `Rcu.read` sections, or replaced or invalidated while in use.
 *
 * **Details**
 *
 * Fails with `RcuError` `INVALID_OPTION` for options that are not an object (or cannot be read), a `lookup` that is
 * not a function, a negative or `NaN` `idleTimeToLive` or a `capacity` that is not a positive integer (or
 * `Infinity`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuMap } from "@rcu/effect"
 *
 * const program = Effect.gen(function*() {
 *   const map = yield* RcuMap.make({
 *     lookup: (tenant: string) => Effect.acquireRelease(Effect.succeed({ tenant }), () => Effect.log(`closed ${tenant}`))
 *   })
 *   return yield* Effect.scoped(RcuMap.get(map, "acme"))
 * }).pipe(Effect.scoped, Effect.provide(Rcu.layer()))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <K, A, E, R>(
    options: MakeOptions<K, A, E, R> & { readonly capacity?: undefined },
  ): Effect.Effect<RcuMap<K, A, E>, RcuError<"INVALID_OPTION">, Exclude<R, Scope.Scope> | Scope.Scope | Rcu>;
  <K, A, E, R>(
    options: MakeOptions<K, A, E, R> & { readonly capacity: number },
  ): Effect.Effect<
    RcuMap<K, A, E | Cause.ExceededCapacityError>,
    RcuError<"INVALID_OPTION">,
    Exclude<R, Scope.Scope> | Scope.Scope | Rcu
  >;
} = <K, A, E, R>(
  options: MakeOptions<K, A, E, R>,
): Effect.Effect<RcuMap<K, A, E>, RcuError<"INVALID_OPTION">, Exclude<R, Scope.Scope> | Scope.Scope | Rcu> =>
  Effect.gen(function* () {
    const read = yield* readOptions(
      "RcuMap.make",
      options,
      ["lookup", "idleTimeToLive", "capacity"],
      "a 'lookup' function",
    );
    if (typeof read.lookup !== "function") {
      return yield* Effect.fail(
        rcuError(
          "INVALID_OPTION",
          `RcuMap.make: options.lookup must be a function (key) => Effect that acquires a key's value, got ${describeValue(
            read.lookup,
          )}.`,
        ),
      );
    }
    const idleTimeToLive = yield* idleTimeToLiveOption("RcuMap.make", read.idleTimeToLive);
    const capacity = (read.capacity as number | undefined) ?? Number.POSITIVE_INFINITY;
    if (!(capacity === Number.POSITIVE_INFINITY || (Number.isInteger(capacity) && capacity > 0))) {
      return yield* Effect.fail(
        rcuError(
          "INVALID_OPTION",
          `RcuMap.make: capacity must be a positive integer or Infinity, got ${describeValue(capacity)}.`,
        ),
      );
    }
    const context = yield* Effect.context<Exclude<R, Scope.Scope> | Scope.Scope | Rcu>();
    const { domain } = Context.get(context as Context.Context<Rcu>, Rcu);
    const scope = Context.get(context as Context.Context<Scope.Scope>, Scope.Scope);
    const map = new RcuMapImpl<K, A, E>(
      read.lookup as (key: K) => Effect.Effect<A, E>,
      context,
      domain,
      idleTimeToLive,
      capacity,
    );
    yield* Scope.addFinalizer(scope, closeMap(map));
    return map as RcuMap<K, A, E>;
  });

const closeMap = <K, A, E>(map: RcuMapImpl<K, A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    map.closed = true;
    const acquisitions: Array<Fiber.Fiber<void>> = [];
    for (const [key, slot] of Array.from(map.slots)) {
      if (slot.acquiring?.fiber !== undefined) acquisitions.push(slot.acquiring.fiber);
      if (slot.current !== undefined) retire(map, key, slot.current);
    }
    return Effect.andThen(
      Fiber.interruptAll(acquisitions),
      Effect.suspend(() => {
        const settled = map.releases.settled();
        if (settled === undefined) return Effect.void;
        return Effect.flatMap(holdsSection(map.domain), (held) =>
          held ? Effect.void : awaitDriving(map.domain, () => settled, "RcuMap: closing the map").pipe(Effect.orDie),
        );
      }),
    );
  });

/**
 * Borrows the value of `key` for the life of the current `Scope`, acquiring it first if needed (concurrent first
 * calls share one acquisition, which completes even if the first caller is interrupted). A borrowed value is
 * never released before the scope closes, even if the key is `set` or invalidated meanwhile. Interrupted once the
 * map's scope has closed. A `lookup` that throws dies with what it threw, one that returns no `Effect` dies with
 * `RcuError` `INVALID_OPTION`, and a key that cannot be hashed (a revoked proxy, a throwing getter) dies with
 * `INVALID_OPTION` before anything is acquired; the key stays free in every case.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RcuMap } from "@rcu/effect"
 *
 * declare const tenants: RcuMap.RcuMap<string, { query(sql: string): Promise<unknown> }>
 *
 * const rows = Effect.scoped(
 *   Effect.flatMap(RcuMap.get(tenants, "acme"), (db) => Effect.promise(() => db.query("select 1")))
 * )
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const get: {
  <K>(key: K): <A, E>(self: RcuMap<K, A, E>) => Effect.Effect<A, E, Scope.Scope>;
  <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<A, E, Scope.Scope>;
} = dual(2, <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<A, E, Scope.Scope> => {
  const map = impl(self);
  const badKey = unusableKey("RcuMap.get", key);
  if (badKey !== undefined) return badKey;
  return Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.scope, (scope): Effect.Effect<A, E> => {
      if (map.closed) return Effect.interrupt;
      let slot = slotOf(map, key);
      const lend = (entry: Entry<A>) => Effect.as(Scope.addFinalizer(scope, giveBack(map, key, entry)), entry.value);
      if (slot?.current !== undefined) return lend(borrow(slot.current));
      if (slot === undefined) {
        if (MutableHashMap.size(map.slots) >= map.capacity) return Effect.fail(exceeded(map.capacity) as E);
        slot = { current: undefined, acquiring: undefined };
        MutableHashMap.set(map.slots, key, slot);
      }
      const acquisition = slot.acquiring ?? startAcquisition(map, key, slot);
      const waiter: Waiter = { counted: false };
      acquisition.waiters.add(waiter);
      return restore(Deferred.await(acquisition.done)).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            acquisition.waiters.delete(waiter);
            // Counted at the install, but interrupted before taking it: give the borrow back.
            if (Exit.isFailure(exit) && waiter.counted && acquisition.entry !== undefined) {
              Effect.runSync(giveBack(map, key, acquisition.entry));
            }
          }),
        ),
        Effect.flatMap((entry) => (waiter.counted ? lend(entry) : lend(borrow(entry)))),
      );
    }),
  );
});

/** What `deref` returns for a key with no value (shared, as each value's own read effect is). */
const absent: Effect.Effect<Option.Option<never>> = Effect.succeedNone;

/**
 * Reads the value of `key` with no borrow, inside a read section: `Option.some(value)` when the key has a value,
 * `Option.none()` when it is absent or still being acquired (`deref` never starts an acquisition). The value stays
 * valid until the section ends, even if the key is `set` or invalidated meanwhile.
 *
 * **When to use**
 *
 * On the read path of a read-mostly map (routing tables, per-tenant settings): no reference count, no finalizer.
 * Use `get` to acquire a missing key or to keep a value beyond the section.
 *
 * **Gotchas**
 *
 * Requires `Rcu.Section`, provided only by `Rcu.read`/`Rcu.readScoped`; a section of another domain or one that
 * has ended is a defect (`RcuError` `NOT_IN_SECTION`).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Rcu, RcuMap } from "@rcu/effect"
 *
 * declare const routes: RcuMap.RcuMap<string, { readonly upstream: string }>
 *
 * const upstream = (host: string) =>
 *   Rcu.read(Effect.map(RcuMap.deref(routes, host), Option.map((r) => r.upstream)))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const deref: {
  <K>(key: K): <A, E>(self: RcuMap<K, A, E>) => Effect.Effect<Option.Option<A>, never, RcuSection>;
  <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<Option.Option<A>, never, RcuSection>;
} = dual(2, <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<Option.Option<A>, never, RcuSection> => {
  const map = impl(self);
  return Effect.withFiber((fiber) => {
    if (!sectionOpenIn(fiber, map.domain)) return Effect.die(notInSection("RcuMap.deref", map.domain.name));
    const badKey = unusableKey("RcuMap.deref", key);
    if (badKey !== undefined) return badKey;
    const entry = slotOf(map, key)?.current;
    if (entry === undefined) return absent;
    return (entry.read ??= Effect.succeed(Option.some(entry.value))) as Effect.Effect<Option.Option<A>>;
  });
});

/**
 * Publishes a value for `key` acquired by `acquire` (run in the value's own scope): borrowers keep the old value
 * until the new one is ready; the old value is released once its borrowers have left and a grace period has
 * passed. A value published by `set` stays until the next `set`, `invalidate` or the map's close (no idle
 * expiry). If `acquire` fails, nothing changes. Interrupted once the map's scope has closed. Dies with `RcuError`
 * `INVALID_OPTION`, before `acquire` runs, for a key that cannot be hashed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RcuMap } from "@rcu/effect"
 *
 * declare const routes: RcuMap.RcuMap<string, { readonly upstream: string }>
 *
 * const reroute = RcuMap.set(routes, "api.example.com", Effect.succeed({ upstream: "10.0.0.2" }))
 * ```
 *
 * @since 0.1.0
 * @category setters
 */
export const set: {
  <K, A, E2, R2>(
    key: K,
    acquire: Effect.Effect<A, E2, R2>,
  ): <E>(self: RcuMap<K, A, E>) => Effect.Effect<void, E2 | Cause.ExceededCapacityError, Exclude<R2, Scope.Scope>>;
  <K, A, E, E2, R2>(
    self: RcuMap<K, A, E>,
    key: K,
    acquire: Effect.Effect<A, E2, R2>,
  ): Effect.Effect<void, E2 | Cause.ExceededCapacityError, Exclude<R2, Scope.Scope>>;
} = dual(
  3,
  <K, A, E, E2, R2>(
    self: RcuMap<K, A, E>,
    key: K,
    acquire: Effect.Effect<A, E2, R2>,
  ): Effect.Effect<void, E2 | Cause.ExceededCapacityError, Exclude<R2, Scope.Scope>> => {
    const map = impl(self);
    const badKey = unusableKey("RcuMap.set", key);
    if (badKey !== undefined) return badKey;
    return map.setLock.withPermits(1)(
      Effect.suspend((): Effect.Effect<void, E2 | Cause.ExceededCapacityError, Exclude<R2, Scope.Scope>> => {
        if (map.closed) return Effect.interrupt;
        if (slotOf(map, key) === undefined && MutableHashMap.size(map.slots) >= map.capacity) {
          return Effect.fail(exceeded(map.capacity));
        }
        const scope = Scope.makeUnsafe();
        return Effect.onExit(Scope.provide(acquire, scope), (exit) => {
          if (Exit.isFailure(exit)) return Scope.close(scope, exit);
          if (map.closed) return Scope.close(scope, Exit.void);
          let slot = slotOf(map, key);
          if (slot === undefined) {
            slot = { current: undefined, acquiring: undefined };
            MutableHashMap.set(map.slots, key, slot);
          }
          const old = slot.current;
          slot.current = newEntry(exit.value, scope, true);
          if (old !== undefined) retire(map, key, old);
          return Effect.void;
        }).pipe(Effect.asVoid);
      }),
    );
  },
);

/**
 * Retires the value of `key`: the next `get` acquires afresh; the old value is released once its borrowers have
 * left and a grace period has passed. An acquisition in flight is not affected.
 *
 * @example
 * ```ts
 * import { RcuMap } from "@rcu/effect"
 *
 * declare const tenants: RcuMap.RcuMap<string, { readonly db: string }>
 *
 * const evict = RcuMap.invalidate(tenants, "acme")
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const invalidate: {
  <K>(key: K): <A, E>(self: RcuMap<K, A, E>) => Effect.Effect<void>;
  <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<void>;
} = dual(2, <K, A, E>(self: RcuMap<K, A, E>, key: K): Effect.Effect<void> =>
  Effect.suspend(() => {
    const map = impl(self);
    const badKey = unusableKey("RcuMap.invalidate", key);
    if (badKey !== undefined) return badKey;
    const entry = slotOf(map, key)?.current;
    if (entry !== undefined) retire(map, key, entry);
    return Effect.void;
  }),
);

/**
 * The keys that have a value now (not those still being acquired).
 *
 * @example
 * ```ts
 * import { RcuMap } from "@rcu/effect"
 *
 * declare const tenants: RcuMap.RcuMap<string, { readonly db: string }>
 *
 * const loaded = RcuMap.keys(tenants)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const keys = <K, A, E>(self: RcuMap<K, A, E>): Effect.Effect<Array<K>> =>
  Effect.sync(() => {
    const out: Array<K> = [];
    for (const [key, slot] of impl(self).slots) if (slot.current !== undefined) out.push(key);
    return out;
  });
