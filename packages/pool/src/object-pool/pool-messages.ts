/**
 * The object pool's error messages, in one place: each builder returns the `PoolError` with its code and a
 * message that names the pool and says what to do.
 */
import { describeValue } from "@rcu/core";
import { PoolError } from "../pool-error.js";

/** The description of a thrown value; never throws, whatever the value (see `describeValue`). */
export function describe(err: unknown): string {
  return describeValue(err);
}

export function domainClosedError(poolName: string, cause: unknown): PoolError {
  return new PoolError(
    "CLOSED",
    `Pool "${poolName}": its domain is closed or closing. Create pools on a live domain.`,
    {
      cause,
    },
  );
}

export function closedError(poolName: string, what: string): PoolError {
  return new PoolError(
    "CLOSED",
    `Pool "${poolName}" is closed (drained, or its domain closed): ${what} is refused. Acquire from a live pool.`,
  );
}

export function abortedError(poolName: string, signal: AbortSignal): PoolError {
  return new PoolError("ABORTED", `Pool "${poolName}": acquireAsync() was aborted before an object was available.`, {
    cause: signal.reason,
  });
}

/** What an `EXHAUSTED` message reports about the pool. */
export interface ExhaustedState {
  readonly poolName: string;
  readonly typesafe: boolean;
  readonly owned: number;
  readonly max: number;
  readonly live: number;
  readonly pendingFree: number;
}

export function exhaustedError(state: ExhaustedState): PoolError {
  const hint = state.typesafe
    ? ""
    : `, or set typesafe: true to reuse objects before their grace period (readers must re-validate)`;
  return new PoolError(
    "EXHAUSTED",
    `Pool "${state.poolName}" is exhausted: it owns ${state.owned} of max ${state.max} objects ` +
      `(${state.live} lent, ${state.pendingFree} waiting for a grace period). Release leases sooner, raise max, ` +
      `wait with acquireAsync()${hint}.`,
  );
}

export function resetFailedError(poolName: string, err: unknown): PoolError {
  return new PoolError(
    "RESET_FAILED",
    `Pool "${poolName}": reset() threw (${describe(err)}); the object will be destroyed after a grace ` +
      `period and this acquire failed. Make reset() total, or acquire again.`,
    { cause: err },
  );
}

export function createThrewError(poolName: string, err: unknown): PoolError {
  return new PoolError(
    "CREATE_FAILED",
    `Pool "${poolName}": create() threw (${describe(err)}); nothing was counted. Fix create(), or catch this error and retry.`,
    { cause: err },
  );
}

export function createReturnedNonObjectError(poolName: string, value: unknown): PoolError {
  return new PoolError(
    "CREATE_FAILED",
    `Pool "${poolName}": create() returned ${describeValue(value)}; it must return a new object.`,
  );
}

export function createReturnedOwnedError(poolName: string): PoolError {
  return new PoolError(
    "CREATE_FAILED",
    `Pool "${poolName}": create() returned an object this pool already owns; it must return a new object each call.`,
  );
}

/** What a `STALE_RELEASE` message reports. */
export interface StaleRelease {
  readonly poolName: string;
  /** The generation the stale lease holds. */
  readonly generation: number;
  /** The slot's generation now. */
  readonly current: number;
  /** Debug: where the lease was first released. */
  readonly releasedAt: string | undefined;
}

export function staleReleaseError(stale: StaleRelease): PoolError {
  const why =
    stale.current === stale.generation
      ? "this lease was already released"
      : `its object has been lent again since (generation ${stale.current} now)`;
  return new PoolError(
    "STALE_RELEASE",
    `Pool "${stale.poolName}": release() of a stale lease (generation ${stale.generation}): ${why}. Release each lease ` +
      `exactly once and drop it afterwards.${stale.releasedAt === undefined ? "" : ` First released at:\n${stale.releasedAt}`}`,
  );
}

export function destroyFailedError(poolName: string, err: unknown): PoolError {
  return new PoolError(
    "DESTROY_FAILED",
    `Pool "${poolName}": destroy() failed (${describe(err)}); the object was dropped from the pool anyway.`,
    { cause: err },
  );
}

/** `acquire` from inside the pool's own `create`/`reset`. */
export function reentrantError(poolName: string, what: string): PoolError {
  return new PoolError(
    "REENTRANT",
    `Pool "${poolName}": ${what} from inside the pool's own create() or reset() is refused (it could exceed max). ` +
      "Make create()/reset() self-contained.",
  );
}
