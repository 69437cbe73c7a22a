/**
 * `@rcu/core/shared`: one RCU domain whose readers run on several `worker_threads` in parallel, over a
 * `SharedArrayBuffer` (Node only). Read sections are synchronous, like kernel RCU readers. Deferred closures
 * run in the thread that deferred them; grace periods are shared by every attached thread.
 *
 * Idle threads cost nothing: a reader slot holds a grace period only while its thread is inside a section
 * (liburcu memb/mb counters, not QSBR), so a thread that sleeps, blocks in `Atomics.wait` or waits for
 * messages is already "offline" — no call is needed. `detach()` gives the slot back; `watch(worker)` frees
 * the slot of a worker that exits or crashes, even mid-section. Integer items (arena indices) pending across
 * threads live in `createSharedPending`.
 */
import type { WatchedWorker } from "./watched-worker.js";
import { RcuError } from "./errors.js";
import { builtin } from "./internal/diagnostics.js";
import { DomainImpl } from "./domain/domain-impl.js";
import { describeValue } from "./describe-value.js";
import { DOMAIN_OPTION_KEYS } from "./domain/options.js";
import {
  DOMAIN_ID,
  MAGIC,
  MAGIC_WORD,
  MAX_THREADS,
  bufferBytes,
  randomId,
  slotCtr,
  slotOwner,
  slotTid,
} from "./flavor/shared/layout.js";
import { SharedLock, currentTid, ownerDied } from "./flavor/shared/lock.js";
import { checkOptions, checkWorker } from "./internal/validate.js";
import { SharedGrace } from "./flavor/shared/shared-grace.js";
import type { DomainOptions, RcuDomain } from "./types.js";

/**
 * What a worker needs to attach to a shared domain. Structured-cloneable: send it with `postMessage` or
 * `workerData` to any number of workers.
 *
 * @example
 * new Worker(url, { workerData: { rcu: domain.handle } })
 * @since 0.1.0
 */
export interface SharedDomainHandle {
  readonly buffer: SharedArrayBuffer;
  readonly maxThreads: number;
  readonly name: string;
}

/**
 * Options of {@link createSharedDomain}.
 *
 * @example
 * createSharedDomain({ maxThreads: 8, name: 'index', stallTimeoutMs: 2_000 })
 * @since 0.1.0
 */
export interface SharedDomainOptions extends Omit<DomainOptions, "flavor"> {
  /** Threads (the creating one included) that may be attached at once, 1..1024. */
  readonly maxThreads: number;
}

/**
 * One thread's view of a shared domain: the full {@link RcuDomain} surface (flavour `'shared'`) plus the
 * handle to share and slot management.
 *
 * @example
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const worker = new Worker(url, { workerData: domain.handle })
 * domain.watch(worker) // frees its slot if it exits or crashes, even inside a section
 * @since 0.1.0
 */
export interface SharedDomain extends RcuDomain {
  /** The structured-cloneable handle for `attachSharedDomain` in other threads. */
  readonly handle: SharedDomainHandle;
  /** The reader slot this thread holds. */
  readonly slot: number;
  /** Frees this thread's slot as soon as `worker` exits (normally, by `terminate()`, or by crashing). */
  watch(worker: WatchedWorker): void;
  /** Frees this thread's reader slot (must not be inside a section). After `close()` reads stay legal until `detach()`. */
  detach(): void;
}

const attached = new WeakMap<SharedArrayBuffer, SharedDomain>();

function currentThreadId(): number {
  return builtin<{ threadId: number }>("node:worker_threads")?.threadId ?? 0;
}

function claimSlot(i32: Int32Array, maxThreads: number, owner: number): number {
  for (let i = 0; i < maxThreads; i++) {
    if (Atomics.compareExchange(i32, slotOwner(i), 0, owner) === 0) {
      Atomics.store(i32, slotCtr(i), 0);
      Atomics.store(i32, slotTid(i), currentTid()); // lets lock waiters ask the kernel whether we still exist
      return i;
    }
  }
  throw new RcuError(
    "TOO_MANY_THREADS",
    `All ${maxThreads} reader slots of this shared domain are taken. Raise maxThreads, detach() idle threads, ` +
      "or watch(worker) so slots of exited workers are freed.",
  );
}

class SharedDomainImpl extends DomainImpl implements SharedDomain {
  readonly handle: SharedDomainHandle;
  readonly slot: number;
  private readonly sharedGrace: SharedGrace;
  /** The domain buffer's words (slot table included). */
  readonly i32: Int32Array;

  constructor(handle: SharedDomainHandle, options: Omit<DomainOptions, "flavor">) {
    const i32 = new Int32Array(handle.buffer);
    const owner = currentThreadId() + 1;
    const slot = claimSlot(i32, handle.maxThreads, owner);
    let grace!: SharedGrace;
    super(
      {
        flavor: "shared",
        mode: "auto",
        makeGrace: (observer, debug) => (grace = new SharedGrace(i32, slot, owner, handle.maxThreads, observer, debug)),
      },
      { ...options, name: options.name ?? handle.name },
    );
    this.handle = handle;
    this.slot = slot;
    this.sharedGrace = grace;
    this.i32 = i32;
  }

  watch(worker: WatchedWorker): void {
    const owner = checkWorker("watch(worker)", worker);
    worker.once("exit", () => {
      SharedGrace.release(this.i32, this.handle.maxThreads, owner);
    });
  }

  detach(): void {
    if (this.sharedGrace.detached) return;
    if (this.sharedGrace.readers() !== 0) {
      throw new RcuError("SELF_DEADLOCK", "detach() inside a read section: unlock every guard of this thread first.");
    }
    this.sharedGrace.detached = true;
    Atomics.store(this.i32, slotCtr(this.slot), 0);
    Atomics.store(this.i32, slotTid(this.slot), 0);
    Atomics.store(this.i32, slotOwner(this.slot), 0);
    attached.delete(this.handle.buffer);
  }
}

/**
 * Checks a handle against its buffer's header: the magic word, `maxThreads` equal to the one the buffer was
 * made for (a smaller one would make `synchronize()` skip the other slots and end a grace period under a live
 * reader) and a buffer large enough for it. Reading the handle's fields cannot throw past this function.
 */
function checkHandle(handle: unknown): asserts handle is SharedDomainHandle {
  const refuse = (why: string): RcuError =>
    new RcuError(
      "INVALID_OPTION",
      `Not a shared-domain handle (${why}): pass the \`handle\` of a domain from createSharedDomain(), unchanged.`,
    );
  let buffer: unknown;
  let maxThreads: unknown;
  let name: unknown;
  try {
    const h = handle as Partial<SharedDomainHandle>;
    if (h === null || typeof h !== "object") throw refuse(`got ${describeValue(handle)}`);
    ({ buffer, maxThreads, name } = h);
  } catch (err) {
    if (err instanceof RcuError) throw err;
    throw refuse(`its fields cannot be read: ${describeValue(err)}`);
  }
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < bufferBytes(1))
    throw refuse("no shared-domain buffer");
  const i32 = new Int32Array(buffer);
  if (i32[MAGIC_WORD] !== MAGIC) throw refuse("its buffer is not a shared domain's");
  if (maxThreads !== i32[MAX_THREADS] || buffer.byteLength < bufferBytes(i32[MAX_THREADS]!)) {
    throw refuse(`maxThreads ${describeValue(maxThreads)} does not match the buffer's ${i32[MAX_THREADS]}`);
  }
  if (typeof name !== "string") throw refuse(`name must be a string, got ${describeValue(name)}`);
}

/**
 * Creates a shared domain and attaches the calling thread. Send `domain.handle` to workers, which call
 * {@link attachSharedDomain}; call `domain.watch(worker)` for each so a dead worker's slot is freed.
 *
 * Readers: `read(fn)` with a synchronous `fn` (a promise-returning one throws `ASYNC_SECTION`) or
 * `readLock()`; a couple of `Atomics` operations each. Writers: `synchronize()`, `defer()`, `retire()`, the
 * polled API — grace periods are shared by every thread, and waiting never blocks a thread.
 *
 * @throws {RcuError} `INVALID_OPTION` for `maxThreads` outside 1..1024.
 * @example
 * import { Worker } from 'node:worker_threads'
 * import { createSharedDomain } from '@rcu/core/shared'
 *
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const worker = new Worker(new URL('./reader.js', import.meta.url), { workerData: domain.handle })
 * domain.watch(worker)
 * publish(newIndex)
 * await domain.synchronize() // every worker has left the sections that could see the old index
 * recycle(oldIndex)
 * @since 0.1.0
 */
export function createSharedDomain(options: SharedDomainOptions): SharedDomain {
  checkOptions(
    "createSharedDomain",
    options,
    [...DOMAIN_OPTION_KEYS.filter((k) => k !== "flavor"), "maxThreads"],
    false,
  );
  const maxThreads = options.maxThreads;
  if (typeof maxThreads !== "number" || !Number.isInteger(maxThreads) || maxThreads < 1 || maxThreads > 1024) {
    throw new RcuError("INVALID_OPTION", `maxThreads must be an integer in 1..1024, got ${describeValue(maxThreads)}.`);
  }
  const buffer = new SharedArrayBuffer(bufferBytes(maxThreads));
  const i32 = new Int32Array(buffer);
  i32[MAX_THREADS] = maxThreads;
  i32[MAGIC_WORD] = MAGIC;
  i32[DOMAIN_ID] = randomId();
  const { maxThreads: _max, ...rest } = options;
  const handle: SharedDomainHandle = { buffer, maxThreads, name: options.name ?? "shared" };
  const domain = new SharedDomainImpl(handle, rest);
  attached.set(buffer, domain);
  return domain;
}

/**
 * Attaches the calling thread (usually a worker) to a shared domain and returns its view. Attaching twice from
 * one thread returns the same view.
 *
 * @throws {RcuError} `TOO_MANY_THREADS` when every slot is taken; `INVALID_OPTION` for a foreign handle.
 * @example
 * import { workerData } from 'node:worker_threads'
 * import { attachSharedDomain } from '@rcu/core/shared'
 *
 * const domain = attachSharedDomain(workerData)
 * domain.read(() => lookup(sharedIndex, key))
 * @since 0.1.0
 */
export function attachSharedDomain(
  handle: SharedDomainHandle,
  options: Omit<DomainOptions, "flavor"> = {},
): SharedDomain {
  checkHandle(handle);
  checkOptions(
    "attachSharedDomain",
    options,
    DOMAIN_OPTION_KEYS.filter((k) => k !== "flavor"),
  );
  const existing = attached.get(handle.buffer);
  if (existing !== undefined) return existing;
  const domain = new SharedDomainImpl(handle, options);
  attached.set(handle.buffer, domain);
  return domain;
}

/**
 * A spinlock word in shared memory that never wedges a thread because its holder died: see
 * {@link createSharedLock}.
 *
 * @example
 * const lock = createSharedLock(domain, words, 0)
 * lock.lock()
 * try { words[1] = next } finally { lock.unlock() } // one final store publishes the change
 * @since 0.1.0
 */
export interface SharedSpinLock {
  /** This thread's tag in the lock word (`threadId + 1`). */
  readonly owner: number;
  /** Takes the lock; `true` when it was taken over from a holder whose thread had died. Never waits on the event loop. */
  lock(): boolean;
  /** Frees the lock (call only while holding it). */
  unlock(): void;
  /** Frees the lock if the thread tagged `owner` holds it: call from a dead worker's `exit` event. */
  releaseOf(owner: number): void;
}

/**
 * A spinlock at `words[index]` (0 when free, else the holder's `threadId + 1`) for short critical sections
 * shared by the threads attached to `domain`. A waiter spins, then parks 50 µs at a time, and takes the lock over
 * as soon as the holder's thread no longer exists (on Linux the kernel's thread list says so synchronously,
 * without waiting for a `Worker`'s `exit` event; elsewhere call `releaseOf` from that event). Write the critical
 * section so that one final store publishes its effect: then a holder that died anywhere inside left the data as
 * before or as after its operation, and the thread that takes the lock over needs no repair.
 *
 * @throws {RcuError} `INVALID_OPTION` for a domain that is not `shared`, or `words` not over a `SharedArrayBuffer`.
 * @example
 * const words = new Int32Array(new SharedArrayBuffer(8)) // [0] lock, [1] data; send it to workers
 * const lock = createSharedLock(domain, words, 0)
 * lock.lock()
 * Atomics.store(words, 1, Atomics.load(words, 1) + 1)
 * lock.unlock()
 * @since 0.1.0
 */
export function createSharedLock(domain: SharedDomain, words: Int32Array, index: number): SharedSpinLock {
  if (!(domain instanceof SharedDomainImpl)) {
    throw new RcuError(
      "INVALID_OPTION",
      "createSharedLock needs a domain from createSharedDomain() or attachSharedDomain().",
    );
  }
  if (
    !(words instanceof Int32Array) ||
    !(words.buffer instanceof SharedArrayBuffer) ||
    !Number.isInteger(index) ||
    index < 0 ||
    index >= words.length
  ) {
    throw new RcuError(
      "INVALID_OPTION",
      "createSharedLock(domain, words, index): words must be an Int32Array over a SharedArrayBuffer and index a word in it.",
    );
  }
  return new SharedLock(
    words,
    index,
    currentThreadId() + 1,
    new Int32Array(domain.handle.buffer),
    domain.handle.maxThreads,
  );
}

/**
 * Whether the thread tagged `owner` (`threadId + 1`, the tag a {@link SharedSpinLock} word holds) is known to
 * have died while attached to `domain`: its slot records an OS thread id and the kernel no longer lists that
 * thread (Linux: `/proc/self/task/<tid>`). Answers synchronously — a worker terminated or crashed a moment ago
 * is seen dead without waiting for its `exit` event — so a structure with its own owner-stamped lock words can
 * take back a dead holder's locks from inside a spin. `false` means alive, or unknown: no OS thread ids on this
 * platform, the thread detached, or its slot was already freed by `watch(worker)` (whose `exit` listeners are
 * then the place to recover). A recycled OS thread id can only make a dead thread look alive, never the reverse.
 * Costs a file-system lookup: ask after spinning, not on every attempt.
 *
 * @throws {RcuError} `INVALID_OPTION` for a domain that is not `shared`, or `owner` not an integer in 1..2^31-1.
 * @example
 * import { threadDied } from '@rcu/core/shared'
 *
 * // a spin on an owner-stamped lock word that never waits forever on a dead holder
 * for (;;) {
 *   const holder = Atomics.compareExchange(words, LOCK, 0, me)
 *   if (holder === 0) break
 *   if (threadDied(domain, holder)) recoverFrom(holder) // repair, then free what `holder` held
 *   else Atomics.wait(words, LOCK, holder, 0.05)
 * }
 * @since 0.1.0
 */
export function threadDied(domain: SharedDomain, owner: number): boolean {
  if (!(domain instanceof SharedDomainImpl)) {
    throw new RcuError(
      "INVALID_OPTION",
      "threadDied needs a domain from createSharedDomain() or attachSharedDomain().",
    );
  }
  if (typeof owner !== "number" || !Number.isInteger(owner) || owner < 1 || owner > 0x7fffffff) {
    throw new RcuError(
      "INVALID_OPTION",
      `threadDied(domain, owner): owner is a thread's tag (its threadId + 1, an integer in 1..2^31-1), got ${describeValue(owner)}.`,
    );
  }
  return ownerDied(domain.i32, domain.handle.maxThreads, owner);
}

export { attachSharedPending, createSharedPending } from "./pending/shared-pending.js";
export type { WatchedWorker } from "./watched-worker.js";
export type {
  SharedPending,
  SharedPendingHandle,
  SharedPendingOptions,
  SharedPendingStats,
} from "./pending/shared-pending.js";
