/**
 * The async contexts a domain tracks where AsyncLocalStorage exists (Node): "inside the domain's callbacks"
 * across the async continuation of async disposers and `async function` callbacks, and (debug only) the
 * `read(fn)` sections the current async context is inside. Both are created lazily: on Node 20 an active
 * AsyncLocalStorage costs every promise a hook, so neither exists until first needed. In browsers both stay
 * `undefined` and only the synchronous checks apply.
 */
import { builtin } from "../internal/diagnostics.js";

/** The part of `AsyncLocalStorage` the domain uses. */
export interface AlsLike {
  run<R>(store: unknown, fn: () => R): R;
  getStore(): unknown;
}

/**
 * A lazily created AsyncLocalStorage: `get()` creates it; `peek()` never creates it. Both are `undefined`
 * where the runtime has none (browsers).
 */
export interface LazyAls {
  get(): AlsLike | undefined;
  peek(): AlsLike | undefined;
}

function lazyAls(): LazyAls {
  let instance: AlsLike | null | undefined;
  return {
    get() {
      if (instance === undefined) {
        const hooks = builtin<{ AsyncLocalStorage: new () => AlsLike }>("node:async_hooks");
        instance = hooks === undefined ? null : new hooks.AsyncLocalStorage();
      }
      return instance ?? undefined;
    },
    peek: () => instance ?? undefined,
  };
}

/** "Inside the domain's callbacks": the store is the domain whose callback runs. */
export const asyncContext = lazyAls();

/**
 * Debug only: marks of the `read(fn)` sections the current async context is inside, so `synchronize`/`barrier`/
 * `close`/`drain` awaited across an `await` inside a section are reported as SELF_DEADLOCK too (the synchronous
 * part is covered by `syncReadDepth` in every mode). A mark is closed when its section ends, so work that merely
 * inherited the context (a timer set inside a section that fires after it) is not reported. Work that runs
 * while the section is still open and came from it is reported even if it does not await — a debug-mode
 * approximation. The domain's own callbacks are never checked (they are "inside" the domain, not a section).
 */
export interface SectionMark {
  readonly domain: object;
  open: boolean;
  readonly parent: SectionMark | undefined;
}

/** Debug only: the open `read(fn)` sections of the current async context (see {@link SectionMark}). */
export const sectionContext = lazyAls();

const AsyncFunctionProto = Object.getPrototypeOf(async function () {}) as object;

/** Whether `fn` is an `async function` (its continuation must run inside the domain's async context). */
export function isAsyncFunction(fn: () => unknown): boolean {
  return Object.getPrototypeOf(fn) === AsyncFunctionProto;
}
