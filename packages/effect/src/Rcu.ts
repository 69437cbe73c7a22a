/**
 * `Rcu`: the RCU service of `@rcu/effect` and its operations.
 *
 * How it works: the service holds one `@rcu/core` domain. `Rcu.read` installs an exit hook, then enters a core read
 * section (a `readLock()` guard) and adds its token to the fiber's context; the hook leaves it and restores the
 * context, so the section lasts exactly as long as the effect, whether it succeeds, fails or is interrupted.
 * Waiting operations (`synchronize`, `barrier`) wrap core promises; interrupting the fiber aborts the `AbortSignal`
 * handed to core. `Rcu.defer` queues a core callback that runs the effect (with the context of the caller, in a
 * fresh scope) after a grace period; core's `barrier()` and `close()` wait for that run, so closing a layer waits
 * for everything deferred. `Rcu.acquireRelease` registers a finalizer that waits for a grace period and then releases, all inside
 * the scope's close.
 *
 * Because an Effect read section can span async boundaries, the domain must be `'srcu'` (or the manual test
 * domain); the layers reject `'loop'` and `'shared'` domains with `ASYNC_SECTION`.
 *
 * Why this file is over 400 lines: it is one Effect-style module (as Effect's own `RcRef.ts` or `Pool.ts`): the
 * public functions of the `Rcu` service with their JSDoc, most of the length; the machinery shared with the other modules
 * lives in `internal/`.
 *
 * @since 0.1.0
 */
import {
  createDomain,
  describeValue,
  domainCapabilities,
  type DomainOptions,
  type ReadGuard,
  type RcuDomain,
  type RcuError as CoreRcuError,
} from "@rcu/core";
import { createManualDomain, type ManualDomain } from "@rcu/core/testing";
import { Context, Effect, Layer, Scope as ScopeModule, type Exit, type Fiber, type Scope } from "effect";
import {
  attempt,
  attemptPromise,
  awaitDriving,
  currentSection,
  holdsSection,
  isAlreadyLogged,
  isDeferredFiber,
  isManualDomain,
  rcuError,
  sectionRelation,
  runDeferred,
  type Token,
} from "./internal/core.js";
import { isEffect } from "./internal/options.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import { RcuSection } from "./RcuSection.js";

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

const domainMethods = ["readLock", "synchronize", "defer", "barrier", "close", "stats"] as const;

/** Rejects what is not a core domain (a hand-made object, `null`) before its flavour is even looked at. */
const checkDomain = (where: string, domain: unknown): Effect.Effect<RcuDomain, RcuError<"INVALID_OPTION">> => {
  const candidate = domain as Partial<Record<string, unknown>> | null | undefined;
  let missing: string;
  try {
    missing =
      typeof candidate !== "object" || candidate === null
        ? "it is not an object"
        : typeof candidate.flavor !== "string"
          ? "it has no 'flavor'"
          : domainMethods
              .filter((name) => typeof candidate[name] !== "function")
              .map((name) => `${name}()`)
              .join(", ");
    // The shape is not enough: the flavour check asks core, which knows only the domains it made.
    if (missing === "") domainCapabilities(domain as RcuDomain);
  } catch {
    missing = "it is not a domain created by this copy of @rcu/core (a hand-made object, a proxy, another copy)";
  }
  return missing === ""
    ? Effect.succeed(domain as RcuDomain)
    : Effect.fail(
        rcuError(
          "INVALID_OPTION",
          `${where}: expected an RcuDomain from createDomain() (flavor 'srcu') or createManualDomain(), but ` +
            `${missing.startsWith("it ") ? missing : `it lacks ${missing}`}.`,
        ),
      );
};

/**
 * Rejects options that are not an object (`null`, a number) with a coded error instead of a `TypeError`, and reads
 * them once into a plain copy, so a revoked proxy or a throwing getter is a coded error too, not a defect.
 */
const checkOptions = (where: string, options: unknown): Effect.Effect<LayerOptions, RcuError<"INVALID_OPTION">> =>
  options === undefined
    ? Effect.succeed({})
    : typeof options === "object" && options !== null
      ? Effect.suspend(() => {
          try {
            return Effect.succeed<LayerOptions>({ ...options });
          } catch (err) {
            return Effect.fail(
              rcuError(
                "INVALID_OPTION",
                `${where}: the options object could not be read (${describeValue(err)}); pass a plain object.`,
              ),
            );
          }
        })
      : Effect.fail(
          rcuError(
            "INVALID_OPTION",
            `${where}: options must be an object (or omitted), got ${options === null ? "null" : typeof options}.`,
          ),
        );

/** Effect sections may span async boundaries, so the domain must declare that capability (`srcu`, manual). */
const checkFlavor = (where: string, domain: RcuDomain): Effect.Effect<void, RcuError<"ASYNC_SECTION">> =>
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
 * done, so this advances them (one per macrotask turn) until the close, which drains the deferred work, returns;
 * a reader that never leaves makes it fail with `STALL` after a bound instead of spinning.
 */
const closeManualDomain = (domain: ManualDomain): Effect.Effect<void> =>
  awaitDriving(domain, () => domain.close(), "Rcu.layerManual: closing the domain").pipe(
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

/** An open read section: its token (the `RcuSection` service value) and the core guard it holds. */
class Section implements Token {
  open = true;
  constructor(
    readonly domain: RcuDomain,
    readonly owner: Fiber.Fiber<unknown, unknown>,
    readonly prev: Token | undefined,
    readonly guard: ReadGuard,
    /** The owner's context before the section was added to it (restored on exit by `Rcu.read`). */
    readonly before: Context.Context<never>,
  ) {}
  leave(): void {
    if (!this.open) return;
    this.open = false;
    this.guard.unlock();
  }
  /** Leaves the section and gives the owner back the context it had before (as `Effect.provideService` does). */
  exit(): undefined {
    this.leave();
    if (this.owner.context !== this.before) this.owner.setContext(this.before);
    return undefined;
  }
}

/** Enters a core read section for `fiber`, nested in `prev` (the innermost section already in its context). */
const enterRead = (fiber: Fiber.Fiber<unknown, unknown>, domain: RcuDomain, prev: Token | undefined): Section =>
  new Section(domain, fiber, prev, domain.readLock(), fiber.context);

const leaveSection = (section: Section) => Effect.sync(() => section.leave());

/** How many idle frames one `Rcu.read` effect keeps for reuse (its usual number of fibers inside it at once). */
const maxIdleFrames = 64;

/** One `Rcu.read` effect: its body, its idle frames, and what it last looked up in a context. */
class ReadEffect {
  readonly idle: Array<Frame> = [];
  lastContext: Context.Context<never> | undefined = undefined;
  lastDomain: RcuDomain | undefined = undefined;
  lastPrev: Token | undefined = undefined;
  constructor(readonly self: Effect.Effect<unknown, unknown>) {}
}

/** One run of a `ReadEffect`: the section it entered (until its exit hook leaves it). */
class Frame {
  section: Section | undefined = undefined;
  readonly run: Effect.Effect<unknown, unknown>;
  constructor(readonly read: ReadEffect) {
    this.run = Effect.onExitPrimitive(
      Effect.withFiber((fiber) => this.enter(fiber)),
      () => this.exit(),
    );
  }
  enter(fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<unknown, unknown> {
    const read = this.read;
    const context = fiber.context;
    if (context !== read.lastContext) {
      read.lastDomain = Context.get(context as Context.Context<Rcu>, Rcu).domain;
      read.lastPrev = currentSection(fiber);
      read.lastContext = context;
    }
    const section = (this.section = enterRead(fiber, read.lastDomain!, read.lastPrev));
    fiber.setContext(Context.add(context, RcuSection, section));
    return read.self;
  }
  exit(): undefined {
    const section = this.section;
    if (section !== undefined) {
      this.section = undefined;
      section.exit();
    }
    const idle = this.read.idle;
    if (idle.length < maxIdleFrames) idle.push(this);
    return undefined;
  }
}

/**
 * A read section around `self`, on the domain of the `Rcu` service in the fiber's context: three run-loop steps
 * around `self` (the per-run state, the exit hook, the entry). The exit hook (`onExitPrimitive`: its finalizer is
 * plain synchronous code that returns no effect, so leaving costs no further step) is in place before the section
 * is entered, so an interruption at any point, even while the fiber yields between the two, leaves it exactly
 * once, and one that lands before the entry leaves nothing. The hook keeps the default uninterruptible finalizer:
 * an interruptible one is skipped when the fiber is interrupted.
 *
 * The per-run state is a `Frame`: the hook and the entry built once around one mutable slot for the section. A
 * frame serves one run at a time; its hook gives it back to its effect's idle list, and the next run (on any
 * fiber) takes it from there instead of building a new one. A run interrupted before its hook was installed just
 * drops its frame. Contexts are immutable, so the domain and the enclosing section read from the last context a
 * section was entered from are kept with it: a loop (or sibling fibers) entering from the same context skips both
 * lookups. `ReadEffect` and `Frame` are module-level classes, so every `Rcu.read` effect shares their shapes
 * and the run loop's calls into them stay monomorphic however many read effects a program builds.
 */
const readIn = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, RcuSection> | Rcu> => {
  const read = new ReadEffect(self as Effect.Effect<unknown, unknown>);
  return Effect.suspend(() => (read.idle.pop() ?? new Frame(read)).run) as Effect.Effect<
    A,
    E,
    Exclude<R, RcuSection> | Rcu
  >;
};

const readScopedOn = (domain: RcuDomain): Effect.Effect<RcuSection["Service"], never, Scope.Scope> =>
  Effect.uninterruptible(
    Effect.withFiber((fiber) => {
      const section = enterRead(fiber, domain, currentSection(fiber));
      // The rest of this fiber (until the enclosing `provide`/`scoped` restores its context) and every fiber it
      // forks see the section; once the scope closes the token is closed and no longer counts.
      fiber.setContext(Context.add(fiber.context, RcuSection, section));
      return Effect.as(
        Effect.addFinalizer(() => leaveSection(section)),
        section,
      );
    }),
  );

const selfDeadlock = (what: string): RcuError<"SELF_DEADLOCK"> =>
  rcuError(
    "SELF_DEADLOCK",
    `${what} inside a read section of the same domain, held by this fiber or inherited from the fiber that forked ` +
      `it (forkChild, Effect.all/forEach with concurrency, race, timeout): the grace period would wait for that ` +
      `very section, which waits for this fiber. Move the call outside Rcu.read/Rcu.readScoped, fork it with ` +
      `Effect.forkDetach, or use Rcu.defer to run work after the grace period without waiting.`,
  );

const synchronizeOn = (domain: RcuDomain): Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "CLOSED">> =>
  Effect.flatMap(holdsSection(domain), (held): Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "CLOSED">> =>
    held
      ? Effect.fail(selfDeadlock("Rcu.synchronize"))
      : attemptPromise<void, "CLOSED">((signal) => domain.synchronize({ signal })),
  );

const barrierOn = (domain: RcuDomain): Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "INSIDE_CALLBACK" | "CLOSED">> =>
  Effect.flatMap(
    isDeferredFiber(domain),
    (deferred): Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "INSIDE_CALLBACK" | "CLOSED">> =>
      deferred
        ? Effect.fail(
            rcuError(
              "INSIDE_CALLBACK",
              "Rcu.barrier from inside a deferred effect of the same domain (or a fiber it forked and awaits): the " +
                "barrier would wait for this very effect. Call it from outside the deferred work.",
            ),
          )
        : Effect.flatMap(holdsSection(domain), (held): Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "CLOSED">> =>
            held
              ? Effect.fail(selfDeadlock("Rcu.barrier"))
              : attemptPromise<void, "CLOSED">((signal) => domain.barrier({ signal })),
          ),
  );

const deferOn = <R>(
  domain: RcuDomain,
  context: Context.Context<R>,
  effect: Effect.Effect<unknown, unknown, R>,
  message: string,
): Effect.Effect<void, RcuError<"CLOSED">> =>
  attempt(() => domain.defer(() => runDeferred(context, domain, effect, message)));

/**
 * Waits for a grace period, then runs `release`; with no read section open on the domain at all, there is no
 * reader to wait for and `release` runs at once. Inside a read section of the domain (own or inherited) waiting
 * would deadlock, so the release goes to the domain's deferred queue instead and the scope closes at once. On a
 * manual domain the wait drives grace periods (a test's scope closes after its body) and dies with `STALL` when a
 * reader never leaves.
 */
const ScopeService = ScopeModule.Scope;

const releaseAfterGracePeriod = <R>(
  domain: RcuDomain,
  release: Effect.Effect<unknown, never, R>,
): Effect.Effect<unknown, never, R> =>
  Effect.withFiber((fiber) => {
    const relation = sectionRelation(fiber, domain);
    if (relation === 0) return waitThenRelease(domain, release);
    if (relation === 1) return deferRelease(domain, release);
    return Effect.flatMap(holdsSection(domain), (held) =>
      held ? deferRelease(domain, release) : waitThenRelease(domain, release),
    );
  });

/** Inside a section: the release goes to the domain's deferred queue, after the grace period. */
const deferRelease = <R>(domain: RcuDomain, release: Effect.Effect<unknown, never, R>): Effect.Effect<void, never, R> =>
  Effect.context<R>().pipe(
    Effect.flatMap((context) => deferOn(domain, context, release, "Rcu.acquireRelease: a deferred release failed")),
    Effect.catch((error) =>
      Effect.logWarning("Rcu.acquireRelease: could not defer the release, running it now", error).pipe(
        Effect.andThen(release),
      ),
    ),
    Effect.asVoid,
  );

const waitThenRelease = <R>(
  domain: RcuDomain,
  release: Effect.Effect<unknown, never, R>,
): Effect.Effect<unknown, never, R> => {
  // No read section open on the domain right now: none can hold the value, so the grace period that would cover
  // the sections open at this moment has nothing to wait for. (Not on a manual domain, whose tests step grace
  // periods themselves.)
  if (!isManualDomain(domain) && domain.stats().readers === 0) return release;
  return awaitDriving(domain, () => domain.synchronize(), "Rcu.acquireRelease").pipe(
    // The domain closed under us: nobody can read the value any more, release it.
    Effect.catchDefect((defect) =>
      Effect.logWarning("Rcu.acquireRelease: waiting for a grace period failed; releasing anyway", defect),
    ),
    // A reader that never leaves (manual domain): releasing would free a value it may hold.
    Effect.catch((stall) => Effect.die(stall)),
    Effect.andThen(release),
    Effect.asVoid,
  );
};

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
   * `ASYNC_SECTION` for a `'loop'` flavour and `INVALID_OPTION` for options that are not an object or an option
   * core rejects.
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
  static readonly layer = (options?: LayerOptions): Layer.Layer<Rcu, RcuError<"ASYNC_SECTION" | "INVALID_OPTION">> =>
    Layer.effect(
      Rcu,
      Effect.gen(function* () {
        const checked = yield* checkOptions("Rcu.layer", options);
        const context = yield* Effect.context<never>();
        const domain = yield* Effect.acquireRelease(
          attempt<RcuDomain, "INVALID_OPTION">(() =>
            createDomain({ onError: logReports(context), ...checked, flavor: checked.flavor ?? "srcu" }),
          ),
          (domain) => closeDomain(domain, "Rcu.layer"),
        );
        yield* checkFlavor("Rcu.layer", domain);
        return Rcu.of({ domain });
      }),
    );

  /**
   * A layer over a domain you created and close yourself (this layer never closes it). Fails with `RcuError`
   * `ASYNC_SECTION` unless the domain's flavour is `'srcu'` or `'manual'`, and `INVALID_OPTION` for a value that is
   * not a domain at all.
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
  static readonly layerFrom = (domain: RcuDomain): Layer.Layer<Rcu, RcuError<"ASYNC_SECTION" | "INVALID_OPTION">> =>
    Layer.effect(
      Rcu,
      Effect.flatMap(checkDomain("Rcu.layerFrom", domain), (checked) =>
        Effect.as(checkFlavor("Rcu.layerFrom", checked), Rcu.of({ domain: checked })),
      ),
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
   * **Details**
   *
   * `self` gets the `Rcu.Section` service, which borrow-free reads (`RcuRef.deref`) require. The section belongs to
   * the fiber's context: fibers that `self` forks as structured children (`Effect.forkChild`, `Effect.all` or
   * `Effect.forEach` with concurrency, `Effect.race`, `Effect.timeout`) inherit it, so inside them
   * `Rcu.synchronize`/`Rcu.barrier` fail at once with `SELF_DEADLOCK` and `Rcu.acquireRelease` releases are deferred
   * rather than awaited. A fiber forked with `Effect.forkDetach` that nobody awaits does not inherit it. Once the
   * section has ended, an inherited token no longer counts.
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
  static readonly read = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, RcuSection> | Rcu> =>
    readIn(self);

  /**
   * Enters a read section that lasts until the current `Scope` closes, and succeeds with its `Rcu.Section`. The
   * rest of the fiber (and the structured children it forks) run inside it, as with `Rcu.read`. To use
   * borrow-free reads after it, provide the returned section: `Effect.provideService(Rcu.Section, section)`.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const program = Effect.scoped(
   *   Effect.gen(function*() {
   *     const section = yield* Rcu.readScoped
   *     // ... everything until the scope closes is inside the section
   *     return section.open // true
   *   })
   * )
   * ```
   *
   * @since 0.1.0
   * @category read sections
   */
  static readonly readScoped: Effect.Effect<RcuSection["Service"], never, Rcu | Scope.Scope> = Effect.flatMap(
    Effect.service(Rcu),
    ({ domain }) => readScopedOn(domain),
  );

  /**
   * Waits for a full grace period: every read section open now has ended when it succeeds. Interrupting the
   * fiber aborts the wait in core. Fails at once with `SELF_DEADLOCK` when this fiber holds a read section of the
   * same domain, its own or inherited from a structured parent (see `Rcu.read`), and with `CLOSED` when the domain
   * has closed. Gotcha: a `forkDetach`ed fiber inherits no section; if its parent joins it inside a section and it
   * synchronizes, it still waits for that section.
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
  static readonly synchronize: Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "CLOSED">, Rcu> = Effect.flatMap(
    Effect.service(Rcu),
    ({ domain }) => synchronizeOn(domain),
  );

  /**
   * Waits until everything deferred on the domain before this call (`Rcu.defer`, `Rcu.retire`, `RcuRef`
   * releases) has run and settled. Fails with `INSIDE_CALLBACK` from inside a deferred effect of the same
   * domain (or from a structured child of one), `SELF_DEADLOCK` inside a read section this fiber holds or
   * inherited, `CLOSED` once the domain has closed.
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
  static readonly barrier: Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "INSIDE_CALLBACK" | "CLOSED">, Rcu> =
    Effect.flatMap(Effect.service(Rcu), ({ domain }) => barrierOn(domain));

  /**
   * Runs `effect` after a grace period that starts after this call (`call_rcu`), in a fresh scope and with the
   * caller's context (services, logger, clock). Returns at once. A failure of `effect` is logged through Effect's
   * logger and reported to the domain's `onError` (code `CALLBACK_FAILED`), never lost. `Rcu.barrier` and the
   * close of the domain wait for it. Fails with `CLOSED` when the domain is closing; dies with `RcuError`
   * `INVALID_OPTION` at once when `effect` is not an Effect (nothing is deferred).
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
  ): Effect.Effect<void, RcuError<"CLOSED">, Rcu | Exclude<R, Scope.Scope>> =>
    isEffect(effect)
      ? Effect.flatMap(Effect.context<Rcu | Exclude<R, Scope.Scope>>(), (context) =>
          deferOn(
            Context.get(context, Rcu).domain,
            context,
            Effect.scoped(effect),
            "Rcu.defer: a deferred effect failed",
          ),
        )
      : Effect.die(
          rcuError(
            "INVALID_OPTION",
            `Rcu.defer(effect): expected an Effect to run after a grace period, got ${describeValue(effect)}.`,
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
  static readonly retire = (
    resource: Disposable | AsyncDisposable,
  ): Effect.Effect<void, RcuError<"CLOSED" | "DOUBLE_RETIRE">, Rcu> =>
    Effect.flatMap(Effect.service(Rcu), ({ domain }) =>
      attempt<void, "CLOSED" | "DOUBLE_RETIRE">(() => domain.retire(resource)),
    );

  /**
   * `Effect.acquireRelease` whose release waits for a grace period: when the scope closes, its finalizer waits
   * until every read section open at that moment has ended, then runs `release`. Structured: the scope's close
   * returns after `release`. Finalizers run in reverse order, as with `Effect.acquireRelease`, and `options` are
   * its options (`interruptible` makes `acquire` interruptible).
   *
   * **Gotchas**
   *
   * If the scope closes inside a read section of the same domain held by the closing fiber or inherited from a
   * structured parent, waiting would deadlock, so the release is deferred instead: the scope closes at once and
   * `release` runs after the grace period, exactly once (`Rcu.barrier` waits for it). On a manual domain
   * (`Rcu.layerManual`) the close drives grace periods itself, and dies with `RcuError` `STALL` after a bounded
   * number of event-loop turns if a reader never leaves.
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
    options?: { readonly interruptible?: boolean },
  ): Effect.Effect<A, E, R | R2 | Rcu | Scope.Scope> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => {
        // The release runs with the services of the acquire; the section check looks at the closing fiber.
        const context = fiber.context as Context.Context<R2 | Rcu>;
        const { domain } = Context.get(context, Rcu);
        const scope = Context.get(context as Context.Context<Scope.Scope>, ScopeService);
        return Effect.tap(options?.interruptible === true ? restore(acquire) : acquire, (a) =>
          ScopeModule.addFinalizerExit(scope, (exit) =>
            releaseAfterGracePeriod(domain, Effect.provideContext(release(a, exit), context)),
          ),
        );
      }),
    );

  /**
   * The service an open read section provides (`RcuSection`): `Rcu.read(effect)` gives it to `effect`, and
   * borrow-free reads (`RcuRef.deref`) require it, so they compile only inside a section.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Rcu } from "@rcu/effect"
   *
   * const isOpen = Rcu.read(Effect.map(Effect.service(Rcu.Section), (section) => section.open))
   * ```
   *
   * @since 0.1.0
   * @category read sections
   */
  static readonly Section = RcuSection;
}

/**
 * Types that go with the `Rcu` service.
 *
 * @example
 * ```ts
 * import type { Effect } from "effect"
 * import type { Rcu } from "@rcu/effect"
 *
 * type InsideASection<A> = Effect.Effect<A, never, Rcu.Section>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-namespace -- types only, merged with the class (as Effect's modules do)
export declare namespace Rcu {
  /**
   * The read-section service (`RcuSection`), as a type: an effect that needs it runs only inside `Rcu.read`.
   *
   * @example
   * ```ts
   * import type { Effect } from "effect"
   * import type { Rcu } from "@rcu/effect"
   *
   * declare const borrowFree: Effect.Effect<number, never, Rcu.Section>
   * ```
   *
   * @since 0.1.0
   * @category models
   */
  export type Section = RcuSection;
}
