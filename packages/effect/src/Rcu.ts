/**
 * `Rcu`: the RCU service of `@rcu/effect` and its operations.
 *
 * How it works: the service holds one `@rcu/core` domain. `Rcu.read` enters a core read section (a `readLock()`
 * guard) in an uninterruptible acquire and leaves it in the release of `Effect.acquireUseRelease`, so the section
 * lasts exactly as long as the effect, whether it succeeds, fails or is interrupted. Waiting operations
 * (`synchronize`, `barrier`) wrap core promises; interrupting the fiber aborts the `AbortSignal` handed to core.
 * `Rcu.defer` queues a core callback that runs the effect (with the context of the caller, in a fresh scope) after
 * a grace period; core's `barrier()` and `close()` wait for that run, so closing a layer waits for everything
 * deferred. `Rcu.acquireRelease` registers a finalizer that waits for a grace period and then releases, all inside
 * the scope's close.
 *
 * Because an Effect read section can span async boundaries, the domain must be `'srcu'` (or the manual test
 * domain); the layers reject `'loop'` and `'shared'` domains with `ASYNC_SECTION`.
 *
 * @since 0.1.0
 */
import { createDomain, domainCapabilities, type DomainOptions, type RcuDomain, type RcuError as CoreRcuError } from "@rcu/core";
import { createManualDomain, type ManualDomain } from "@rcu/core/testing";
import { Context, Effect, Layer, type Exit, type Fiber, type Scope } from "effect";
import {
  attempt,
  attemptPromise,
  enterSection,
  holdsSection,
  isAlreadyLogged,
  isDeferredFiber,
  rcuError,
  runDeferred,
} from "./internal/core.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";

/**
 * Options of `Rcu.layer`: core's `DomainOptions`, with the flavour limited to `'srcu'` (the default), because an
 * Effect read section may span async boundaries. Without `onError`, core's reports (stalls, failed deferred
 * work) go to Effect's logger.
 *
 * @example
 * ```ts
 * import { Rcu } from "@rcu/effect"
 *
 * const RcuLive = Rcu.layer({ name: "config", stallTimeoutMs: 5_000 })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Omit<DomainOptions, "flavor"> {
  /** Only `'srcu'`: sections may span `await`s and fiber yields. */
  readonly flavor?: "srcu";
}

const checkFlavor = (where: string, domain: RcuDomain): Effect.Effect<void, RcuError> =>
  domainCapabilities(domain).asyncSections
    ? Effect.void
    : Effect.fail(
        rcuError(
          "ASYNC_SECTION",
          `${where}: an Effect read section may span async boundaries, but a '${domain.flavor}' domain only allows ` +
            `synchronous readers. Use flavor 'srcu' (the default of Rcu.layer), or pass an 'srcu' domain to ` +
            `Rcu.layerFrom.`,
        ),
      );

const closeDomain = (domain: RcuDomain, where: string): Effect.Effect<void> =>
  attemptPromise(() => domain.close()).pipe(
    Effect.catchCause((cause) =>
      Effect.logError(`${where}: closing the RCU domain failed`, cause).pipe(
        Effect.annotateLogs({ rcuDomain: domain.name }),
      ),
    ),
  );

/**
 * Closes a manual domain from a layer's finalizer. Nobody else will end its grace periods once the test body is
 * done, so this advances them (one per macrotask turn) until the close, which drains the deferred work, returns.
 */
const closeManualDomain = (domain: ManualDomain): Effect.Effect<void> =>
  attemptPromise(async () => {
    let closed = false;
    const closing = domain.close();
    closing.then(
      () => (closed = true),
      () => (closed = true),
    );
    while (!closed) {
      domain.advance();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await closing;
  }).pipe(
    Effect.catchCause((cause) =>
      Effect.logError("Rcu.layerManual: closing the RCU domain failed", cause).pipe(
        Effect.annotateLogs({ rcuDomain: domain.name }),
      ),
    ),
  );

/** Core's reports, sent to Effect's logger (failures the deferred runner already logged are skipped). */
const logReports =
  (context: Context.Context<never>) =>
  (error: unknown): void => {
    const report = error as Partial<CoreRcuError>;
    if (isAlreadyLogged(report.cause)) return;
    const warning = report.code === "STALL" || report.code === "SETTLE_TIMEOUT";
    const log = warning ? Effect.logWarning("@rcu/core reported", error) : Effect.logError("@rcu/core reported", error);
    Effect.runForkWith(context)(log);
  };

/** Enters a core read section for `fiber`; succeeds with the function that leaves it. */
const enterRead = (fiber: Fiber.Fiber<unknown, unknown>, domain: RcuDomain): Effect.Effect<() => void> =>
  Effect.sync(() => {
    const guard = domain.readLock();
    const leave = enterSection(fiber, domain);
    return () => {
      leave();
      guard.unlock();
    };
  });

const readOn = <A, E, R>(domain: RcuDomain, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    Effect.acquireUseRelease(
      enterRead(fiber, domain),
      () => self,
      (leave) => Effect.sync(leave),
    ),
  );

const readScopedOn = (domain: RcuDomain): Effect.Effect<void, never, Scope.Scope> =>
  Effect.withFiber((fiber) =>
    Effect.asVoid(
      Effect.acquireRelease(
        enterRead(fiber, domain),
        (leave) => Effect.sync(leave),
      ),
    ),
  );

const selfDeadlock = (what: string): RcuError =>
  rcuError(
    "SELF_DEADLOCK",
    `${what} inside a read section of the same domain, held by this fiber: the grace period would wait for this ` +
      `very section. Move the call outside Rcu.read/Rcu.readScoped, or use Rcu.defer to run work after the ` +
      `grace period without waiting.`,
  );

const synchronizeOn = (domain: RcuDomain): Effect.Effect<void, RcuError> =>
  Effect.withFiber((fiber) =>
    holdsSection(fiber, domain)
      ? Effect.fail(selfDeadlock("Rcu.synchronize"))
      : attemptPromise((signal) => domain.synchronize({ signal })),
  );

const barrierOn = (domain: RcuDomain): Effect.Effect<void, RcuError> =>
  Effect.withFiber((fiber) => {
    if (isDeferredFiber(fiber, domain)) {
      return Effect.fail(
        rcuError(
          "INSIDE_CALLBACK",
          "Rcu.barrier from inside a deferred effect of the same domain: the barrier would wait for this very " +
            "effect. Call it from outside the deferred work.",
        ),
      );
    }
    if (holdsSection(fiber, domain)) return Effect.fail(selfDeadlock("Rcu.barrier"));
    return attemptPromise((signal) => domain.barrier({ signal }));
  });

const deferOn = <R>(
  domain: RcuDomain,
  context: Context.Context<R>,
  effect: Effect.Effect<unknown, unknown, R>,
  message: string,
): Effect.Effect<void, RcuError> =>
  attempt(() => domain.defer(() => runDeferred(context, domain, effect, message)));

/** Waits for a grace period, then runs `release`. Never fails: a failed wait is logged and `release` still runs. */
const releaseAfterGracePeriod = <R>(
  domain: RcuDomain,
  release: Effect.Effect<unknown, never, R>,
): Effect.Effect<void, never, R> =>
  Effect.withFiber((fiber) => {
    if (holdsSection(fiber, domain)) {
      // Waiting here would wait for our own section: hand the release to the domain instead.
      return Effect.context<R>().pipe(
        Effect.flatMap((context) =>
          deferOn(domain, context, release, "Rcu.acquireRelease: a deferred release failed"),
        ),
        Effect.andThen(
          Effect.logWarning(
            "Rcu.acquireRelease: the scope closed inside a read section of the same domain held by this fiber; " +
              "waiting for the grace period there would deadlock, so the release runs after it on the domain's " +
              "deferred queue instead (Rcu.barrier waits for it).",
          ),
        ),
        Effect.catch((error) =>
          Effect.logWarning("Rcu.acquireRelease: could not defer the release, running it now", error).pipe(
            Effect.andThen(release),
          ),
        ),
        Effect.asVoid,
      );
    }
    return attemptPromise(() => domain.synchronize()).pipe(
      Effect.catch((error) =>
        Effect.logWarning("Rcu.acquireRelease: waiting for a grace period failed; releasing anyway", error),
      ),
      Effect.andThen(release),
      Effect.asVoid,
    );
  });

/**
 * The RCU service: one `@rcu/core` domain whose grace periods the operations below wait for. Provide it with
 * `Rcu.layer` (a new `'srcu'` domain owned by the layer), `Rcu.layerFrom` (a domain you own) or `Rcu.layerManual`
 * (tests).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu } from "@rcu/effect"
 *
 * const program = Effect.gen(function*() {
 *   const { domain } = yield* Rcu
 *   return domain.stats().gracePeriodsCompleted
 * }).pipe(Effect.provide(Rcu.layer()))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class Rcu extends Context.Service<
  Rcu,
  {
    /** The core domain. Its flavour is `'srcu'` or `'manual'`. */
    readonly domain: RcuDomain;
  }
>()("@rcu/effect/Rcu") {
  /**
   * A layer that creates an `'srcu'` domain and closes it when the layer's scope closes. Closing waits for
   * everything deferred on the domain (`Rcu.defer`, `Rcu.retire`, `RcuRef` releases). Fails with `RcuError`
   * `ASYNC_SECTION` for a `'loop'` flavour and `INVALID_OPTION` for an option core rejects.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const main = Rcu.synchronize.pipe(Effect.provide(Rcu.layer({ name: "app" })))
   * ```
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layer = (options: LayerOptions = {}): Layer.Layer<Rcu, RcuError> =>
    Layer.effect(
      Rcu,
      Effect.gen(function* () {
        const context = yield* Effect.context<never>();
        const domain = yield* Effect.acquireRelease(
          attempt(() =>
            createDomain({ onError: logReports(context), ...options, flavor: options.flavor ?? "srcu" }),
          ),
          (domain) => closeDomain(domain, "Rcu.layer"),
        );
        yield* checkFlavor("Rcu.layer", domain);
        return Rcu.of({ domain });
      }),
    );

  /**
   * A layer over a domain you created and close yourself (this layer never closes it). Fails with `RcuError`
   * `ASYNC_SECTION` unless the domain's flavour is `'srcu'` or `'manual'`.
   *
   * @example
   * ```ts
   * import { createDomain } from "@rcu/core"
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const domain = createDomain({ flavor: "srcu" })
   * const main = Rcu.synchronize.pipe(Effect.provide(Rcu.layerFrom(domain)))
   * ```
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerFrom = (domain: RcuDomain): Layer.Layer<Rcu, RcuError> =>
    Layer.effect(
      Rcu,
      Effect.as(checkFlavor("Rcu.layerFrom", domain), Rcu.of({ domain })),
    );

  /**
   * A layer for tests: a fresh `createManualDomain()` provided as `Rcu` and as `RcuManual`, whose
   * `startGracePeriod`/`endGracePeriod`/`advance` drive its grace periods (deferred work runs inside them). The
   * domain is closed with the layer; since nobody else ends its grace periods then, the close advances them
   * until everything deferred has run.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu, RcuManual } from "@rcu/effect"
   *
   * const test = Effect.gen(function*() {
   *   yield* Rcu.defer(Effect.log("after a grace period"))
   *   yield* RcuManual.advance
   * }).pipe(Effect.provide(Rcu.layerManual))
   * ```
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerManual: Layer.Layer<Rcu | RcuManual> = Layer.effectContext(
    Effect.acquireRelease(
      Effect.map(Effect.context<never>(), (context) =>
        createManualDomain({ name: "rcu-effect-manual", onError: logReports(context) }),
      ),
      closeManualDomain,
    ).pipe(
      Effect.map((domain) =>
        Context.make(Rcu, Rcu.of({ domain })).pipe(Context.add(RcuManual, RcuManual.fromDomain(domain))),
      ),
    ),
  );

  /**
   * Runs `self` inside a read section: a grace period that starts while `self` runs does not end until `self`
   * has finished. The section is left however `self` ends — success, failure or interruption. Entering never
   * fails.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu, RcuRef } from "@rcu/effect"
   *
   * declare const config: RcuRef.RcuRef<{ readonly port: number }>
   *
   * const handle = Rcu.read(Effect.scoped(Effect.map(RcuRef.get(config), (c) => c.port)))
   * ```
   *
   * @since 0.1.0
   * @category read sections
   */
  static readonly read = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Rcu> =>
    Effect.flatMap(Effect.service(Rcu), ({ domain }) => readOn(domain, self));

  /**
   * Enters a read section that lasts until the current `Scope` closes.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const program = Effect.scoped(
   *   Effect.gen(function*() {
   *     yield* Rcu.readScoped
   *     // ... everything until the scope closes is inside the section
   *   })
   * )
   * ```
   *
   * @since 0.1.0
   * @category read sections
   */
  static readonly readScoped: Effect.Effect<void, never, Rcu | Scope.Scope> = Effect.flatMap(
    Effect.service(Rcu),
    ({ domain }) => readScopedOn(domain),
  );

  /**
   * Waits for a full grace period: every read section open now has ended when it succeeds. Interrupting the
   * fiber aborts the wait in core. Fails with `SELF_DEADLOCK` when this fiber holds a read section of the same
   * domain, and `CLOSED` when the domain has closed. Gotcha: only the fiber that entered a section is checked; a
   * child fiber that synchronizes while its parent waits for it inside a section still deadlocks.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * declare const unpublish: Effect.Effect<void>
   * declare const free: Effect.Effect<void>
   *
   * const replace = unpublish.pipe(Effect.andThen(Rcu.synchronize), Effect.andThen(free))
   * ```
   *
   * @since 0.1.0
   * @category grace periods
   */
  static readonly synchronize: Effect.Effect<void, RcuError, Rcu> = Effect.flatMap(
    Effect.service(Rcu),
    ({ domain }) => synchronizeOn(domain),
  );

  /**
   * Waits until everything deferred on the domain before this call (`Rcu.defer`, `Rcu.retire`, `RcuRef`
   * releases) has run and settled. Fails with `INSIDE_CALLBACK` from inside a deferred effect of the same
   * domain, `SELF_DEADLOCK` inside this fiber's own read section.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const flushed = Rcu.defer(Effect.log("released")).pipe(Effect.andThen(Rcu.barrier))
   * ```
   *
   * @since 0.1.0
   * @category grace periods
   */
  static readonly barrier: Effect.Effect<void, RcuError, Rcu> = Effect.flatMap(Effect.service(Rcu), ({ domain }) =>
    barrierOn(domain),
  );

  /**
   * Runs `effect` after a grace period that starts after this call (`call_rcu`), in a fresh scope and with the
   * caller's context (services, logger, clock). Returns at once. A failure of `effect` is logged through Effect's
   * logger and reported to the domain's `onError` (code `CALLBACK_FAILED`), never lost. `Rcu.barrier` and the
   * close of the domain wait for it. Fails with `CLOSED` when the domain is closing.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * declare const oldConnection: { close(): Promise<void> }
   *
   * const retireOld = Rcu.defer(Effect.promise(() => oldConnection.close()))
   * ```
   *
   * @since 0.1.0
   * @category grace periods
   */
  static readonly defer = <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<void, RcuError, Rcu | Exclude<R, Scope.Scope>> =>
    Effect.flatMap(Effect.context<Rcu | Exclude<R, Scope.Scope>>(), (context) =>
      deferOn(
        Context.get(context, Rcu).domain,
        context,
        Effect.scoped(effect),
        "Rcu.defer: a deferred effect failed",
      ),
    );

  /**
   * Disposes `resource` (`Symbol.asyncDispose`, else `Symbol.dispose`) after a grace period. Like `defer`, a
   * failure is reported, and `Rcu.barrier` waits for it.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const buffer = { data: new Uint8Array(1024), [Symbol.dispose]() { this.data = new Uint8Array(0) } }
   * const program = Rcu.retire(buffer)
   * ```
   *
   * @since 0.1.0
   * @category grace periods
   */
  static readonly retire = (resource: Disposable | AsyncDisposable): Effect.Effect<void, RcuError, Rcu> =>
    Effect.flatMap(Effect.service(Rcu), ({ domain }) => attempt(() => domain.retire(resource)));

  /**
   * `Effect.acquireRelease` whose release waits for a grace period: when the scope closes, its finalizer waits
   * until every read section open at that moment has ended, then runs `release`. Structured: the scope's close
   * returns after `release`. Finalizers run in reverse order, as with `Effect.acquireRelease`. If the scope
   * closes inside a read section of the same domain held by the closing fiber, waiting would deadlock, so the
   * release is deferred instead (with a warning).
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * declare const open: Effect.Effect<{ close(): void }>
   *
   * const connection = Rcu.acquireRelease(open, (c) => Effect.sync(() => c.close()))
   * ```
   *
   * @since 0.1.0
   * @category resources
   */
  static readonly acquireRelease = <A, E, R, R2>(
    acquire: Effect.Effect<A, E, R>,
    release: (a: A, exit: Exit.Exit<unknown, unknown>) => Effect.Effect<unknown, never, R2>,
  ): Effect.Effect<A, E, R | R2 | Rcu | Scope.Scope> =>
    Effect.flatMap(Effect.service(Rcu), ({ domain }) =>
      Effect.acquireRelease(acquire, (a, exit) => releaseAfterGracePeriod(domain, release(a, exit))),
    );
}
