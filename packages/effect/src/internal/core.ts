/**
 * Internal glue between Effect and `@rcu/core`.
 *
 * How it works:
 * - `mapCoreError` turns core's `RcuError` into the tagged `RcuError`; `attempt`/`attemptPromise` run a core call
 *   and put core errors in the error channel (anything else is a defect).
 * - A per-fiber registry counts the read sections each fiber holds on each domain. A fiber that waits for a grace
 *   period of a domain it is itself reading would wait forever (an `srcu` grace period waits for that very
 *   section), so `synchronize`/`barrier` fail with `SELF_DEADLOCK` instead. Fibers running a deferred effect are
 *   registered too, so `barrier` from inside one fails with `INSIDE_CALLBACK` instead of waiting for itself.
 * - `runDeferred` runs an effect from a core callback: it logs a failure through Effect's logger (the context
 *   captured when the work was queued, so the user's logger and annotations apply) and then rejects with an
 *   error marked as already logged, so core reports it (`CALLBACK_FAILED` to `onError`) without logging twice.
 */
import { isRcuError as isCoreRcuError, type RcuDomain } from "@rcu/core";
import { Cause, Effect, type Context, type Fiber } from "effect";
import { RcuError } from "../RcuError.js";

/** @internal */
export const mapCoreError = (error: unknown): RcuError | undefined =>
  isCoreRcuError(error) ? new RcuError({ code: error.code, message: error.message, cause: error }) : undefined;

/** Runs a synchronous core call; core's errors fail the effect, anything else is a defect. @internal */
export const attempt = <A>(f: () => A): Effect.Effect<A, RcuError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f());
    } catch (error) {
      const mapped = mapCoreError(error);
      return mapped ? Effect.fail(mapped) : Effect.die(error);
    }
  });

/** Runs a promise-returning core call; interrupting the fiber aborts the signal handed to core. @internal */
export const attemptPromise = <A>(f: (signal: AbortSignal) => PromiseLike<A>): Effect.Effect<A, RcuError> =>
  Effect.tryPromise({ try: f, catch: (error) => error }).pipe(
    Effect.catch((error) => {
      const mapped = mapCoreError(error);
      return mapped ? Effect.fail(mapped) : Effect.die(error);
    }),
  );

/** @internal */
export const rcuError = (code: RcuError["code"], message: string): RcuError => new RcuError({ code, message });

// ---------------------------------------------------------------------------------------------------------------
// Which fibers are inside a read section (or a deferred effect) of which domain.

type FiberKey = Fiber.Fiber<unknown, unknown>;
const sections = new WeakMap<FiberKey, Map<RcuDomain, number>>();
const deferredFibers = new WeakMap<FiberKey, RcuDomain>();

/** Counts one read section of `domain` held by `fiber`; returns the matching release. @internal */
export const enterSection = (fiber: FiberKey, domain: RcuDomain): (() => void) => {
  let byDomain = sections.get(fiber);
  if (byDomain === undefined) sections.set(fiber, (byDomain = new Map<RcuDomain, number>()));
  byDomain.set(domain, (byDomain.get(domain) ?? 0) + 1);
  const held = byDomain;
  return () => {
    const n = (held.get(domain) ?? 1) - 1;
    if (n === 0) held.delete(domain);
    else held.set(domain, n);
  };
};

/** Whether `fiber` holds a read section of `domain` right now. @internal */
export const holdsSection = (fiber: FiberKey, domain: RcuDomain): boolean =>
  (sections.get(fiber)?.get(domain) ?? 0) > 0;

/** Whether `fiber` is running a deferred effect of `domain`. @internal */
export const isDeferredFiber = (fiber: FiberKey, domain: RcuDomain): boolean => deferredFibers.get(fiber) === domain;

// ---------------------------------------------------------------------------------------------------------------
// Running effects from core callbacks.

const alreadyLogged = Symbol.for("@rcu/effect/alreadyLogged");

/** Whether `error` is a deferred-effect failure that `runDeferred` already logged. @internal */
export const isAlreadyLogged = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[alreadyLogged] === true;

/**
 * Runs `effect` (already scoped, needing only `context`) on a new fiber, synchronously up to its first async
 * boundary. Resolves when it succeeds; on failure logs `message` with the cause through Effect's logger and
 * rejects with an error (marked as logged) whose `cause` is the squashed failure. @internal
 */
export const runDeferred = <R>(
  context: Context.Context<R>,
  domain: RcuDomain,
  effect: Effect.Effect<unknown, unknown, R>,
  message: string,
): Promise<void> => {
  const program = Effect.withFiber((fiber) => {
    deferredFibers.set(fiber, domain);
    return effect;
  }).pipe(
    Effect.asVoid,
    Effect.tapCause((cause) =>
      Effect.logError(message, cause).pipe(Effect.annotateLogs({ rcuDomain: domain.name })),
    ),
  );
  return Effect.runPromiseExitWith(context)(program).then((exit) => {
    if (exit._tag === "Success") return;
    const error = new Error(`${message}: ${Cause.pretty(exit.cause)}`, { cause: Cause.squash(exit.cause) });
    Object.defineProperty(error, alreadyLogged, { value: true });
    throw error;
  });
};
