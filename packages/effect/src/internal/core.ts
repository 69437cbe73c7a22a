/**
 * Internal glue between Effect and `@rcu/core`.
 *
 * How it works:
 * - `mapCoreError` turns core's `RcuError` into the tagged `RcuError`; `attempt`/`attemptPromise` run a core call
 *   and put core errors in the error channel (anything else is a defect).
 * - A read section is a token in the fiber's context (the `RcuSection` service). Effect 4 copies the
 *   context into every fiber it forks, so children see their parent's tokens; a token counts for a fiber only
 *   while the section is open and only if the fiber is the section's owner or attached to it: reached through
 *   `forkChild` parents, or forked by a combinator that awaits it (`all`/`forEach` with concurrency, `race`,
 *   `timeout`). A `forkDetach`ed fiber nobody awaits is not attached. A fiber that waits for a grace period of a
 *   domain whose section it holds would wait forever (the grace period waits for that very section, whose owner
 *   waits for the fiber), so `synchronize`/`barrier` fail with `SELF_DEADLOCK` and releases are deferred instead.
 *   Deferred effects carry a token too (`CurrentDeferred`), so `barrier` from one, or from its children, fails with
 *   `INSIDE_CALLBACK` instead of waiting for itself.
 * - `runDeferred` runs an effect from a core callback: it logs a failure through Effect's logger (the context
 *   captured when the work was queued, so the user's logger and annotations apply) and then rejects with an
 *   error marked as already logged, so core reports it (`CALLBACK_FAILED` to `onError`) without logging twice.
 */
import { domainCapabilities, isRcuError as isCoreRcuError, type RcuDomain } from "@rcu/core";
import type { ManualDomain } from "@rcu/core/testing";
import { Cause, Context, Effect, type Exit, type Fiber } from "effect";
import { RcuError } from "../RcuError.js";
import { RcuSection } from "../RcuSection.js";

/** @internal */
export const mapCoreError = (error: unknown): RcuError | undefined =>
  isCoreRcuError(error) ? new RcuError({ code: error.code, message: error.message, cause: error }) : undefined;

/**
 * Runs a synchronous core call; core's errors fail the effect, anything else is a defect. `C` names the codes core
 * documents for that call. @internal
 */
export const attempt = <A, C extends RcuError.Code = RcuError.Code>(f: () => A): Effect.Effect<A, RcuError<C>> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f());
    } catch (error) {
      const mapped = mapCoreError(error);
      return mapped ? Effect.fail(mapped as RcuError<C>) : Effect.die(error);
    }
  });

/** Runs a promise-returning core call; interrupting the fiber aborts the signal handed to core. @internal */
export const attemptPromise = <A, C extends RcuError.Code = RcuError.Code>(
  f: (signal: AbortSignal) => PromiseLike<A>,
): Effect.Effect<A, RcuError<C>> =>
  Effect.tryPromise({ try: f, catch: (error) => error }).pipe(
    Effect.catch((error) => {
      const mapped = mapCoreError(error);
      return mapped ? Effect.fail(mapped as RcuError<C>) : Effect.die(error);
    }),
  );

/** @internal */
export const rcuError = <C extends RcuError.Code>(code: C, message: string): RcuError<C> =>
  new RcuError({ code, message });

/** The defect of a borrow-free read outside an open section of the right domain. @internal */
export const notInSection = (where: string, domainName: string): RcuError<"NOT_IN_SECTION"> =>
  rcuError(
    "NOT_IN_SECTION",
    `${where} outside an open read section of the domain '${domainName}': the value could be released under you. ` +
      `Call it inside Rcu.read/Rcu.readScoped of the same Rcu service, and use RcuRef.get to keep a value beyond ` +
      `the section.`,
  );

// ---------------------------------------------------------------------------------------------------------------
// Which fibers are inside a read section (or a deferred effect) of which domain.

/**
 * One open read section, or one running deferred effect, of a domain. Tokens live in the fiber's context (a
 * linked list, innermost first; for sections it is the `RcuSection` service itself), so every fiber forked while one is open inherits it; `open` is cleared when the
 * section ends, so a token carried past its section no longer counts. @internal
 */
export interface Token {
  readonly domain: RcuDomain;
  readonly owner: Fiber.Fiber<unknown, unknown>;
  readonly prev: Token | undefined;
  open: boolean;
}

/** The innermost read section in `fiber`'s context (the `RcuSection` service holds the section's token). @internal */
export const currentSection = (fiber: Fiber.Fiber<unknown, unknown>): Token | undefined =>
  Context.getOrUndefined(fiber.context, RcuSection) as Token | undefined;

/** The deferred effects this fiber runs (or was forked from), innermost first. @internal */
export const CurrentDeferred = Context.Reference<Token | undefined>("@rcu/effect/CurrentDeferred", {
  defaultValue: () => undefined,
});

/** The two fields of Effect 4's fiber runtime that tell a structured child from a detached one. */
interface FiberLinks {
  /** Set by `forkChild` (and cleared when the child exits); daemon forks have none. */
  readonly _parent?: FiberLinks | undefined;
  /** Exit observers: the combinators that fork daemon fibers (`all`, `forEach`, `race`, `timeout`) await them. */
  readonly _observers?: ReadonlyArray<unknown> | undefined;
}

/** How a fiber relates to a token: attached, not attached, or not known yet (see `relation`). */
const enum Relation {
  Detached = 0,
  Attached = 1,
  Unsure = 2,
}

/**
 * Whether `fiber` is `owner` or one of its structured descendants: it reaches `owner` through `forkChild` parents,
 * or the root of its parent chain (a daemon fork) is awaited, as Effect's concurrent combinators (`all`/`forEach`
 * with concurrency, `race`, `timeout`) await the fibers they fork. Those combinators start a fiber first and
 * observe it right after, so a daemon root nobody observes *yet* is `Unsure` until the forking fiber has run on;
 * a `forkDetach`ed fiber nobody awaits stays unattached: its wait simply outlasts the section.
 */
const relation = (fiber: Fiber.Fiber<unknown, unknown>, owner: Fiber.Fiber<unknown, unknown>): Relation => {
  let current = fiber as FiberLinks;
  for (;;) {
    if (current === (owner as FiberLinks)) return Relation.Attached;
    const parent = current._parent;
    if (parent === undefined) {
      return current._observers !== undefined && current._observers.length > 0 ? Relation.Attached : Relation.Unsure;
    }
    current = parent;
  }
};

const holds = (fiber: Fiber.Fiber<unknown, unknown>, head: Token | undefined, domain: RcuDomain): Relation => {
  let result = Relation.Detached;
  for (let token = head; token !== undefined; token = token.prev) {
    if (!token.open || token.domain !== domain) continue;
    const related = relation(fiber, token.owner);
    if (related === Relation.Attached) return related;
    result = related;
  }
  return result;
};

/**
 * How `fiber` relates to the open sections of `domain` in its context, without waiting: `0` none it holds, `1` one
 * it holds, `2` not known until the fiber that forked it has run on (then use `holdsSection`). @internal
 */
export const sectionRelation = (fiber: Fiber.Fiber<unknown, unknown>, domain: RcuDomain): 0 | 1 | 2 =>
  holds(fiber, currentSection(fiber), domain);

/** Resolves `Unsure` by letting the forking fiber run on (and observe its child) first. */
const settle = (check: (fiber: Fiber.Fiber<unknown, unknown>) => Relation): Effect.Effect<boolean> =>
  Effect.withFiber((fiber) => {
    const first = check(fiber);
    if (first !== Relation.Unsure) return Effect.succeed(first === Relation.Attached);
    return Effect.andThen(
      Effect.yieldNow,
      Effect.withFiber((again) => Effect.succeed(check(again) === Relation.Attached)),
    );
  });

/**
 * Whether the current fiber holds a read section of `domain`, its own or one inherited from a structured parent.
 * @internal
 */
export const holdsSection = (domain: RcuDomain): Effect.Effect<boolean> =>
  settle((fiber) => holds(fiber, currentSection(fiber), domain));

/** Whether the current fiber runs a deferred effect of `domain` (or is a structured child of one). @internal */
export const isDeferredFiber = (domain: RcuDomain): Effect.Effect<boolean> =>
  settle((fiber) => holds(fiber, fiber.getRef(CurrentDeferred), domain));

/** Whether an open section of `domain` is in `fiber`'s context (owned or inherited, attached or not). @internal */
export const sectionOpenIn = (fiber: Fiber.Fiber<unknown, unknown>, domain: RcuDomain): boolean => {
  for (let token = currentSection(fiber); token !== undefined; token = token.prev) {
    if (token.open && token.domain === domain) return true;
  }
  return false;
};

// ---------------------------------------------------------------------------------------------------------------
// Running effects from core callbacks.

const alreadyLogged = Symbol.for("@rcu/effect/alreadyLogged");

/** Whether `error` is a deferred-effect failure that `runDeferred` already logged. @internal */
export const isAlreadyLogged = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[alreadyLogged] === true;

/**
 * Runs `effect` (already scoped, needing only `context`) on a new fiber, synchronously up to its first async
 * boundary. When the fiber finishes within that synchronous run (a release made of synchronous finalizers, the
 * common case) the result is plain: `undefined` for a success, so core has no promise to follow and no settle
 * timer to arm. Otherwise a promise that resolves when the fiber succeeds. A failure either way is logged (with
 * `message` and the cause, through Effect's logger) and becomes a rejected promise whose error, marked as logged,
 * has the squashed failure as its `cause`. @internal
 */
export const runDeferred = <R>(
  context: Context.Context<R>,
  domain: RcuDomain,
  effect: Effect.Effect<unknown, unknown, R>,
  message: string,
): Promise<void> | undefined => {
  const program = Effect.withFiber((fiber) => {
    const token: Token = { domain, owner: fiber, prev: fiber.getRef(CurrentDeferred), open: true };
    return Effect.provideService(effect, CurrentDeferred, token).pipe(
      Effect.ensuring(Effect.sync(() => (token.open = false))),
    );
  }).pipe(
    Effect.asVoid,
    Effect.tapCause((cause) => Effect.logError(message, cause).pipe(Effect.annotateLogs({ rcuDomain: domain.name }))),
  );
  const fiber = Effect.runForkWith(context)(program);
  const exit = fiber.pollUnsafe();
  if (exit !== undefined) return exit._tag === "Success" ? undefined : Promise.reject(loggedFailure(message, exit));
  return new Promise<void>((resolve, reject) => {
    fiber.addObserver((exit) => (exit._tag === "Success" ? resolve() : reject(loggedFailure(message, exit))));
  });
};

/** The error core receives for a deferred effect that failed (already logged by `runDeferred`). */
const loggedFailure = (message: string, exit: Exit.Failure<unknown, unknown>): Error => {
  const error = new Error(`${message}: ${Cause.pretty(exit.cause)}`, { cause: Cause.squash(exit.cause) });
  Object.defineProperty(error, alreadyLogged, { value: true });
  return error;
};

// ---------------------------------------------------------------------------------------------------------------
// Closing scopes on a manual domain.

/** How many event-loop turns a close on a manual domain advances grace periods before it gives up. */
const manualTurns = 1_000;

/** Whether `domain` is a manual test domain (its grace periods end only when something advances them). @internal */
export const isManualDomain = (domain: RcuDomain): domain is ManualDomain =>
  domainCapabilities(domain).manualGracePeriods && typeof (domain as Partial<ManualDomain>).advance === "function";

const realTurn: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)));

/**
 * Waits for `wait` to settle. On a manual domain, where nothing else ends grace periods once a test body has
 * finished, advances one grace period per macrotask turn meanwhile, and fails with `STALL` after a bounded number
 * of turns (a read section that never ends: a leaked reader). @internal
 */
export const awaitDriving = (
  domain: RcuDomain,
  wait: () => PromiseLike<void>,
  what: string,
): Effect.Effect<void, RcuError<"STALL">> =>
  Effect.suspend(() => {
    if (!isManualDomain(domain)) return Effect.promise(wait);
    const manual = domain;
    let settled = false;
    let failure: unknown;
    Promise.resolve(wait()).then(
      () => void (settled = true),
      (error: unknown) => {
        settled = true;
        failure = error;
      },
    );
    const step = (turn: number): Effect.Effect<void, RcuError<"STALL">> => {
      if (settled) return failure === undefined ? Effect.void : Effect.die(failure);
      if (turn === manualTurns) {
        return Effect.fail(
          rcuError(
            "STALL",
            `${what}: the manual domain '${domain.name}' could not end a grace period in ${manualTurns} event-loop ` +
              `turns, so a read section is still open (${domain.stats().readers} reader(s)): a fiber inside ` +
              `Rcu.read/Rcu.readScoped that never finished, or a readLock() never unlocked. End or interrupt it ` +
              `before the scope closes.`,
          ),
        );
      }
      manual.advance();
      return settled
        ? step(turn)
        : Effect.andThen(
            realTurn,
            Effect.suspend(() => step(turn + 1)),
          );
    };
    return step(0);
  });
