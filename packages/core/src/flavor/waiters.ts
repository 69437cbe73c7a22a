/**
 * Callbacks waiting for grace-period cookies, shared by every grace source (`LocalGrace`, `SharedGrace`).
 * A set in registration order; each entry can cancel itself in O(1). `runDue` removes and calls every entry
 * whose cookie is done — each isolated, so one failing callback never stops the others of that grace period.
 */
import type { GpCookie } from "../types.js";

/** A registered completion callback. */
export interface GraceWaiter {
  readonly cookie: GpCookie;
  /** Removes the waiter if it has not run yet. */
  cancel(): void;
}

interface WaiterRecord extends GraceWaiter {
  readonly cb: () => void;
}

export class GraceWaiters {
  private readonly set = new Set<WaiterRecord>();

  get size(): number {
    return this.set.size;
  }

  add(cookie: GpCookie, cb: () => void): GraceWaiter {
    const set = this.set;
    const record: WaiterRecord = {
      cookie,
      cb,
      cancel() {
        set.delete(record);
      },
    };
    set.add(record);
    return record;
  }

  cookies(): IterableIterator<GpCookie> {
    return [...this.set].map((w) => w.cookie)[Symbol.iterator]();
  }

  /** Removes and calls every waiter whose cookie `isDone` says has completed. */
  runDue(isDone: (cookie: GpCookie) => boolean): void {
    if (this.set.size === 0) return;
    const due: WaiterRecord[] = [];
    for (const w of this.set) {
      if (isDone(w.cookie)) {
        due.push(w);
        this.set.delete(w);
      }
    }
    for (const w of due) {
      try {
        w.cb();
      } catch (err) {
        // Waiter callbacks are internal (promise resolutions, engine notifications) and should not throw;
        // if one ever does, the others still run and the error surfaces instead of vanishing.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
