/**
 * `@rcu/pool`: a typed object pool whose released objects are reused only after an RCU grace period, or
 * type-stably before it (`typesafe: true`) with generation checks.
 */
export { createPool } from "./create-pool.js";
export type { Lease } from "./lease.js";
export type { Pool } from "./pool.js";
export type { PoolOptions } from "./pool-options.js";
export type { PoolStats } from "./pool-stats.js";
export { PoolError, isPoolError } from "./pool-error.js";
export type { PoolErrorCode } from "./pool-error.js";
export { attachStructPool, createStructPool } from "./create-struct-pool.js";
export type { StructPool, StructPoolHandle, StructPoolOptions, StructPoolStats } from "./create-struct-pool.js";
export type { FieldArray, FieldType, StructLayout } from "./struct-layout.js";
export type { FreeListKind } from "./struct-free-list.js";
