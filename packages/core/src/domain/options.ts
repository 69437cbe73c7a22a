/**
 * Domain options: validation and defaults. Every check throws `RcuError('INVALID_OPTION')` with the option's
 * name, so a bad option fails where the domain is created, not later inside a grace period.
 */
import { RcuError } from "../errors.js";
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

let domainCounter = 0;

function defaultOnError(err: unknown): void {
  const proc = (globalThis as { process?: { emitWarning?: (w: Error | string) => void } }).process;
  if (proc?.emitWarning !== undefined && err instanceof Error) proc.emitWarning(err);
  else console.warn(err);
}

function checkNumber(name: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value >= min) || Number.isNaN(value)) {
    throw new RcuError("INVALID_OPTION", `${name} must be a number ≥ ${min}, got ${JSON.stringify(value)}.`);
  }
}

/**
 * Validates `options` and applies the defaults of a domain of `flavor` run in `mode` (manual domains have no
 * stall timer and no exit flush by default).
 */
export function resolveDomainOptions(flavor: Flavor, mode: GraceMode, options: DomainOptions): ResolvedDomainOptions {
  if (options === null || typeof options !== "object") {
    throw new RcuError("INVALID_OPTION", "Domain options must be an object.");
  }
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw new RcuError("INVALID_OPTION", "onError must be a function.");
  }
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new RcuError("INVALID_OPTION", "name must be a string.");
  }
  checkNumber("stallTimeoutMs", options.stallTimeoutMs, 0);
  checkNumber("settleTimeoutMs", options.settleTimeoutMs, 0);
  checkNumber("maxConcurrentDisposals", options.maxConcurrentDisposals, 1);
  return {
    name: options.name ?? `${flavor}-${++domainCounter}`,
    debug: options.debug === true,
    onError: options.onError ?? defaultOnError,
    stallTimeoutMs: options.stallTimeoutMs ?? (mode === "auto" ? DEFAULT_STALL_TIMEOUT_MS : 0),
    maxConcurrent: Math.floor(options.maxConcurrentDisposals ?? DEFAULT_MAX_CONCURRENT_DISPOSALS),
    settleTimeoutMs: options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
    flushOnExit: options.flushOnExit !== false && mode === "auto",
  };
}
