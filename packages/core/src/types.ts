/**
 * The public types of `@rcu/core`: domains, guards, the pending engine and cells. Behaviour lives in the
 * files named after each factory; this file only describes shapes.
 */

/**
 * A grace-period cookie: a plain number (so it crosses to workers). Obtain one from `getState()` or
 * `startPoll()` and ask `poll(cookie)` whether that grace period has completed. {@link GP_COMPLETED} always
 * polls true.
 *
 * @example
 * const cookie = domain.startPoll()
 * if (domain.poll(cookie)) reuse(obj)
 * @since 0.1.0
 */
export type GpCookie = number;

/**
 * How readers are tracked.
 * - `loop`: synchronous readers on one isolate; a grace period costs one event-loop turn.
 * - `srcu`: sleepable readers whose sections may span `await`.
 * - `shared`: synchronous readers on several `worker_threads` over a `SharedArrayBuffer` (`@rcu/core/shared`).
 * - `manual`: a test domain whose grace periods start and end only when the test says (`@rcu/core/testing`).
 *
 * @example
 * const domain = createDomain({ flavor: 'srcu' })
 * domain.flavor // 'srcu'
 * @since 0.1.0
 */
export type Flavor = "loop" | "srcu" | "shared" | "manual";

/**
 * One open read-side section. Close it exactly once with `unlock()` or by disposal (`using`).
 *
 * @example
 * {
 *   using guard = domain.readLock()
 *   const config = cell.get()
 *   await handle(config) // fine on an `srcu` domain
 * } // unlocked here
 * @since 0.1.0
 */
export interface ReadGuard extends Disposable {
  /** Leaves the section. A second call throws `RcuError('UNLOCK_TWICE')`. */
  unlock(): void;
}

/**
 * Options of {@link createDomain}.
 *
 * @example
 * const domain = createDomain({ flavor: 'srcu', name: 'config', stallTimeoutMs: 5_000, onError: console.error })
 * @since 0.1.0
 */
export interface DomainOptions {
  /** `'loop'` (default) or `'srcu'`. `'shared'` lives in `@rcu/core/shared`. */
  readonly flavor?: "loop" | "srcu";
  /** A name used in messages and diagnostics. */
  readonly name?: string;
  /** Receives every reported failure (throwing callbacks, stalls, settle timeouts). Default: a process warning. */
  readonly onError?: (err: unknown) => void;
  /** Report a grace period held longer than this by a reader (ms). An integer in `[0, 2**31 - 1]`; `0` disables. Default 10 000. */
  readonly stallTimeoutMs?: number;
  /** Record where readers entered and check misuse that costs time to detect. Default false. */
  readonly debug?: boolean;
  /** Flush fire-and-forget work on the process's `beforeExit`. Default true. */
  readonly flushOnExit?: boolean;
  /** Async disposals (deferred functions and disposers returning promises) running at once. Default 64. */
  readonly maxConcurrentDisposals?: number;
  /**
   * An async disposal (or pool `destroy`, or close hook) that has not settled after this long is reported
   * (`SETTLE_TIMEOUT`) and stops holding `barrier()`/`close()` (ms). An integer in `[0, 2**31 - 1]`; `0` disables
   * the timeout. Default 30 000.
   */
  readonly settleTimeoutMs?: number;
}

/**
 * Flat counters of a domain (all numbers), for dashboards and tests.
 *
 * @example
 * const { gracePeriodsCompleted, pendingCallbacks } = domain.stats()
 * @since 0.1.0
 */
export interface DomainStats {
  /** Grace periods whose reader index has flipped. */
  readonly gracePeriodsStarted: number;
  /** Grace periods whose old readers have all left. */
  readonly gracePeriodsCompleted: number;
  /** `defer`/`retire` callbacks waiting for their grace period or still running (async). */
  readonly pendingCallbacks: number;
  /** Deferred callbacks and disposals that have run. */
  readonly callbacksRun: number;
  /** Async disposals in flight right now. */
  readonly asyncInFlight: number;
  /** Readers inside a counted section right now. */
  readonly readers: number;
  /** Stall reports so far. */
  readonly stalls: number;
  /** Failures reported so far (throwing callbacks, settle timeouts, debug misuse reports). */
  readonly errors: number;
  /** Times `expedite()` took effect. */
  readonly expedited: number;
  /** Grace-period waiters registered right now (`waitFor`, `synchronize`, engines). */
  readonly waiters: number;
}

/**
 * An RCU domain: readers enter sections, writers wait for (or defer work until) a grace period — the moment
 * every reader that was inside when the grace period was requested has left. Create one with
 * {@link createDomain}; close it with `close()` or `await using`.
 *
 * @example
 * const domain = createDomain()
 * const cell = createCell(domain, loadConfig())
 * domain.read(() => cell.get().port)
 * cell.set(loadConfig()) // the old config is disposed after a grace period
 * await domain.close()
 * @since 0.1.0
 */
export interface RcuDomain extends AsyncDisposable {
  /** How readers are tracked. */
  readonly flavor: Flavor;
  /** The name given at creation (or a generated one). */
  readonly name: string;
  /**
   * Runs `fn` inside a read-side section and returns its result. If `fn` returns a promise, the section is
   * held until it settles (use `srcu` for that; `loop` reports it in debug mode; `shared` rejects it).
   */
  read<R>(fn: () => R): R;
  /** Enters a read-side section; leave it with `unlock()` or `using`. */
  readLock(): ReadGuard;
  /**
   * The cookie of the earliest grace period that has not started yet and that covers every reader active
   * now. Stable within a synchronous turn. Starts nothing.
   */
  getState(): GpCookie;
  /** The same cookie as `getState()`, and makes sure that grace period gets started. */
  startPoll(): GpCookie;
  /** Whether the grace period named by `cookie` has completed. Throws `INVALID_COOKIE` for foreign cookies. */
  poll(cookie: GpCookie): boolean;
  /** Resolves once `cookie` has completed, starting the grace period it needs. */
  waitFor(cookie: GpCookie, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Waits for a full grace period from now. Callers in one turn share one grace period. */
  synchronize(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Makes the next flip and end happen as soon as the flavour can (a microtask instead of a turn). */
  expedite(): void;
  /** Runs `fn` after a grace period (`call_rcu`). A throwing or rejecting `fn` is reported, never lost. */
  defer(fn: () => void | PromiseLike<void>): void;
  /** Disposes `resource` after a grace period (`Symbol.dispose` or `Symbol.asyncDispose`). */
  retire(resource: Disposable | AsyncDisposable): void;
  /**
   * Resolves once every `defer`/`retire` issued before the call has run and settled. An aborted `signal`
   * rejects the wait (the deferred work itself goes on).
   */
  barrier(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Flat counters. */
  stats(): DomainStats;
  /** Refuses new work from outside, drains every engine and pool on the domain, then resolves. */
  close(): Promise<void>;
}

/**
 * Options of {@link createPending}.
 *
 * @example
 * const pending = createPending<Buffer>(domain, {
 *   process: (buf) => freeList.push(buf),
 *   sizeOf: (buf) => buf.byteLength,
 *   highWaterMark: { bytes: 64 << 20 },
 *   maxPerTurn: 10_000,
 * })
 * @since 0.1.0
 */
export interface PendingOptions<T> {
  /** Called once per item after its grace period, in cookie order, FIFO within a batch. */
  readonly process: (item: T) => void;
  /**
   * Size of an item in bytes (a finite number ≥ 0); feeds `pendingBytes`. Called once, at `enqueue`: the size
   * recorded then is the one subtracted when the item leaves, even if the item (or `sizeOf`) changes meanwhile.
   */
  readonly sizeOf?: (item: T) => number;
  /** Above this, the engine expedites, processes what is expired and calls `onPressure`. */
  readonly highWaterMark?: { readonly items?: number; readonly bytes?: number };
  /** Called once per upward crossing of `highWaterMark` (strictly greater). */
  readonly onPressure?: (stats: PendingStats) => void;
  /** Items processed per event-loop turn at most; the rest continues on the next turn. Default 10 000. */
  readonly maxPerTurn?: number;
  /** Items per storage chunk, 1 to 65 536 (each chunk is allocated whole). Default 512. */
  readonly chunkSize?: number;
  /** Chunks the engine may hold before items go to the overflow array. Default: unbounded. */
  readonly maxChunks?: number;
  /** `'int32'` stores items in `Int32Array` chunks (arena indices); default `'object'`. */
  readonly storage?: "object" | "int32";
  /** A name for messages and diagnostics. */
  readonly name?: string;
}

/**
 * Flat counters of a pending engine.
 *
 * @example
 * const { pending, pendingBytes, processed } = engine.stats()
 * @since 0.1.0
 */
export interface PendingStats {
  readonly enqueued: number;
  readonly processed: number;
  readonly dequeued: number;
  readonly pending: number;
  readonly pendingBytes: number;
  readonly errors: number;
  /** Batches (distinct cookies) held now. */
  readonly batches: number;
  /** Chunks ever allocated. */
  readonly chunksAllocated: number;
  /** Chunks in the recycle cache now. */
  readonly chunksCached: number;
  /** Items in overflow arrays now (past the chunk budget). */
  readonly overflow: number;
  /** The largest batch seen. */
  readonly maxBatch: number;
  /** Upward crossings of `highWaterMark`. */
  readonly pressureEvents: number;
  /** Age of the oldest pending batch (ms), 0 when empty. */
  readonly oldestAgeMs: number;
}

/**
 * Objects pending reclamation, batched by grace-period cookie (the bcachefs `rcu_pending` engine). Items are
 * handed to `process` after their grace period; `dequeue` takes one back early for type-stable reuse.
 *
 * @example
 * const pending = createPending<Conn>(domain, { process: (c) => c.close() })
 * pending.enqueue(oldConn)
 * const reused = pending.dequeue() // may still be seen by a reader: re-validate identity
 * await pending.drain()
 * @since 0.1.0
 */
export interface RcuPending<T> extends AsyncDisposable {
  /** Queues `item` for `process` after a grace period that starts after this call. */
  enqueue(item: T): void;
  /** Takes back an item whose grace period may not have ended: the oldest batch's newest item. */
  dequeue(): T | undefined;
  /** Like `dequeue`, the first item `pred` accepts (oldest batch first, newest item first). */
  dequeueWhere(pred: (item: T) => boolean): T | undefined;
  /** Items pending. */
  readonly size: number;
  /** Bytes pending (with `sizeOf`). */
  readonly pendingBytes: number;
  /** Resolves once the engine is not above its `highWaterMark`. */
  ready(): Promise<void>;
  /** Resolves once everything enqueued before the call has been processed (or dequeued). Stays open. */
  flush(): Promise<void>;
  /** Flat counters. */
  stats(): PendingStats;
  /** Flushes until empty, then closes (further `enqueue` from outside throws `CLOSED`). */
  drain(): Promise<void>;
}

/**
 * Options of {@link createCell}.
 *
 * @example
 * createCell(domain, conn, { retire: (old) => old.end() })
 * @since 0.1.0
 */
export interface CellOptions<T> {
  /** What to do with a replaced value after its grace period. Default: dispose it if disposable. */
  readonly retire?: (old: T) => void | PromiseLike<void>;
}

/**
 * A published value (`rcu_dereference` / `rcu_assign_pointer`): readers `get()` the current one, writers
 * `set()` a new one and the old one is retired after a grace period.
 *
 * @example
 * const config = createCell(domain, { port: 80 })
 * domain.read(() => config.get().port)
 * config.update((c) => ({ ...c, port: 8080 }))
 * @since 0.1.0
 */
export interface RcuCell<T> {
  /** The current value. Use inside a read section if you hold it across a grace period. */
  get(): T;
  /** Publishes `next`; the previous value is retired after a grace period (nothing if `next` is the same). */
  set(next: T): void;
  /** Publishes `fn(current)`. */
  update(fn: (current: T) => T): void;
}
