/**
 * The one grace-period mechanism behind the `loop`, `srcu` and manual domains (the SRCU shape).
 *
 * Two reader counters and an index. A reader increments `counters[idx]` and remembers `idx`; its unlock
 * decrements the same counter. A grace period *starts* when the index flips (new readers go to the other
 * counter) and *ends* when the old counter reaches 0. On one isolate the counters are exact, so one flip plus a
 * drain proves that every reader that entered before the flip has left. Sequence numbers follow `rcu_seq`
 * (see cookie.ts): `getState()` is `rcu_seq_snap`, so it is stable within a synchronous turn and, while a
 * grace period runs, names the one after it. Hence at most two unexpired cookies exist.
 *
 * When flips happen:
 * - auto (`loop`, `srcu`): at the first turn boundary after a grace period was requested (one one-shot,
 *   ref'd `setImmediate`; a microtask after `expedite()`). The hook ends the grace period right away when the
 *   old counter is already empty (the common `loop` case: one turn per grace period) and starts the next one
 *   if it was requested meanwhile. Otherwise the unlock that drains the old counter re-arms the hook: waiting
 *   on readers never polls, and completion never runs inline in the unlock.
 * - manual: only inside `startGracePeriod`/`endGracePeriod`/`advance`, which run due work synchronously.
 *
 * Why it is correct: a cookie `c` taken at sequence `s` is `snap(s)`. If idle, the next flip happens after
 * the call, so every reader active at the call is on the old counter and the end of that grace period
 * (= `c`) follows their exits. If a grace period was in progress, readers active at the call may be on the
 * new counter; `c` names the end of the *following* grace period, whose flip moves them to "old" too.
 * Guards always count (even a `loop` guard wrongly held across `await`), so none can be overtaken.
 */
import { describeValue } from "../describe-value.js";
import { RcuError } from "../errors.js";
import type { GpCookie, ReadGuard } from "../types.js";
import { isPlausibleCookie, seqDone, seqEnd, seqInProgress, seqSnap } from "../grace-period.js";
import { GraceWaiters } from "./waiters.js";
import type { GraceWaiter } from "./waiters.js";
import type { FlavorCapabilities, Grace, GraceMode, GraceObserver } from "./grace-source.js";
import { graceTestHooks } from "../internal/test-hooks.js";
import { scheduleMicrotask, scheduleTurn } from "../internal/turn.js";

// Performance note: the guard stays a plain object with no call in its constructor and no
// non-inlined call that receives it, so V8's escape analysis removes the allocation in a tight
// `readLock()`/`unlock()` pair (no allocation, no scavenges). Hence the debug stack is recorded by
// `LocalGrace.track` and the draining unlock's slow path lives in `LocalGrace.drained`.
class Guard implements ReadGuard {
  done = false;
  /** Debug: where the reader entered (set by `LocalGrace.track`). */
  stack: string | undefined = undefined;
  constructor(
    readonly core: LocalGrace,
    readonly idx: 0 | 1,
  ) {}
  unlock(): void {
    this.core.unlock(this);
  }
  [Symbol.dispose](): void {
    this.core.unlock(this);
  }
}

/** A guard that was never entered and counts as unlocked. */
function unlockedGuard(core: LocalGrace): Guard {
  const guard = new Guard(core, 0);
  guard.done = true;
  return guard;
}

/** How a {@link LocalGrace} runs: who flips, what the flavour allows, who observes, debug checks. */
export interface LocalGraceOptions {
  readonly mode: GraceMode;
  readonly capabilities: FlavorCapabilities;
  readonly observer: GraceObserver;
  readonly debug: boolean;
}

/** Grace periods, readers and waiters of one domain. Internal: the public surface is `RcuDomain`. */
export class LocalGrace implements Grace {
  /** `rcu_seq` value; low two bits are the state. */
  seq = 0;
  /** Counter that new readers increment. */
  private idx: 0 | 1 = 0;
  private c0 = 0;
  private c1 = 0;
  /** Highest cookie whose grace period must be started. */
  private requested = 0;
  /** Depth of synchronous `read(fn)` sections (self-deadlock checks; readers of uncounted sections). */
  syncReadDepth = 0;
  private readonly waiters = new GraceWaiters();
  private turnArmed = false;
  private microArmed = false;
  private expediteNext = false;
  /** Debug: live guards per counter, for stall reports. */
  readonly liveGuards: [Set<Guard>, Set<Guard>] | undefined;
  /**
   * Never handed out (already unlocked): keeps the guard class's instance map alive while no reader holds a
   * guard. A class's map is held only by its instances and, weakly, by optimised code, so a full GC between
   * sections would free it and deoptimise `readLock`, `unlock` and their callers (see `Batch.reuse` for the
   * same effect in the engine).
   */
  readonly guardMapAnchor: ReadGuard = unlockedGuard(this);
  /** Manual mode: continuations waiting for the next manual call ("the next turn"). */
  private readonly manualTurn: Array<() => void> = [];

  started = 0;
  completed = 0;
  expedited = 0;

  readonly mode: GraceMode;
  readonly capabilities: FlavorCapabilities;
  readonly countSyncReads: boolean;
  readonly debug: boolean;
  private readonly observer: GraceObserver;

  constructor(options: LocalGraceOptions) {
    this.mode = options.mode;
    this.capabilities = options.capabilities;
    this.countSyncReads = options.capabilities.countsSyncReads;
    this.observer = options.observer;
    this.debug = options.debug;
    this.liveGuards = options.debug ? [new Set(), new Set()] : undefined;
  }

  // ---- readers -------------------------------------------------------------------------------------------

  readLock(): ReadGuard {
    const idx = this.idx;
    if (idx === 0) this.c0++;
    else this.c1++;
    const guard = new Guard(this, idx);
    if (this.liveGuards !== undefined) this.track(guard, idx);
    return guard;
  }

  enterSync(): number {
    const idx = this.idx;
    if (idx === 0) this.c0++;
    else this.c1++;
    return idx;
  }

  exitSync(token: number): void {
    const left = token === 0 ? --this.c0 : --this.c1;
    if (left === 0 && token !== this.idx) this.drained();
  }

  private readonly exit0 = (): void => this.exitSync(0);
  private readonly exit1 = (): void => this.exitSync(1);

  exitFn(token: number): () => void {
    return token === 0 ? this.exit0 : this.exit1;
  }

  /** Debug: records where `guard` entered and keeps it for stall reports. */
  private track(guard: Guard, idx: 0 | 1): void {
    guard.stack = new Error("reader entered here").stack;
    this.liveGuards![idx].add(guard);
  }

  unlock(guard: Guard): void {
    if (guard.done) {
      throw new RcuError(
        "UNLOCK_TWICE",
        "This read guard was already unlocked. Unlock each guard exactly once (prefer `using guard = domain.readLock()`).",
      );
    }
    guard.done = true;
    this.liveGuards?.[guard.idx].delete(guard);
    this.exitSync(guard.idx);
  }

  /** The last reader on the old counter left: schedule the completion, never run it inline. */
  private drained(): void {
    if (seqInProgress(this.seq) && this.mode === "auto") this.arm();
  }

  /** Readers inside a counted section now. */
  readers(): number {
    return this.c0 + this.c1;
  }

  /** Readers on the counter a running grace period waits for. */
  oldReaders(): number {
    return this.idx === 0 ? this.c1 : this.c0;
  }

  /** Whether any reader of this domain is active right now (counted or synchronous). */
  readersActive(): boolean {
    return this.c0 + this.c1 + this.syncReadDepth > 0;
  }

  // ---- the polled grace-period API ------------------------------------------------------------------------

  getState(): GpCookie {
    return seqSnap(this.seq);
  }

  startPoll(): GpCookie {
    const cookie = seqSnap(this.seq);
    this.request(cookie);
    return cookie;
  }

  poll(cookie: GpCookie): boolean {
    this.check(cookie);
    return seqDone(this.seq, cookie);
  }

  done(cookie: GpCookie): boolean {
    return seqDone(this.seq, cookie);
  }

  before(a: GpCookie, b: GpCookie): boolean {
    return a < b;
  }

  check(cookie: unknown): asserts cookie is GpCookie {
    if (!isPlausibleCookie(this.seq, cookie)) {
      throw new RcuError(
        "INVALID_COOKIE",
        `${describeValue(cookie)} is not a grace-period cookie of this domain. Pass a value returned by this domain's getState()/startPoll(), or GP_COMPLETED.`,
      );
    }
  }

  /**
   * Makes sure the grace period that completes `cookie` gets started. Small enough to inline into the engine's
   * enqueue, which calls it for every batch's first item: a cookie already requested returns at once.
   */
  request(cookie: GpCookie): void {
    if (cookie > this.requested || this.expediteNext) this.requestSlow(cookie);
  }

  private requestSlow(cookie: GpCookie): void {
    if (cookie > this.requested) {
      this.requested = cookie;
      if (this.mode === "auto") this.arm();
    } else if (this.mode === "auto" && this.expediteNext && !seqDone(this.seq, cookie)) {
      this.arm();
    }
  }

  /** Calls `cb` once `cookie` has completed (synchronously at the end of that grace period). */
  onComplete(cookie: GpCookie, cb: () => void): GraceWaiter {
    const waiter = this.waiters.add(cookie, cb);
    this.request(cookie);
    return waiter;
  }

  waiterCount(): number {
    return this.waiters.size;
  }

  expedite(): void {
    this.expediteNext = true;
    if (this.mode === "auto" && (this.requested > this.seq || seqInProgress(this.seq))) this.arm();
  }

  // ---- turn hook (auto mode) ------------------------------------------------------------------------------

  private arm(): void {
    if (this.expediteNext) {
      if (!this.microArmed) {
        this.microArmed = true;
        this.expedited++;
        scheduleMicrotask(this.onMicrotask);
      }
      return;
    }
    if (!this.turnArmed) {
      this.turnArmed = true;
      scheduleTurn(this.onTurnBoundary);
    }
  }

  private readonly onTurnBoundary = (): void => {
    this.turnArmed = false;
    this.observer.onTurn();
    this.drive();
  };

  private readonly onMicrotask = (): void => {
    this.microArmed = false;
    this.expediteNext = false;
    this.drive();
  };

  /** Ends the running grace period if drained, then starts (and possibly ends) the requested one. */
  private drive(): void {
    for (;;) {
      if (seqInProgress(this.seq)) {
        if (this.oldReaders() !== 0 && !graceTestHooks.endGracePeriodsEarly) return; // the draining unlock re-arms
        this.end();
        continue;
      }
      if (this.requested > this.seq) {
        this.flip();
        continue;
      }
      return;
    }
  }

  // ---- flip and end ---------------------------------------------------------------------------------------

  private flip(): void {
    this.seq++;
    this.idx = this.idx === 0 ? 1 : 0;
    this.started++;
    this.observer.onStart(this.seq);
  }

  private end(): void {
    this.seq = seqEnd(this.seq);
    this.completed++;
    this.observer.onEnd(this.seq);
    this.waiters.runDue((cookie) => seqDone(this.seq, cookie));
  }

  // ---- scheduling of follow-up work ------------------------------------------------------------------------

  /** Runs `task` at the next turn: a real turn boundary in auto mode, the next manual call in manual mode. */
  nextTurn(task: () => void): void {
    if (this.mode === "auto") scheduleTurn(task);
    else this.manualTurn.push(task);
  }

  // ---- manual mode ----------------------------------------------------------------------------------------

  private runManualTurn(): void {
    if (this.manualTurn.length === 0) return;
    const tasks = this.manualTurn.splice(0);
    for (const task of tasks) task();
  }

  startGracePeriod(): void {
    this.runManualTurn();
    if (!seqInProgress(this.seq)) this.flip();
  }

  endGracePeriod(): boolean {
    this.runManualTurn();
    return this.tryEnd();
  }

  advance(): boolean {
    this.runManualTurn();
    if (!seqInProgress(this.seq)) this.flip();
    return this.tryEnd();
  }

  private tryEnd(): boolean {
    if (!seqInProgress(this.seq) || (this.oldReaders() !== 0 && !graceTestHooks.endGracePeriodsEarly)) return false;
    this.end();
    return true;
  }
}
