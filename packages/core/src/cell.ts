/**
 * RcuCell: `rcu_assign_pointer` / `rcu_dereference` for one value. `set` publishes the new value with a plain
 * store (JS has no reordering to guard against on one isolate) and hands the old one to the domain's deferred
 * engine, so it is retired only after every reader that could have seen it has left. Setting the value that
 * is already current retires nothing.
 */
import { RcuError } from "./errors.js";
import { internalsOf } from "./domain/internals.js";
import type { CellOptions, RcuCell, RcuDomain } from "./types.js";

function isDisposable(value: unknown): value is Partial<Disposable & AsyncDisposable> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    (typeof (value as Partial<AsyncDisposable>)[Symbol.asyncDispose] === "function" ||
      typeof (value as Partial<Disposable>)[Symbol.dispose] === "function")
  );
}

/**
 * Creates a cell holding `initial`. Readers call `get()` (inside a read section when they keep the value
 * across a grace period); writers `set()` or `update()` it. The replaced value is retired after a grace period:
 * with `options.retire`, or by default disposed if it is `Disposable`/`AsyncDisposable` (otherwise dropped).
 *
 * @throws {RcuError} `INVALID_OPTION` when `retire` is not a function; `CLOSED` from `set` after close.
 * @example
 * import { createCell, createDomain } from '@rcu/core'
 *
 * const domain = createDomain({ flavor: 'srcu' })
 * const config = createCell(domain, await loadConfig())
 *
 * // reader: the snapshot stays valid across awaits inside the section
 * await domain.read(async () => { const c = config.get(); await serve(c) })
 * // writer: publish; the old config is disposed after the grace period
 * config.set(await loadConfig())
 * @since 0.1.0
 */
export function createCell<T>(domain: RcuDomain, initial: T, options: CellOptions<T> = {}): RcuCell<T> {
  internalsOf(domain);
  const retire = options.retire;
  if (retire !== undefined && typeof retire !== "function") {
    throw new RcuError("INVALID_OPTION", "createCell: `retire` must be a function (old) => void | Promise<void>.");
  }
  let current = initial;
  const release = (old: T): void => {
    if (retire !== undefined) domain.defer(() => retire(old));
    else if (isDisposable(old)) domain.retire(old as Disposable | AsyncDisposable);
  };
  return {
    get: () => current,
    set(next: T): void {
      const old = current;
      if (Object.is(old, next)) return;
      current = next;
      try {
        release(old);
      } catch (err) {
        current = old; // refused (e.g. CLOSED): nothing published, nothing lost
        throw err;
      }
    },
    update(fn: (value: T) => T): void {
      this.set(fn(current));
    },
  };
}
