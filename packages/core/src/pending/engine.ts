/**
 * The `rcu_pending` engine (bcachefs), one instance per `createPending` call and one inside every domain for
 * `defer`/`retire`.
 *
 * - Batches keyed by grace-period cookie, in a small array ordered by cookie (cookies from `getState()` are
 *   monotone, so a new batch is always appended; at most two are unexpired at once).
 * - Enqueue takes the cookie once and appends to its batch (chunked vector, see batch.ts). The first item of
 *   a batch — including a batch emptied by dequeue — requests its grace period exactly where bcachefs `rcu_pending.c` does:
 *   if the engine's one notification is not armed, arm it on this cookie; otherwise `startPoll()`.
 * - One armed notification per engine. When it fires, expired batches are processed in cookie order, FIFO
 *   inside a batch, chunk part before overflow part, at most `maxPerTurn` items per turn (the kernel's
 *   blimit; `rcu_pending.c` loops to empty, we must not block the event loop); the rest continues on the next turn.
 *   It re-arms on the oldest unexpired batch only while anything is pending.
 * - Enqueue also processes already-expired batches opportunistically (as `rcu_pending.c` does from process
 *   context), within the same per-turn budget, and never while a reader of the domain is active.
 * - `dequeue` hands back the oldest batch's newest item without checking expiry (type-stable reuse).
 * - User `process` calls run one at a time, each isolated: a throw is reported and the batch goes on.
 *
 * Latent defects of `rcu_pending.c` that cannot happen here: the empty-list stale-cookie case cannot strand
 * items (a batch's first item always requests or arms, and emptied batches stay until their cookie expires); the stale-cookie spin cannot
 * happen (one thread, the cookie is taken after any processing); the KVFREE headless unlocked continuation
 * has no counterpart (no KVFREE mode, no locks).
 *
 * Why this file is over 400 lines: it is the one engine class; enqueue, dequeue, the armed notification and
 * bounded processing share its batch array, budget and counters on the hot path. Its storage is in batch.ts
 * and chunk-cache.ts.
 */
import { describeValue } from "../describe-value.js";
import { RcuError } from "../errors.js";
import type { PendingOptions, PendingStats, RcuPending } from "../types.js";
import { Batch } from "./batch.js";
import { ChunkCache } from "./chunk-cache.js";
import { publish } from "../internal/diagnostics.js";
import type { DomainInternals } from "../domain/internals.js";
import type { GraceWaiter } from "../flavor/waiters.js";
import { checkInteger, checkOptions, isInt32 } from "../internal/validate.js";

/** Default items per chunk (one genradix node holds 64 pointers; 512 amortises better in JS). */
export const DEFAULT_CHUNK_SIZE = 512;
/** Default per-turn processing bound (cf. the kernel's blimit high-water mark 10 000). */
export const DEFAULT_MAX_PER_TURN = 10_000;
/** Largest `chunkSize`: 65 536 items, a 512 KiB chunk of object slots (the first enqueue allocates one). */
export const MAX_CHUNK_SIZE = 1 << 16;

interface FlushWaiter {
  readonly cookie: number;
  readonly resolve: () => void;
}

type State = "open" | "draining" | "closed";

/** Every option key of `createPending`. */
const PENDING_OPTION_KEYS = [
  "process",
  "sizeOf",
  "highWaterMark",
  "onPressure",
  "maxPerTurn",
  "chunkSize",
  "maxChunks",
  "storage",
  "name",
] as const;

function checkPositiveInt(name: string, value: unknown, allowInfinity = false): void {
  checkInteger(name, value, 1, Number.MAX_SAFE_INTEGER, allowInfinity);
}

function reentrant(name: string, what: string): RcuError {
  return new RcuError(
    "REENTRANT",
    `${name}: ${what}() from inside a dequeueWhere() predicate of the same engine. A predicate only inspects an ` +
      "item; act on the item dequeueWhere() returns instead.",
  );
}

/** Who owns an engine: a user's `createPending` engine, or a domain's own defer/retire engine. */
export interface EngineRole {
  readonly owner: "user" | "domain";
}

export class PendingEngine<T> implements RcuPending<T> {
  private readonly batches: Batch<T>[] = [];
  /** The last processed batch, released, for the next new batch to reuse (see `Batch.reuse`). */
  private spare: Batch<T> | undefined;
  private readonly cache: ChunkCache<T>;
  private readonly process: (item: T) => void;
  private readonly sizeOf: ((item: T) => number) | undefined;
  private readonly maxPerTurn: number;
  private readonly markItems: number;
  /** Whether `highWaterMark.items` is finite (the fast enqueue path skips the check otherwise). */
  private readonly itemsMarked: boolean;
  private readonly markBytes: number;
  private readonly onPressure: ((stats: PendingStats) => void) | undefined;
  private readonly int32: boolean;
  readonly name: string;

  private bytes = 0;
  private armed: GraceWaiter | undefined;
  /** `processed` when this turn's budget began: the turn may process `maxPerTurn` items past it. */
  private turnBase = 0;
  private turnArmed = false;
  private processing = false;
  private aboveMark = false;
  private state: State = "open";
  private drainPromise: Promise<void> | undefined;
  private readonly flushWaiters: FlushWaiter[] = [];
  private readyWaiters: Array<() => void> = [];
  private readonly slot: { item: T | undefined } = { item: undefined };
  private readonly debugPending: Set<unknown> | undefined;
  /**
   * With `sizeOf`: each pending item's size as measured at enqueue (several for an item enqueued more than
   * once, oldest first). Leaving subtracts the recorded size, never a re-measured one, so `pendingBytes` stays
   * exact (never negative, `ready()` resolves) even when `sizeOf` changes its answer while the item waits.
   */
  private readonly sizes: Map<unknown, number | number[]> | undefined;
  /** Inside a `dequeueWhere` predicate: calls into this engine are refused (REENTRANT). */
  private inPredicate = false;
  /** No per-item bookkeeping (object storage, no `sizeOf`, no debug set). */
  private readonly plain: boolean;
  /** `plain` and still open: `enqueue` may take its fast path (cleared when draining starts). */
  private fast: boolean;
  private unregister: (() => void) | undefined;

  private enqueued = 0;
  private processed = 0;
  private dequeued = 0;
  private errors = 0;
  private maxBatch = 0;
  private pressureEvents = 0;

  constructor(
    private readonly domain: DomainInternals,
    options: PendingOptions<T>,
    /** `owner: 'domain'` for the domain's own defer/retire engine: not registered for close, no duplicate check. */
    role: EngineRole,
  ) {
    const userEngine = role.owner === "user";
    checkOptions("createPending", options, PENDING_OPTION_KEYS, false);
    if (typeof options.process !== "function") {
      throw new RcuError("INVALID_OPTION", "createPending needs a `process(item)` function.");
    }
    if (options.onPressure !== undefined && typeof options.onPressure !== "function") {
      throw new RcuError("INVALID_OPTION", "onPressure must be a function (stats) => void.");
    }
    if (options.name !== undefined && typeof options.name !== "string") {
      throw new RcuError("INVALID_OPTION", `name must be a string, got ${describeValue(options.name)}.`);
    }
    if (options.highWaterMark !== undefined)
      checkOptions("createPending: highWaterMark", options.highWaterMark, ["items", "bytes"]);
    if (options.sizeOf !== undefined && typeof options.sizeOf !== "function") {
      throw new RcuError("INVALID_OPTION", "sizeOf must be a function returning the item's size in bytes.");
    }
    checkPositiveInt("maxPerTurn", options.maxPerTurn, true);
    checkPositiveInt("chunkSize", options.chunkSize);
    if (options.chunkSize !== undefined && options.chunkSize > MAX_CHUNK_SIZE) {
      throw new RcuError(
        "INVALID_OPTION",
        `chunkSize must be at most ${MAX_CHUNK_SIZE} (every chunk is allocated whole), got ${options.chunkSize}. ` +
          "Chunks of a few hundred items amortise best; raise maxChunks for more capacity instead.",
      );
    }
    checkPositiveInt("maxChunks", options.maxChunks, true);
    checkPositiveInt("highWaterMark.items", options.highWaterMark?.items, true);
    checkPositiveInt("highWaterMark.bytes", options.highWaterMark?.bytes, true);
    if (options.storage !== undefined && options.storage !== "object" && options.storage !== "int32") {
      throw new RcuError(
        "INVALID_OPTION",
        `storage must be 'object' or 'int32', got ${describeValue(options.storage)}.`,
      );
    }
    this.process = options.process;
    this.sizeOf = options.sizeOf;
    this.maxPerTurn = options.maxPerTurn ?? DEFAULT_MAX_PER_TURN;
    this.markItems = options.highWaterMark?.items ?? Infinity;
    this.itemsMarked = this.markItems !== Infinity;
    this.markBytes = options.highWaterMark?.bytes ?? Infinity;
    this.onPressure = options.onPressure;
    this.int32 = options.storage === "int32";
    this.name = options.name ?? `${domain.name}:pending`;
    this.cache = new ChunkCache<T>(options.chunkSize ?? DEFAULT_CHUNK_SIZE, this.int32, options.maxChunks ?? Infinity);
    this.debugPending = userEngine && domain.debug && !this.int32 ? new Set() : undefined;
    this.sizes = this.sizeOf === undefined ? undefined : new Map();
    this.plain = !this.int32 && this.sizeOf === undefined && this.debugPending === undefined;
    this.fast = this.plain;
    if (userEngine) this.unregister = domain.registerEngine(this);
  }

  // ---- producer side ------------------------------------------------------------------------------------

  enqueue(item: T): void {
    // Fast path: an open, plain engine appending to the current chunk of the batch of the
    // current cookie, with nothing that opportunistic processing would run first. With one batch that holds for
    // free: the current cookie has not even started. A batch emptied by dequeue (a typesafe pool's
    // release→acquire cycle) stays on this path and requests its grace period again, as the slow path would.
    // Everything else (a new batch or chunk, overflow, sizes, debug, closing) is in `enqueueSlow`.
    const batches = this.batches;
    const n = batches.length;
    if (this.fast && n !== 0 && !this.domain.isClosing()) {
      const grace = this.domain.grace;
      const last = batches[n - 1]!;
      const cookie = last.cookie;
      if (cookie === grace.getState() && (n === 1 || !this.canProcessFirst(grace)) && last.tryPush(item)) {
        this.enqueued++;
        // The batch's first item (also after dequeue emptied it): `rcu_pending.c`'s start_gp, arm or startPoll.
        // `maxBatch` is not updated here: see `noteBatch`.
        if (last.inChunks === 1) {
          if (this.armed === undefined) this.arm(cookie);
          else grace.request(cookie);
        }
        if (this.itemsMarked && this.count > this.markItems) this.pressure(); // plain: no sizeOf, bytes stay 0
        return;
      }
    }
    this.enqueueSlow(item);
  }

  /** Whether opportunistic processing would run the oldest batch now (it is expired and nothing forbids it). */
  private canProcessFirst(grace: DomainInternals["grace"]): boolean {
    return this.hasBudget() && !this.processing && !grace.readersActive() && grace.done(this.batches[0]!.cookie);
  }

  /** Whether this turn's processing budget is not used up. */
  private hasBudget(): boolean {
    return this.processed - this.turnBase < this.maxPerTurn;
  }

  /**
   * Items pending: derived, not stored, so enqueue and processing each update one counter per item. Exact at
   * every moment, also when read from inside `process`.
   */
  private get count(): number {
    return this.enqueued - this.processed - this.dequeued;
  }

  private enqueueSlow(item: T): void {
    // Refused from the moment drain() or the domain's close() is called (close hooks run before engines drain).
    if (this.inPredicate) throw reentrant(this.name, "enqueue");
    if ((this.state !== "open" || this.domain.isClosing()) && !this.domain.isInside()) {
      throw new RcuError("CLOSED", `${this.name} is draining or drained; enqueue before calling drain()/close().`);
    }
    if (this.int32 && !isInt32(item)) {
      throw new RcuError(
        "INVALID_OPTION",
        `${this.name} stores int32 items (integers in -2^31..2^31-1); got ${describeValue(item)}.`,
      );
    }
    // Measured before anything changes: a throwing or bad sizeOf leaves the engine untouched.
    const size = this.sizeOf === undefined ? 0 : this.measure(item);
    if (this.debugPending !== undefined) {
      if (this.debugPending.has(item)) {
        throw new RcuError(
          "DOUBLE_RETIRE",
          `${this.name}: this object is already pending reclamation. Retire/enqueue each object once per grace period.`,
        );
      }
      this.debugPending.add(item);
    }
    const grace = this.domain.grace;
    // Opportunistic processing of already-expired batches (`rcu_pending.c`'s enqueue from process context).
    if (this.batches.length !== 0 && this.canProcessFirst(grace)) this.processExpired();
    const cookie = grace.getState();
    let batch = this.batches[this.batches.length - 1];
    if (batch === undefined || batch.cookie !== cookie) {
      batch = this.findBatch(cookie);
    }
    const startGp = batch.count === 0;
    batch.push(item, this.cache);
    this.enqueued++;
    this.bytes += size;
    if (this.sizes !== undefined) this.recordSize(item, size);
    const n = batch.count;
    if (n > this.maxBatch) this.maxBatch = n;
    if (startGp) {
      if (this.armed === undefined) this.arm(cookie);
      else grace.request(cookie);
    }
    if (this.count > this.markItems || this.bytes > this.markBytes) this.pressure();
  }

  private findBatch(cookie: number): Batch<T> {
    for (let i = this.batches.length - 1; i >= 0; i--) {
      const b = this.batches[i]!;
      if (b.cookie === cookie) return b;
    }
    const spare = this.spare;
    this.spare = undefined;
    const batch =
      spare !== undefined ? spare.reuse(cookie, Date.now()) : new Batch<T>(cookie, this.cache.size, Date.now());
    this.batches.push(batch);
    return batch;
  }

  /** `sizeOf(item)` at enqueue, checked (a finite number ≥ 0). */
  private measure(item: T): number {
    const size = this.sizeOf!(item);
    if (typeof size !== "number" || !(size >= 0) || size === Infinity) {
      throw new RcuError(
        "INVALID_OPTION",
        `${this.name}: sizeOf must return a finite number ≥ 0, got ${describeValue(size)}.`,
      );
    }
    return size;
  }

  private recordSize(item: T, size: number): void {
    const sizes = this.sizes!;
    const known = sizes.get(item);
    if (known === undefined) sizes.set(item, size);
    else if (typeof known === "number") sizes.set(item, [known, size]);
    else known.push(size);
  }

  /**
   * Subtracts the size `item` had at enqueue when it leaves (after `count` was decremented); `sizeOf` is not
   * called again. An empty engine always holds 0 bytes.
   */
  private unmeasure(item: T): void {
    const sizes = this.sizes;
    if (sizes === undefined) return;
    const known = sizes.get(item);
    let size = 0;
    if (typeof known === "number") {
      size = known;
      sizes.delete(item);
    } else if (known !== undefined) {
      size = known.shift()!;
      if (known.length === 1) sizes.set(item, known[0]!);
    }
    if (this.count === 0) {
      this.bytes = 0;
      sizes.clear();
    } else {
      this.bytes -= size;
    }
  }

  // ---- taking items back --------------------------------------------------------------------------------

  dequeue(): T | undefined {
    if (this.inPredicate) throw reentrant(this.name, "dequeue");
    // Indexed loop, not for-of, and no out-parameter when the batch has no overflow part: small enough to
    // inline into a typesafe pool's acquire.
    const batches = this.batches;
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      if (b.overflow === undefined) {
        const count = b.inChunks;
        if (count === 0) continue;
        if (count > this.maxBatch) this.maxBatch = count;
        return this.took(b.popChunkItem(this.cache));
      }
      this.noteBatch(b);
      if (b.pop(this.cache, this.slot)) return this.took(this.takeSlot());
    }
    return undefined;
  }

  dequeueWhere(pred: (item: T) => boolean): T | undefined {
    if (this.inPredicate) throw reentrant(this.name, "dequeueWhere");
    if (typeof pred !== "function") {
      throw new RcuError(
        "INVALID_OPTION",
        `${this.name}: dequeueWhere(pred) takes a function, got ${describeValue(pred)}.`,
      );
    }
    // While `pred` runs, enqueue/dequeue/dequeueWhere on this engine throw REENTRANT: the batch is being
    // scanned, and a nested take would hand an item out twice or lose one. The fast enqueue path is off too.
    const fast = this.fast;
    this.inPredicate = true;
    this.fast = false;
    try {
      for (const b of this.batches) {
        this.noteBatch(b);
        if (b.takeWhere(pred, this.cache, this.slot)) return this.took(this.takeSlot());
      }
      return undefined;
    } finally {
      this.inPredicate = false;
      this.fast = fast && this.state === "open";
    }
  }

  /**
   * Records `b`'s size in `maxBatch` before an item leaves it. The fast enqueue path does not update `maxBatch`:
   * a batch only grows by enqueue and only shrinks here, so its largest size is the one it has when it first
   * shrinks, or now (`stats()` includes the live batches).
   */
  private noteBatch(b: Batch<T>): void {
    const count = b.count;
    if (count > this.maxBatch) this.maxBatch = count;
  }

  /** The item a batch method left in the out-parameter, which is cleared (it must not keep the item alive). */
  private takeSlot(): T {
    const item = this.slot.item as T;
    this.slot.item = undefined;
    return item;
  }

  private took(item: T): T {
    this.dequeued++;
    if (!this.plain) {
      this.unmeasure(item);
      this.debugPending?.delete(item);
    }
    if (this.aboveMark) this.checkBelowMark();
    return item;
  }

  // ---- processing ---------------------------------------------------------------------------------------

  private arm(cookie: number): void {
    this.armed = this.domain.grace.onComplete(cookie, this.onGracePeriod);
  }

  private readonly onGracePeriod = (): void => {
    this.armed = undefined;
    this.processExpired();
  };

  private readonly onNextTurn = (): void => {
    this.turnArmed = false;
    this.turnBase = this.processed;
    this.processExpired();
  };

  /** Processes expired batches within this turn's budget, then re-arms or schedules the continuation. */
  private processExpired(): void {
    if (this.processing) return; // re-entrant call from inside `process`: the outer loop continues
    const grace = this.domain.grace;
    const batches = this.batches;
    const start = this.processed;
    this.processing = true;
    this.domain.enter();
    try {
      // `processed` only grows in this loop (no re-entry; the turn base moves on a later turn), so the budget's
      // end is fixed for the whole call.
      const end = this.turnBase + this.maxPerTurn;
      while (batches.length !== 0 && this.processed < end) {
        const b = batches[0]!;
        if (!grace.done(b.cookie)) break;
        this.runBatch(b, end);
        if (b.count === 0) {
          b.release(this.cache);
          batches.shift();
          this.spare = b;
        }
      }
    } finally {
      this.domain.exit();
      this.processing = false;
    }
    const done = this.processed !== start;
    if (done && !this.turnArmed) {
      // The budget was used this turn: refill it (and continue, if needed) at the next turn.
      this.turnArmed = true;
      grace.nextTurn(this.onNextTurn);
    }
    this.settleWaiters();
    if (done) this.checkBelowMark();
    if (batches.length !== 0) {
      const first = batches[0]!;
      // The one notification waits for the oldest live batch. While an expired batch was out of budget (nothing
      // armed), a new batch may have armed on its newer cookie; once the continuation has taken the expired
      // batch, re-target, or the batch in between would wait for the newer grace period too.
      const armed = this.armed;
      if (!grace.done(first.cookie) && (armed === undefined || grace.before(first.cookie, armed.cookie))) {
        armed?.cancel();
        this.arm(first.cookie);
      }
      // else: expired but out of budget; the next-turn continuation (armed above) picks it up.
    }
  }

  /**
   * Hands `b`'s items to `process`, oldest first, until `b` is empty or the turn's budget `end` is reached. The
   * try/catch is around the loops, not each call: everything a callback can observe is updated before it runs,
   * so after a throw (reported, counted in `errors`) the loops simply resume at the next item.
   */
  private runBatch(b: Batch<T>, end: number): void {
    this.noteBatch(b);
    for (;;) {
      try {
        if (this.plain) this.runChunks(b, end);
        this.runItems(b, end);
        return;
      } catch (err) {
        this.errors++;
        this.domain.report(err, `${this.name}: process() threw`);
      }
    }
  }

  /**
   * The plain engine's loop over `b`'s chunk part: one run per chunk, from the head slot to the chunk's last
   * item of the batch, within the budget. Per item only the slot, the batch's head, and `processed` are written
   * before `process(item)`, so `size`, `stats()`, `dequeue()` and `dequeueWhere()` read exactly from inside a
   * callback. A callback that takes items back (`dequeue`, `dequeueWhere`) ends the run: the batch's tail moved,
   * and {@link runItems} continues with the rest.
   */
  private runChunks(b: Batch<T>, end: number): void {
    const dequeued = this.dequeued;
    const cache = this.cache;
    let p = this.processed;
    b.settleHead(cache);
    while (p < end && b.inChunks !== 0) {
      const chunk = b.headChunk();
      let slot = b.headSlot;
      const stop = Math.min(b.runEnd(), slot + (end - p));
      while (slot < stop) {
        const item = chunk[slot] as T;
        chunk[slot] = undefined;
        b.headSlot = ++slot;
        b.inChunks--;
        this.processed = ++p;
        // Leave the "above the mark" state the moment we are back at it (ready() resolves promptly, and
        // a later rise — e.g. a re-entrant enqueue — is a new upward crossing).
        if (this.aboveMark) this.checkBelowMark();
        this.process(item);
        if (this.dequeued !== dequeued) {
          b.settleHead(cache);
          return;
        }
      }
      b.settleHead(cache);
    }
  }

  /** The general loop, one item at a time: object storage with bookkeeping, int32 storage, the overflow part. */
  private runItems(b: Batch<T>, end: number): void {
    const slot = this.slot;
    while (this.processed < end) {
      let item: T;
      if (b.inChunks !== 0) item = b.shiftChunk(this.cache);
      else if (b.shift(this.cache, slot)) {
        item = slot.item as T; // the overflow part
        slot.item = undefined;
      } else return;
      this.processed++;
      if (!this.plain) {
        this.unmeasure(item);
        this.debugPending?.delete(item);
      }
      if (this.aboveMark) this.checkBelowMark();
      this.process(item);
    }
  }

  private settleWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.batches[0];
    const grace = this.domain.grace;
    let kept = 0;
    for (const w of this.flushWaiters) {
      if (oldest === undefined || grace.before(w.cookie, oldest.cookie)) w.resolve();
      else this.flushWaiters[kept++] = w;
    }
    this.flushWaiters.length = kept;
  }

  // ---- pressure and backpressure ------------------------------------------------------------------------

  private pressure(): void {
    if (this.aboveMark) return;
    this.aboveMark = true;
    this.pressureEvents++;
    const grace = this.domain.grace;
    grace.expedite();
    if (!this.processing && !grace.readersActive()) this.processExpired();
    if (!this.aboveMark) return; // processing brought it back below
    publish("pressure", () => ({ name: this.name, domain: this.domain.name, ...this.stats() }));
    const onPressure = this.onPressure;
    if (onPressure !== undefined) {
      queueMicrotask(() => {
        try {
          onPressure(this.stats());
        } catch (err) {
          this.errors++;
          this.domain.report(err, `${this.name}: onPressure threw`);
        }
      });
    }
  }

  private isAbove(): boolean {
    return this.count > this.markItems || this.bytes > this.markBytes;
  }

  private checkBelowMark(): void {
    if (!this.aboveMark || this.isAbove()) return;
    this.aboveMark = false;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  ready(): Promise<void> {
    if (!this.isAbove()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  // ---- flush, drain -------------------------------------------------------------------------------------

  flush(): Promise<void> {
    const misuse = this.domain.misuse("flush");
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.flushInternal();
  }

  /** Resolves once every batch existing now has been processed (or emptied and expired). */
  flushInternal(): Promise<void> {
    const last = this.batches[this.batches.length - 1];
    if (last === undefined) return Promise.resolve();
    this.domain.grace.request(last.cookie);
    return new Promise((resolve) => this.flushWaiters.push({ cookie: last.cookie, resolve }));
  }

  drain(): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    if (this.drainPromise !== undefined) return this.drainPromise;
    const misuse = this.domain.misuse("drain");
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.drainInternal();
  }

  /** `rcu_pending_exit()`: flush until empty, then closed. Used by `drain()` and by the domain's `close()`. */
  drainInternal(): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    this.drainPromise ??= (async () => {
      this.state = "draining";
      this.fast = false;
      while (this.batches.length !== 0) await this.flushInternal();
      this.state = "closed";
      this.unregister?.();
    })();
    return this.drainPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
  }

  /** Whether anything is pending (including emptied batches whose cookie has not expired). */
  hasPending(): boolean {
    return this.batches.length !== 0;
  }

  // ---- observation --------------------------------------------------------------------------------------

  get size(): number {
    return this.count;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  stats(): PendingStats {
    const first = this.batches[0];
    return {
      enqueued: this.enqueued,
      processed: this.processed,
      dequeued: this.dequeued,
      pending: this.count,
      pendingBytes: this.bytes,
      errors: this.errors,
      batches: this.batches.length,
      chunksAllocated: this.cache.allocated,
      chunksCached: this.cache.cached,
      overflow: this.batches.reduce(
        (n, b) => n + (b.overflow === undefined ? 0 : b.overflow.length - b.overflowHead),
        0,
      ),
      maxBatch: this.batches.reduce((max, b) => Math.max(max, b.count), this.maxBatch),
      pressureEvents: this.pressureEvents,
      oldestAgeMs: first === undefined ? 0 : Date.now() - first.createdAt,
    };
  }
}
