/**
 * `FaultInjector`: wraps the work a domain runs for us (deferred callbacks, disposers, engine `process`) so that a
 * small share of it fails the way real code does: 1% throws, some async ones reject, a few never settle (the
 * domain's settle timeout must report them as `SETTLE_TIMEOUT`), some settle a few microtasks later. Every injected fault is
 * counted in `stats.faultsInjected`; `classify` tells the domain's `onError` which reports they explain, so the
 * report can demand "every fault reported, nothing else reported".
 */
import { isRcuError } from "@rcu/core";
import type { FlavorStats } from "./flavor-stats.js";

/** Probabilities per call (0..1). */
export interface FaultRates {
  readonly throws: number;
  readonly rejects: number;
  readonly hangs: number;
  /** Async work that settles a few microtasks later (not a fault: goes through the async-disposal path). */
  readonly slow: number;
}

/**
 * Resolves after `n` microtask hops. Async faults settle this way rather than on timers: a timer can fire after
 * the domain's settle timer when the event loop lags (Node runs overdue timer lists by list, not by deadline),
 * which would turn a rejection or a slow disposal into a legitimate SETTLE_TIMEOUT and blur the exact count.
 * Only the injected hangs reach the settle timeout.
 */
async function afterMicrotasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** The rates of a torture run: 1% of callbacks throw. */
export const DEFAULT_RATES: FaultRates = { throws: 0.01, rejects: 0.005, hangs: 0.0005, slow: 0.02 };

/** The error every injected throw or rejection carries (so reports can be matched to it). */
export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

/**
 * Decides, per call, whether and how work fails.
 *
 * @example
 * const faults = new FaultInjector(stats, DEFAULT_RATES)
 * domain.defer(faults.wrap(() => { ran++ }))
 */
export class FaultInjector {
  constructor(
    private readonly stats: FlavorStats,
    private readonly rates: FaultRates,
    private readonly random: () => number = Math.random,
  ) {}

  /** Returns a synchronous callback (engine `process`) that runs `body` and then maybe throws. */
  wrapSync(body: () => void): () => void {
    if (this.random() >= this.rates.throws) return body;
    this.stats.faultsInjected++;
    this.stats.faultKinds.throws++;
    return () => {
      body();
      throw new InjectedFault("injected throw");
    };
  }

  /** Returns a callback that runs `body` and then maybe fails: throws, rejects, never settles, or settles later. */
  wrap(body: () => void): () => void | Promise<void> {
    const r = this.random();
    const { throws, rejects, hangs, slow } = this.rates;
    if (r < throws) {
      this.stats.faultsInjected++;
      this.stats.faultKinds.throws++;
      return () => {
        body();
        throw new InjectedFault("injected throw");
      };
    }
    if (r < throws + rejects) {
      this.stats.faultsInjected++;
      this.stats.faultKinds.rejects++;
      return () => {
        body();
        return afterMicrotasks(2).then(() => Promise.reject(new InjectedFault("injected rejection")));
      };
    }
    if (r < throws + rejects + hangs) {
      this.stats.faultsInjected++;
      this.stats.faultKinds.hangs++;
      return () => {
        body();
        return new Promise<void>(() => {}); // never settles: the settle timeout must report it
      };
    }
    if (r < throws + rejects + hangs + slow) {
      return () => {
        body();
        return afterMicrotasks(1 + Math.floor(this.random() * 8));
      };
    }
    return body;
  }

  /** Whether a reported error is explained by an injected fault (directly, as a cause, or a settle timeout). */
  static explains(err: unknown): boolean {
    if (err instanceof InjectedFault) return true;
    if (isRcuError(err)) {
      if (err.code === "SETTLE_TIMEOUT") return true;
      return err.cause instanceof InjectedFault;
    }
    return false;
  }
}

/**
 * An `onError` for a tortured domain: counts every report and keeps a few that no fault explains.
 *
 * @example
 * createDomain({ onError: errorCounter(stats) })
 */
export function errorCounter(stats: FlavorStats): (err: unknown) => void {
  return (err) => {
    stats.errorsReported++;
    const code = isRcuError(err) ? err.code : err instanceof Error ? err.name : typeof err;
    stats.reportedCodes[code] = (stats.reportedCodes[code] ?? 0) + 1;
    if (!FaultInjector.explains(err) && stats.unexpectedErrorSamples.length < 5) {
      stats.unexpectedErrorSamples.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  };
}
