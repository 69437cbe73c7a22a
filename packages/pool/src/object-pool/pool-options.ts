/**
 * Options of `createPool`, their defaults, and the checks that turn bad input into `PoolError('INVALID_OPTION')`
 * with a message that says what to pass instead.
 */
import type { RcuDomain } from "@rcu/core";
import { describeValue } from "@rcu/core";
import { PoolError } from "../pool-error.js";
import { checkOptions } from "../validate.js";

/** Every option key of `createPool`. */
const POOL_OPTION_KEYS = [
  "domain",
  "create",
  "reset",
  "destroy",
  "max",
  "min",
  "maxFree",
  "typesafe",
  "strict",
  "debug",
  "name",
  "onError",
] as const;

/**
 * Options of {@link createPool}.
 *
 * Policy: `max` bounds every object the pool owns (leased, free and pending). An object whose grace period has
 * ended goes to the first `acquireAsync` waiter, else to the free list; it is destroyed instead when the free
 * list already holds `maxFree` objects and the pool owns more than `min`. `drain()` destroys everything it owns
 * and every object released later.
 *
 * @example
 * const pool = createPool({
 *   domain,
 *   create: () => new Float64Array(1024),
 *   reset: (buf) => buf.fill(0),
 *   max: 256,
 *   maxFree: 64,
 * })
 * @since 0.1.0
 */
export interface PoolOptions<T extends object> {
  /** The domain whose grace periods guard reuse; its `close()` drains the pool. */
  readonly domain: RcuDomain;
  /**
   * Makes a new object (synchronous). A throw becomes `PoolError('CREATE_FAILED')` at the acquire call. It must
   * not acquire from this pool (`REENTRANT`).
   */
  readonly create: () => T;
  /**
   * Prepares a recycled object before it is lent again (not called for fresh objects). Runs after the
   * generation was bumped, so a typesafe reader that re-checks the generation never trusts half-reset fields.
   * A throw becomes `PoolError('RESET_FAILED')`; the object is then destroyed after a grace period.
   */
  readonly reset?: (value: T) => void;
  /**
   * Releases what an object holds when the pool lets it go (beyond `maxFree`, after a failed `reset`, on
   * `drain`). May return a promise, which `drain()` and the domain's `close()` await for at most the domain's
   * `settleTimeoutMs` (then `SETTLE_TIMEOUT` is reported). Failures are reported (`DESTROY_FAILED`), never thrown.
   */
  readonly destroy?: (value: T) => void | PromiseLike<void>;
  /**
   * Most objects the pool owns at once: leased + free + pending. A positive integer or `Infinity` (default). A
   * pool can own at most 2^24 objects (16,777,216: it keeps them in a `Map`, which V8 caps there), so a larger
   * `max`, like `Infinity`, means that limit.
   */
  readonly max?: number;
  /**
   * Objects created up front (synchronously, by `createPool`) and never destroyed by the `maxFree` policy (only by
   * `drain`). An integer from 0 (default) to 2^24.
   */
  readonly min?: number;
  /** Most objects kept in the free list; more are destroyed when their grace period ends. Default `Infinity`. */
  readonly maxFree?: number;
  /**
   * `false` (default): an object is lent again only after the grace period that followed its release.
   * `true` (`SLAB_TYPESAFE_BY_RCU`): `acquire` may take back an object still waiting for its grace period;
   * readers must then re-validate with `generationOf`/`isLive` after reading its fields.
   */
  readonly typesafe?: boolean;
  /** Throw `PoolError('STALE_RELEASE')` from a stale or second `release()` instead of returning `false`. */
  readonly strict?: boolean;
  /**
   * Poison released values (`USE_AFTER_RELEASE`, with the release stack; not with `typesafe`), record acquire
   * and release stacks, and report leases garbage-collected without release (`LEAKED_LEASE`). Costs time.
   */
  readonly debug?: boolean;
  /** A name for messages. Default `pool-<n>`. */
  readonly name?: string;
  /**
   * Receives failures that have no caller to throw to (`DESTROY_FAILED`, `LEAKED_LEASE`). Default: a process
   * warning (`console.error` where `process` does not exist).
   */
  readonly onError?: (err: PoolError) => void;
}

/** Options after defaults and validation (internal). */
export interface ResolvedPoolOptions<T extends object> {
  readonly domain: RcuDomain;
  readonly create: () => T;
  readonly reset: ((value: T) => void) | undefined;
  readonly destroy: ((value: T) => void | PromiseLike<void>) | undefined;
  readonly max: number;
  readonly min: number;
  readonly maxFree: number;
  readonly typesafe: boolean;
  readonly strict: boolean;
  readonly debug: boolean;
  readonly name: string;
  readonly onError: (err: PoolError) => void;
}

let poolCount = 0;

/** The most objects one pool can own at once: it keeps them in a `Map`, and V8 caps a `Map` at 2^24 entries. */
const MAX_OWNED = 2 ** 24;

/** Applies defaults and throws `PoolError('INVALID_OPTION')` for anything out of range. */
export function resolvePoolOptions<T extends object>(options: PoolOptions<T>): ResolvedPoolOptions<T> {
  if (typeof options !== "object" || options === null) {
    throw invalid("createPool(options) needs an options object: createPool({ domain, create: () => new Thing() }).");
  }
  checkOptions("createPool", options, POOL_OPTION_KEYS);
  const { domain, create, reset, destroy } = options as Partial<PoolOptions<T>>;
  let isDomain = false;
  try {
    isDomain = typeof domain === "object" && domain !== null && typeof domain.readLock === "function";
  } catch {
    // a revoked proxy or a throwing getter: not a domain
  }
  if (!isDomain || domain === undefined) {
    throw invalid(
      "`domain` must be an RcuDomain (createDomain() from '@rcu/core'); it decides when objects may be reused.",
    );
  }
  if (typeof create !== "function") throw invalid("`create` must be a function that returns a new object.");
  if (reset !== undefined && typeof reset !== "function") throw invalid("`reset` must be a function or omitted.");
  if (destroy !== undefined && typeof destroy !== "function") throw invalid("`destroy` must be a function or omitted.");
  const max = options.max ?? Number.POSITIVE_INFINITY;
  if (!(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max >= 1))) {
    throw invalid(`\`max\` must be a positive integer or Infinity, got ${describeValue(max)}.`);
  }
  const min = options.min ?? 0;
  if (!(Number.isInteger(min) && min >= 0 && min <= MAX_OWNED)) {
    throw invalid(
      `\`min\` must be an integer from 0 to ${MAX_OWNED} (the most objects one pool can own), got ` +
        `${describeValue(min)}. These objects are created synchronously by createPool.`,
    );
  }
  if (min > max) throw invalid(`\`min\` (${min}) must not exceed \`max\` (${max}).`);
  const maxFree = options.maxFree ?? Number.POSITIVE_INFINITY;
  if (!(maxFree === Number.POSITIVE_INFINITY || (Number.isInteger(maxFree) && maxFree >= 0))) {
    throw invalid(`\`maxFree\` must be a non-negative integer or Infinity, got ${describeValue(maxFree)}.`);
  }
  for (const flag of ["typesafe", "strict", "debug"] as const) {
    const value = options[flag];
    if (value !== undefined && typeof value !== "boolean")
      throw invalid(`\`${flag}\` must be a boolean, got ${typeof value}.`);
  }
  if (options.name !== undefined && typeof options.name !== "string") throw invalid("`name` must be a string.");
  if (options.onError !== undefined && typeof options.onError !== "function")
    throw invalid("`onError` must be a function.");
  poolCount += 1;
  return {
    domain,
    create,
    reset,
    destroy,
    max: Math.min(max, MAX_OWNED),
    min,
    maxFree,
    typesafe: options.typesafe ?? false,
    strict: options.strict ?? false,
    debug: options.debug ?? false,
    name: options.name ?? `pool-${poolCount}`,
    onError: options.onError ?? warn,
  };
}

function invalid(message: string): PoolError {
  return new PoolError("INVALID_OPTION", message);
}

function warn(err: PoolError): void {
  const proc = (globalThis as { process?: { emitWarning?: (warning: Error) => void } }).process;
  if (typeof proc?.emitWarning === "function") proc.emitWarning(err);
  else console.error(err);
}
