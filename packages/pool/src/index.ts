/**
 * `@rcu/pool`: a typed object pool whose released objects are reused only after an RCU grace period, or
 * type-stably before it (`typesafe: true`) with generation checks.
 */
export { createPool } from "./object-pool/create-pool.js";
export type { Lease } from "./object-pool/lease.js";
export type { Pool } from "./object-pool/pool.js";
export type { PoolOptions } from "./object-pool/pool-options.js";
export type { PoolStats } from "./object-pool/pool-stats.js";
export { PoolError, isPoolError } from "./pool-error.js";
export type { PoolErrorCode } from "./pool-error.js";
export { attachStructPool, createStructPool } from "./struct-pool/create-struct-pool.js";
export type { StructPool, StructPoolHandle, StructPoolOptions, StructPoolStats } from "./struct-pool/types.js";
export type { FieldArray, FieldType, StructLayout } from "./struct-pool/layout.js";
export type { FreeListKind } from "./struct-pool/free-list.js";
