/**
 * The `SharedArrayBuffer` layout the `shared` flavour's main thread (writer) and workers (readers) agree on.
 *
 * `control` (Int32): `CUR` the published record, `STOP` set to 1 to end the workers, `CRASH` the id of a
 * worker that should throw inside its next section. `records` (Int32, `RECORD_WORDS` per record): `GEN` bumped
 * when the record is reclaimed (after a grace period), `FREED` 1 from reclamation until reuse, `RETIRED_AT` the
 * domain's `gracePeriodsCompleted` when the record was unpublished (-1 while published). `lanes` (BigInt64,
 * `LANE_WORDS` per worker lane): counters each worker adds to (see `LANE_*`); a replacement worker keeps adding
 * to its lane, so the totals survive kills. `structCur` (BigInt64, one word): the handle of the `@rcu/pool`
 * struct-pool record currently published (handles exceed 32 bits). Struct records have the fields of
 * {@link STRUCT_LAYOUT}: `lend` (a number the writer gives each lend) and `retiredAt` (as above).
 */

export const CUR = 0;
export const STOP = 1;
export const CRASH = 2;
export const CONTROL_WORDS = 4;
/** The exit code of a worker that crashed itself inside a section on `CRASH`. */
export const CRASH_EXIT_CODE = 70;

export const GEN = 0;
export const FREED = 1;
export const RETIRED_AT = 2;
export const RECORD_WORDS = 4;

export const LANE_READS = 0;
export const LANE_RECLAIMED = 1;
export const LANE_PIPE0 = 2;
export const LANE_PIPE1 = 3;
export const LANE_PIPE2 = 4;
export const LANE_PIPE3 = 5;
export const LANE_MAX_PIPE = 6;
export const LANE_REUSED = 7;
export const LANE_WORDS = 8;

/** Liveness words (an `Int32Array`): resolved waits, records lent twice, then one holder count per churn-pool record. */
export const LIVENESS_WAITS = 0;
export const LIVENESS_DOUBLE_LENT = 1;
export const LIVENESS_HOLDERS = 2;

/** The layout of the struct-pool records. */
export const STRUCT_LAYOUT = { lend: "i32", retiredAt: "i32" } as const;

/** What a reader worker receives as `workerData`. */
export interface ReaderData {
  /** The shared domain's handle (structured-cloneable). */
  readonly handle: unknown;
  readonly control: SharedArrayBuffer;
  readonly records: SharedArrayBuffer;
  readonly lanes: SharedArrayBuffer;
  readonly structCur: SharedArrayBuffer;
  /** The struct pool's handle (structured-cloneable); absent: the worker reads the raw records only. */
  readonly structPool?: unknown;
  readonly recordCount: number;
  readonly lane: number;
  /** Unique per worker instance (what `CRASH` names). */
  readonly id: number;
}

/**
 * Allocates the three buffers.
 *
 * @example
 * const { control, records, lanes } = allocateShared(64, 4)
 */
export function allocateShared(
  recordCount: number,
  laneCount: number,
): { control: SharedArrayBuffer; records: SharedArrayBuffer; lanes: SharedArrayBuffer; structCur: SharedArrayBuffer } {
  return {
    control: new SharedArrayBuffer(4 * CONTROL_WORDS),
    records: new SharedArrayBuffer(4 * RECORD_WORDS * recordCount),
    lanes: new SharedArrayBuffer(8 * LANE_WORDS * laneCount),
    structCur: new SharedArrayBuffer(8),
  };
}
