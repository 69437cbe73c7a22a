/**
 * The core package's test support, in one module: turns and microtask hops, promise probes, the grace-period
 * {@link Driver} the domain contract and the other suites use, a counting disposable, and RcuError assertions.
 * Not shipped (tsconfig.build.json excludes test-support).
 */
import { expect } from "vitest";
import type { RcuErrorCode } from "../errors.js";
import { isRcuError } from "../errors.js";
import type { ManualControls } from "../testing.js";
import type { RcuDomain } from "../types.js";

/** One real event-loop turn (the core's turn hook is a `setImmediate` scheduled before this one). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A few microtask hops (no macrotask runs in between). */
export async function microtasks(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Whether `domain` is a manual domain (its grace periods move only inside the controls). */
export function isManual(domain: RcuDomain): domain is RcuDomain & ManualControls {
  return typeof (domain as Partial<ManualControls>).advance === "function";
}

/** Observes a promise without awaiting it. */
export interface Probe<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
}

export function probe<T>(p: Promise<T>): Probe<T> {
  const state: { settled: boolean; value: T | undefined; error: unknown } = {
    settled: false,
    value: undefined,
    error: undefined,
  };
  p.then(
    (v) => {
      state.settled = true;
      state.value = v;
    },
    (e: unknown) => {
      state.settled = true;
      state.error = e;
    },
  );
  return state;
}

/** Drives the grace periods of one domain. */
export interface Driver {
  readonly domain: RcuDomain;
  readonly manual: boolean;
  /** Everything the domain reported through `onError`. */
  readonly errors: unknown[];
  /** One step: manual → `advance()` and a turn; auto → a turn. */
  settle(): Promise<void>;
  /** `n` steps. */
  steps(n: number): Promise<void>;
  /** Steps until `p` settles and returns it; fails after `timeoutMs` instead of hanging. */
  drive<T>(p: Promise<T>, timeoutMs?: number): Promise<T>;
  /** Steps until `cond()` holds; fails after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs?: number): Promise<void>;
}

export function makeDriver(domain: RcuDomain, errors: unknown[]): Driver {
  const manual = isManual(domain);
  const settle = async (): Promise<void> => {
    if (isManual(domain)) domain.advance();
    await turn();
  };
  const until = async (cond: () => boolean, timeoutMs = 3000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let step = 0;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms of grace-period steps`);
      await settle();
      // Past a few hundred fast steps, leave room for timers (settle timeouts) to fire.
      if (++step > 200) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  return {
    domain,
    manual,
    errors,
    settle,
    async steps(n: number): Promise<void> {
      for (let i = 0; i < n; i++) await settle();
    },
    async drive<T>(p: Promise<T>, timeoutMs?: number): Promise<T> {
      const seen = probe(p);
      await until(() => seen.settled, timeoutMs);
      return p;
    },
    until,
  };
}

/** A synchronous disposable that counts its disposals. */
export class Res implements Disposable {
  disposed = 0;
  constructor(
    readonly id: string,
    private readonly onDispose?: () => void,
  ) {}
  [Symbol.dispose](): void {
    this.disposed++;
    this.onDispose?.();
  }
}

/** A promise with its resolvers (Node 20 has no `Promise.withResolvers`). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function expectCode(fn: () => unknown, code: RcuErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isRcuError(thrown, code), `expected RcuError ${code}, got ${String(thrown)}`).toBe(true);
}

/** Marks a promise handled now (it is asserted later, after turns in which Node would call it unhandled). */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export async function expectRejectCode(p: Promise<unknown>, code: RcuErrorCode): Promise<void> {
  let thrown: unknown;
  try {
    await p;
  } catch (err) {
    thrown = err;
  }
  expect(isRcuError(thrown, code), `expected a rejection with RcuError ${code}, got ${String(thrown)}`).toBe(true);
}
