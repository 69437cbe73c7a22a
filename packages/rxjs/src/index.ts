/**
 * `@rcu/rxjs`: RxJS operators and notifiers for deferred disposal and safe teardown after RCU grace periods.
 */
export { finalizeWhen } from "./finalize-when.js";
export { gracePeriod } from "./grace-period.js";
export { retirePrevious } from "./retire-previous.js";
export type { RetirePreviousOptions } from "./retire-previous.js";
export { switchMapDeferred } from "./switch-map-deferred.js";
export type { SwitchMapDeferredOptions } from "./switch-map-deferred.js";
export { withReadLock } from "./with-read-lock.js";
export type { WithReadLockOptions } from "./with-read-lock.js";
