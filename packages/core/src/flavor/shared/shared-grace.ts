/**
 * Grace periods across `worker_threads` over a `SharedArrayBuffer` (liburcu's mb flavour; layout in
 * layout.ts). Model-checked by `packages/core/model/shared-grace.pml`; the step labels there (R1..R4,
 * W1..W9) name the lines below.
 *
 * Reader (synchronous sections, a couple of atomics; `read(fn)` uses `enterSync`/`exitSync`, no guard object):
 * - R1 outermost `readLock`/`enterSync`: copy the global phase into the thread's slot: `slot = 1 + phase`.
 *   Nested locks only count locally.
 * - R2 outermost `unlock`/`exitSync`: `slot = 0`; R3 if a writer sleeps (`WAITING == -1`): R4 `WAITING = 0`,
 *   notify it.
 *
 * Writer (one runner at a time, holding `LOCK`; never blocks a thread: waits are `Atomics.waitAsync`):
 * - W1 take `LOCK` (CAS 0 → threadId + 1); others wait for `SEQ` to change and re-check their cookie.
 * - W2 while `REQUESTED` is not done: W3 `SEQ` idle → `SEQ + 1` (the grace period starts; from here
 *   `getState()` names the next one), W4 wait until no slot is active with the *other* phase, W5 flip
 *   `GP_PHASE`, W6 wait again, W7 `SEQ` → end (notify `SEQ` waiters in every thread).
 * - W8 release `LOCK`, notify. W9 a wait: spin a few rounds, then `WAITING = -1`, re-check, `waitAsync`.
 *
 * Why two phases: a reader may load the phase, stall, and store it after the writer flipped and scanned its
 * slot. That reader is safe for this grace period (its section began after the grace period started) but now
 * carries the old phase; the *next* grace period's first wait (W4) catches it. JS atomics are sequentially
 * consistent, so the Dekker pair "reader: store slot; load WAITING" / "writer: store WAITING; load slot" cannot
 * both miss each other: no lost wake-up. A runner that dies mid-grace-period (a killed worker) leaves `SEQ` in
 * progress and `LOCK` owned: `watch(worker)` frees its slots and the lock; the next runner resumes from W4.
 *
 * Cookies are 32-bit `rcu_seq` values compared modulo 2^32 (layout.ts). A cookie from thread A can be
 * polled in thread B: `SEQ` is shared. Waiters are per thread; each thread with waiters runs a driver loop
 * that either runs grace periods itself or sleeps on `SEQ` (a ref'd timer keeps the process alive while it
 * waits, since a pending `waitAsync` does not).
 *
 * Polled waits (`waitFor`): A1 arm the waiter, A2 request the cookie and schedule the driver *unconditionally*.
 * Another thread may end the grace period between the caller's "done?" check and `request`'s; `request` then
 * records nothing, but the driver still runs and resolves the waiter (only this thread's driver runs its
 * waiters). The model's WAITFOR configuration checks it; its LOST_WAKE mutant skips the driver and is caught.
 *
 * Why this file is over 400 lines: the reader and writer steps R1..R4 and W1..W9 are one protocol, model-checked
 * together (packages/core/model); splitting them would separate each step from the step it pairs with.
 */
import { describeValue } from "../../describe-value.js";
import { RcuError } from "../../errors.js";
import type { GpCookie, ReadGuard } from "../../types.js";
import { SHARED_CAPABILITIES } from "../capabilities.js";
import type { Grace, GraceObserver } from "../grace-source.js";
import { GraceWaiters } from "../waiters.js";
import type { GraceWaiter } from "../waiters.js";
import { COMPLETED, GP_PHASE, LOCK, REQUESTED, SEQ, STARTED, WAITING, slotCtr, slotOwner, slotTid } from "./layout.js";
import { before32, done32, end32, plausible32, snap32 } from "../../grace-period.js";
import { graceTestHooks } from "../../internal/test-hooks.js";
import { scheduleMicrotask, scheduleTurn } from "../../internal/turn.js";

/** Spin rounds before a writer sleeps on `WAITING` (liburcu: 100 active attempts). */
export const SPIN_ROUNDS = 100;
/** Upper bound of one sleep (ms); a backstop only — wake-ups come from `notify`. */
export const SLEEP_MS = 50;

class SharedGuard implements ReadGuard {
  done = false;
  readonly stack: string | undefined;
  constructor(
    readonly grace: SharedGrace,
    debug: boolean,
  ) {
    this.stack = debug ? new Error("reader entered here").stack : undefined;
  }
  unlock(): void {
    this.grace.unlock(this);
  }
  [Symbol.dispose](): void {
    this.grace.unlock(this);
  }
}

export class SharedGrace implements Grace {
  readonly mode = "auto" as const;
  readonly capabilities = SHARED_CAPABILITIES;
  readonly countSyncReads = true;
  syncReadDepth = 0;
  expedited = 0;
  readonly liveGuards: [Set<SharedGuard>, Set<SharedGuard>] | undefined;

  private nest = 0;
  private readonly ctrIndex: number;
  private readonly waiters = new GraceWaiters();
  private driving = false;
  private driveScheduled = false;
  private hurry = false;
  detached = false;

  constructor(
    private readonly i32: Int32Array,
    readonly slot: number,
    private readonly owner: number,
    readonly maxThreads: number,
    private readonly observer: GraceObserver,
    readonly debug: boolean,
  ) {
    this.ctrIndex = slotCtr(slot);
    this.liveGuards = debug ? [new Set(), new Set()] : undefined;
  }

  // ---- reader side (R1..R4) ----------------------------------------------------------------------------

  readLock(): ReadGuard {
    this.enterSync();
    const guard = new SharedGuard(this, this.debug);
    this.liveGuards?.[0].add(guard);
    return guard;
  }

  enterSync(): number {
    if (this.detached) {
      throw new RcuError("CLOSED", "This thread detached from the shared domain; attach again before reading.");
    }
    if (this.nest++ === 0) {
      Atomics.store(this.i32, this.ctrIndex, 1 + Atomics.load(this.i32, GP_PHASE)); // R1
    }
    return 0;
  }

  exitSync(_token: number): void {
    if (--this.nest === 0) {
      const i32 = this.i32;
      Atomics.store(i32, this.ctrIndex, 0); // R2
      if (Atomics.load(i32, WAITING) !== 0) {
        // R3
        Atomics.store(i32, WAITING, 0); // R4
        Atomics.notify(i32, WAITING);
      }
    }
  }

  private readonly exit = (): void => this.exitSync(0);

  exitFn(_token: number): () => void {
    return this.exit;
  }

  unlock(guard: SharedGuard): void {
    if (guard.done) {
      throw new RcuError(
        "UNLOCK_TWICE",
        "This read guard was already unlocked. Unlock each guard exactly once (prefer `using guard = domain.readLock()`).",
      );
    }
    guard.done = true;
    this.liveGuards?.[0].delete(guard);
    this.exitSync(0);
  }

  readers(): number {
    return this.nest;
  }

  /** Active reader slots in every thread (for stall reports). */
  oldReaders(): number {
    let n = 0;
    for (let i = 0; i < this.maxThreads; i++) if (Atomics.load(this.i32, slotCtr(i)) !== 0) n++;
    return n;
  }

  readersActive(): boolean {
    return this.nest + this.syncReadDepth > 0;
  }

  // ---- polled API ----------------------------------------------------------------------------------------

  get seq(): number {
    return Atomics.load(this.i32, SEQ) >>> 0;
  }

  get started(): number {
    return Atomics.load(this.i32, STARTED) >>> 0;
  }

  get completed(): number {
    return Atomics.load(this.i32, COMPLETED) >>> 0;
  }

  getState(): GpCookie {
    return snap32(this.seq);
  }

  startPoll(): GpCookie {
    const cookie = snap32(this.seq);
    this.request(cookie);
    return cookie;
  }

  poll(cookie: GpCookie): boolean {
    this.check(cookie);
    return done32(this.seq, cookie);
  }

  done(cookie: GpCookie): boolean {
    return done32(this.seq, cookie);
  }

  before(a: GpCookie, b: GpCookie): boolean {
    return before32(a, b);
  }

  check(cookie: unknown): asserts cookie is GpCookie {
    if (!plausible32(this.seq, this.started, cookie)) {
      throw new RcuError(
        "INVALID_COOKIE",
        `${describeValue(cookie)} is not a grace-period cookie of this shared domain. Pass a value returned by getState()/startPoll() of a thread attached to it, or GP_COMPLETED.`,
      );
    }
  }

  request(cookie: GpCookie): void {
    if (done32(this.seq, cookie)) return;
    const i32 = this.i32;
    for (;;) {
      const cur = Atomics.load(i32, REQUESTED) >>> 0;
      if (!before32(cur, cookie)) break;
      if (Atomics.compareExchange(i32, REQUESTED, cur | 0, cookie | 0) === (cur | 0)) break;
    }
    this.scheduleDrive();
  }

  onComplete(cookie: GpCookie, cb: () => void): GraceWaiter {
    const waiter = this.waiters.add(cookie, cb); // A1: arm first ...
    // A2: ... then request, and run the driver whatever `request` found: another thread may have ended this
    // grace period since the caller's own "done?" check, and only the driver runs this thread's waiters.
    this.request(cookie);
    this.scheduleDrive();
    return waiter;
  }

  waiterCount(): number {
    return this.waiters.size;
  }

  expedite(): void {
    this.hurry = true;
    this.expedited++;
    if (this.waiters.size !== 0 || this.requestPending()) this.scheduleDrive();
  }

  nextTurn(task: () => void): void {
    scheduleTurn(task);
  }

  // ---- the driver: run grace periods or wait for another thread's ------------------------------------------

  private requestPending(): boolean {
    return !done32(this.seq, Atomics.load(this.i32, REQUESTED) >>> 0);
  }

  private scheduleDrive(): void {
    if (this.driving || this.driveScheduled) return;
    this.driveScheduled = true;
    // One turn of batching: every request made in this turn shares the grace period.
    const run = (): void => {
      this.driveScheduled = false;
      void this.drive();
    };
    if (this.hurry) {
      this.hurry = false;
      scheduleMicrotask(run);
    } else {
      scheduleTurn(run);
    }
  }

  private runDue(): void {
    const seq = this.seq;
    this.waiters.runDue((cookie) => done32(seq, cookie));
  }

  private async drive(): Promise<void> {
    if (this.driving) return;
    this.driving = true;
    const keepAlive = setInterval(() => {}, 1 << 30); // a pending waitAsync does not keep the process alive
    try {
      for (;;) {
        this.runDue();
        if (this.waiters.size === 0 && !this.requestPending()) return;
        if (!this.requestPending()) {
          // Our waiters' cookies are not requested any more?! Re-request the newest (defensive).
          for (const cookie of this.waiters.cookies()) this.requestWord(cookie);
        }
        if (Atomics.compareExchange(this.i32, LOCK, 0, this.owner) === 0) {
          // W1
          try {
            await this.runGracePeriods();
          } finally {
            Atomics.store(this.i32, LOCK, 0); // W8
            Atomics.notify(this.i32, SEQ);
          }
          // Requests made while we ran (e.g. a caller looping on synchronize() in microtasks) wait for the
          // next turn: never starve the event loop (the `finally` below reschedules).
          this.runDue();
          return;
        }
        const seq = Atomics.load(this.i32, SEQ);
        if (Atomics.load(this.i32, LOCK) === 0) continue;
        const w = Atomics.waitAsync(this.i32, SEQ, seq, SLEEP_MS);
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(keepAlive);
      this.driving = false;
      if (this.waiters.size !== 0) this.scheduleDrive();
    }
  }

  private requestWord(cookie: number): void {
    const i32 = this.i32;
    for (;;) {
      const cur = Atomics.load(i32, REQUESTED) >>> 0;
      if (!before32(cur, cookie)) return;
      if (Atomics.compareExchange(i32, REQUESTED, cur | 0, cookie | 0) === (cur | 0)) return;
    }
  }

  /** W2..W7 while a requested grace period is pending; runs with `LOCK` held. */
  private async runGracePeriods(): Promise<void> {
    const i32 = this.i32;
    // Serve what was requested before this run started; later requests belong to the next turn.
    const target = Atomics.load(i32, REQUESTED) >>> 0;
    while (!done32(Atomics.load(i32, SEQ) >>> 0, target)) {
      let seq = Atomics.load(i32, SEQ) >>> 0;
      if ((seq & 3) === 0) {
        seq = (seq + 1) >>> 0;
        Atomics.store(i32, SEQ, seq | 0); // W3
        Atomics.add(i32, STARTED, 1);
        this.observer.onStart(seq);
      }
      if (!graceTestHooks.endGracePeriodsEarly) {
        const w4 = this.waitForReaders(); // W4
        if (w4 !== undefined) await w4;
        Atomics.xor(i32, GP_PHASE, 1); // W5
        const w6 = this.waitForReaders(); // W6
        if (w6 !== undefined) await w6;
      }
      const end = end32(seq);
      Atomics.store(i32, SEQ, end | 0); // W7
      Atomics.add(i32, COMPLETED, 1);
      Atomics.notify(i32, SEQ);
      this.observer.onEnd(end);
      this.runDue();
    }
  }

  /** Whether a slot is inside a section that started under the other phase. */
  private oldReaderIn(i: number, phase: number): boolean {
    const v = Atomics.load(this.i32, slotCtr(i));
    return v !== 0 && v !== 1 + phase;
  }

  private anyOldReader(): boolean {
    const phase = Atomics.load(this.i32, GP_PHASE);
    for (let i = 0; i < this.maxThreads; i++) if (this.oldReaderIn(i, phase)) return true;
    return false;
  }

  /** W9: spin, then sleep on `WAITING` until no old reader remains. */
  private waitForReaders(): Promise<void> | undefined {
    for (let round = 0; round < SPIN_ROUNDS; round++) if (!this.anyOldReader()) return undefined;
    return this.sleepUntilNoOldReader();
  }

  private async sleepUntilNoOldReader(): Promise<void> {
    const i32 = this.i32;
    for (;;) {
      Atomics.store(i32, WAITING, -1);
      if (!this.anyOldReader()) {
        Atomics.store(i32, WAITING, 0);
        return;
      }
      const w = Atomics.waitAsync(i32, WAITING, -1, SLEEP_MS);
      if (w.async) await w.value;
    }
  }

  // ---- slots -----------------------------------------------------------------------------------------------

  /** Frees every slot (and the runner lock) owned by `owner`; wakes writers. */
  static release(i32: Int32Array, maxThreads: number, owner: number): number {
    let freed = 0;
    for (let i = 0; i < maxThreads; i++) {
      if (Atomics.load(i32, slotOwner(i)) === owner) {
        Atomics.store(i32, slotCtr(i), 0);
        Atomics.store(i32, slotTid(i), 0);
        Atomics.store(i32, slotOwner(i), 0);
        freed++;
      }
    }
    Atomics.compareExchange(i32, LOCK, owner, 0);
    Atomics.store(i32, WAITING, 0);
    Atomics.notify(i32, WAITING);
    Atomics.notify(i32, SEQ);
    return freed;
  }
}
