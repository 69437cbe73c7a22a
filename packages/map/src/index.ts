/**
 * `@rcu/map`: a hash table in a `SharedArrayBuffer` that every worker of a `shared` domain reads without locks,
 * updated live by copy-update from any thread, growing in place; replaced records are recycled after grace periods.
 */
export { attachSharedMap, createSharedMap } from "./create-shared-map.js";
export type { SharedMap, SharedMapHandle, SharedMapOptions, SharedMapStats, ValuesOf } from "./shared-map.js";
export type { KeyOf, KeySpec } from "./map-keys.js";
