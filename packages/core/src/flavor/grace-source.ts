/**
 * The grace-source interface: what the domain layer and the pending engines need from a flavour. A flavour is
 * one implementation of {@link Grace} plus the {@link FlavorCapabilities} it declares; callers ask a
 * capability, never the flavour's name.
 *
 * - `LocalGrace` (local-grace.ts): two reader counters on one isolate, for `loop`, `srcu` and the manual domain.
 * - `SharedGrace` (shared/shared-grace.ts): per-thread reader slots in a SharedArrayBuffer, for `shared`.
 */
import type { GpCookie, ReadGuard } from "../types.js";
import type { FlavorCapabilities } from "./capabilities.js";
import type { GraceWaiter } from "./waiters.js";

export type { FlavorCapabilities } from "./capabilities.js";
export type { GraceWaiter } from "./waiters.js";

/** Notified of grace-period lifecycle events (the domain layer wires diagnostics and stall detection). */
export interface GraceObserver {
  onStart(seq: number): void;
  onEnd(seq: number): void;
  /** Called for a turn boundary in auto mode, before any flip (debug checks). */
  onTurn(): void;
}

export type GraceMode = "auto" | "manual";

/**
 * What the domain layer and the engines need from a grace-period source. `LocalGrace` implements it for
 * `loop`, `srcu` and manual domains; the `shared` flavour implements it over a SharedArrayBuffer.
 */
export interface Grace {
  readonly mode: GraceMode;
  /** What this flavour allows (see {@link FlavorCapabilities}). */
  readonly capabilities: FlavorCapabilities;
  /** `capabilities.countsSyncReads`, as a field of its own for the `read(fn)` hot path. */
  readonly countSyncReads: boolean;
  /** Current `rcu_seq` value (engines compare batch cookies with it). */
  readonly seq: number;
  syncReadDepth: number;
  readonly started: number;
  readonly completed: number;
  readonly expedited: number;
  /** Debug only: live guards per reader index (for stall reports). */
  readonly liveGuards:
    [Set<{ readonly stack: string | undefined }>, Set<{ readonly stack: string | undefined }>] | undefined;
  readLock(): ReadGuard;
  /**
   * A counted section without a guard object, for `read(fn)` outside debug mode (no allocation per section).
   * Returns the token to pass to {@link exitSync}; the domain pairs the two calls itself.
   */
  enterSync(): number;
  exitSync(token: number): void;
  /** A function that calls `exitSync(token)`, the same one for each token (no allocation per section). */
  exitFn(token: number): () => void;
  readers(): number;
  oldReaders(): number;
  readersActive(): boolean;
  getState(): GpCookie;
  startPoll(): GpCookie;
  poll(cookie: GpCookie): boolean;
  check(cookie: unknown): asserts cookie is GpCookie;
  /** `poll` without validation (engines hold only cookies the grace source produced). */
  done(cookie: GpCookie): boolean;
  /** Whether cookie `a` names an earlier grace period than `b` (wrap-safe where cookies wrap). */
  before(a: GpCookie, b: GpCookie): boolean;
  request(cookie: GpCookie): void;
  onComplete(cookie: GpCookie, cb: () => void): GraceWaiter;
  waiterCount(): number;
  expedite(): void;
  nextTurn(task: () => void): void;
}
