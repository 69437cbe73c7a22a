/**
 * Test helpers: resources that record their lifecycle, a scope holding one deferred release, the readers of the
 * model-based tests (closing a borrow or a section once), a logger that captures log lines, and a way to let
 * real timers (the `srcu` domain's turn-boundary hooks) run from inside an Effect test.
 */
import { Cause, Effect, Exit, Logger, Scope } from "effect";
import { Rcu } from "../Rcu.js";

/** A resource whose `alive` flag turns false when its release runs. */
export interface Tracked {
  readonly name: string;
  alive: boolean;
}

/** `Effect.acquireRelease` of a `Tracked`, logging `acquire x` / `release x` into `log`. */
export const tracked = (log: Array<string>, name: string): Effect.Effect<Tracked, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Tracked => {
      log.push(`acquire ${name}`);
      return { name, alive: true };
    }),
    (resource) =>
      Effect.sync(() => {
        resource.alive = false;
        log.push(`release ${name}`);
      }),
  );

/**
 * A new scope holding one resource acquired with `Rcu.acquireRelease` (release deferred past readers), whose
 * release pushes `"released"` into `log`. The test closes the scope to retire it.
 */
export const scopeWithRelease = (log: Array<string>): Effect.Effect<Scope.Closeable, never, Rcu> =>
  Effect.gen(function* () {
    const scope = yield* Scope.make();
    yield* Rcu.acquireRelease(Effect.succeed("conn"), () => Effect.sync(() => log.push("released"))).pipe(
      Scope.provide(scope),
    );
    return scope;
  });

/** One real macrotask turn (lets an `srcu` domain flip and end grace periods). */
export const turn: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)));

/** `n` real turns. */
export const turns = (n: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* turn;
  });

/** A logger that appends `level: message` (and the pretty cause, if any) to `lines`. */
export const captureLogs = (lines: Array<string>) =>
  Logger.layer([
    Logger.make(({ logLevel, message, cause }) => {
      const text = (Array.isArray(message) ? message : [message]).map(String).join(" ");
      lines.push(`${logLevel}: ${text}${cause.reasons.length > 0 ? ` | ${Cause.pretty(cause)}` : ""}`);
    }),
  ]);

/** A reader in a model-based test: the value it saw, its borrow scope (if it borrowed) and its read section. */
export interface ModelReader {
  readonly value: Tracked;
  readonly borrow: Scope.Closeable | undefined;
  readonly section: Scope.Closeable | undefined;
  borrowOpen: boolean;
  sectionOpen: boolean;
}

/** Gives back the reader's borrow, if it has one still open. */
export const closeBorrow = (r: ModelReader | undefined): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (r?.borrow === undefined || !r.borrowOpen) return Effect.void;
    r.borrowOpen = false;
    return Scope.close(r.borrow, Exit.void);
  });

/** Leaves the reader's read section, if it has one still open. */
export const closeSection = (r: ModelReader | undefined): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (r?.section === undefined || !r.sectionOpen) return Effect.void;
    r.sectionOpen = false;
    return Scope.close(r.section, Exit.void);
  });
