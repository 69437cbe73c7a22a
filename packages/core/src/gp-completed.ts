import { COMPLETED_COOKIE } from "./internal/cookie.js";
import type { GpCookie } from "./types.js";

/**
 * A cookie that always polls true (`RCU_GET_STATE_COMPLETED`): a neutral initial value for "the grace period
 * this object last waited for", so `poll(GP_COMPLETED)` needs no special case.
 *
 * @example
 * let lastFreed: GpCookie = GP_COMPLETED
 * domain.poll(lastFreed) // true
 * @since 0.1.0
 */
export const GP_COMPLETED: GpCookie = COMPLETED_COOKIE;
