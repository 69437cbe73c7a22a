/**
 * `@rcu/core`: read-copy-update for JavaScript — domains and grace periods, deferred reclamation, the
 * `rcu_pending` engine, cells, errors.
 */
export { createDomain } from "./domain.js";
export { createPending } from "./pending.js";
export { createCell } from "./cell.js";
export { onDomainClose } from "./domain/on-close.js";
export { trackSettle } from "./track-settle.js";
export type { TrackSettleOptions } from "./track-settle.js";
export { describeValue } from "./describe-value.js";
export { checkKnownOptions } from "./check-known-options.js";
export type { CheckKnownOptionsSettings } from "./check-known-options.js";
export { GP_COMPLETED } from "./grace-period.js";
export { domainCapabilities } from "./flavor/capabilities.js";
export type { FlavorCapabilities } from "./flavor/capabilities.js";
export { RcuError, isRcuError } from "./errors.js";
export type { RcuErrorCode } from "./errors.js";
export type {
  CellOptions,
  DomainOptions,
  DomainStats,
  Flavor,
  GpCookie,
  PendingOptions,
  PendingStats,
  RcuCell,
  RcuDomain,
  RcuPending,
  ReadGuard,
} from "./types.js";
