/**
 * Domain options: validation and defaults. Every check throws `RcuError('INVALID_OPTION')` with the option's
 * name, so a bad option fails where the domain is created, not later inside a grace period.
 */
import { describeValue } from "../describe-value.js";
import { RcuError, isRcuError } from "../errors.js";
import { checkInteger, checkOptions, checkTimeout } from "../internal/validate.js";
import type { DomainOptions, Flavor } from "../types.js";
import type { GraceMode } from "../flavor/grace-source.js";

/** Default stall timeout of auto domains (ms). */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;
/** Default cap on async disposals in flight. */
export const DEFAULT_MAX_CONCURRENT_DISPOSALS = 64;
/** Default settle timeout of one async disposal (ms). */
export const DEFAULT_SETTLE_TIMEOUT_MS = 30_000;

/** A domain's options after validation, with defaults applied. */
export interface ResolvedDomainOptions {
  readonly name: string;
  readonly debug: boolean;
  readonly onError: (err: unknown) => void;
  readonly stallTimeoutMs: number;
  readonly maxConcurrent: number;
  readonly settleTimeoutMs: number;
  readonly flushOnExit: boolean;
}

/** Every option key of `createDomain`/`createManualDomain`/shared domains (the shared `maxThreads` is taken before). */
export const DOMAIN_OPTION_KEYS = [
  "flavor",
  "name",
  "onError",
  "stallTimeoutMs",
  "debug",
  "flushOnExit",
  "maxConcurrentDisposals",
  "settleTimeoutMs",
] as const;

let domainCounter = 0;

function defaultOnError(err: unknown): void {
  const proc = (globalThis as { process?: { emitWarning?: (w: Error | string) => void } }).process;
  if (proc?.emitWarning !== undefined && isRcuError(err)) proc.emitWarning(err);
  else console.warn(err);
}

/**
 * Validates `options` and applies the defaults of a domain of `flavor` run in `mode` (manual domains have no
 * stall timer and no exit flush by default).
 */
export function resolveDomainOptions(flavor: Flavor, mode: GraceMode, options: DomainOptions): ResolvedDomainOptions {
  checkOptions("Domain options", options, DOMAIN_OPTION_KEYS);
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw new RcuError("INVALID_OPTION", "onError must be a function.");
  }
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new RcuError("INVALID_OPTION", "name must be a string.");
  }
  for (const flag of ["debug", "flushOnExit"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
      throw new RcuError("INVALID_OPTION", `${flag} must be a boolean, got ${describeValue(options[flag])}.`);
    }
  }
  checkTimeout("stallTimeoutMs", options.stallTimeoutMs);
  checkTimeout("settleTimeoutMs", options.settleTimeoutMs);
  checkInteger("maxConcurrentDisposals", options.maxConcurrentDisposals, 1, Number.MAX_SAFE_INTEGER, true);
  return {
    name: options.name ?? `${flavor}-${++domainCounter}`,
    debug: options.debug === true,
    onError: options.onError ?? defaultOnError,
    stallTimeoutMs: options.stallTimeoutMs ?? (mode === "auto" ? DEFAULT_STALL_TIMEOUT_MS : 0),
    maxConcurrent: options.maxConcurrentDisposals ?? DEFAULT_MAX_CONCURRENT_DISPOSALS,
    settleTimeoutMs: options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
    flushOnExit: options.flushOnExit !== false && mode === "auto",
  };
}
