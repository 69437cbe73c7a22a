/**
 * Recipe: lazy reuse with the polled grace-period API.
 *
 * Instead of scheduling a callback per freed object, stamp each one with a cookie (`startPoll()`: the grace
 * period that covers every reader active now, and make sure it starts) and check it with `poll(cookie)` when
 * you are about to reuse it. No promise, no closure, no allocation per object — the kernel's
 * `get_state_synchronize_rcu()` / `poll_state_synchronize_rcu()` pattern.
 */
import { createDomain, GP_COMPLETED, type GpCookie, type RcuDomain } from "@rcu/core";

export class BufferCache {
  private readonly free: { buf: Uint8Array; cookie: GpCookie }[] = [];
  created = 0;
  reused = 0;
  constructor(
    private readonly domain: RcuDomain,
    private readonly size: number,
  ) {}
  /** Readers may still be looking at `buf`: remember which grace period must pass first. */
  release(buf: Uint8Array) {
    this.free.push({ buf, cookie: this.domain.startPoll() });
  }
  take(): Uint8Array {
    const head = this.free[0];
    if (head !== undefined && this.domain.poll(head.cookie)) {
      this.free.shift();
      this.reused++;
      return head.buf.fill(0);
    }
    this.created++;
    return new Uint8Array(this.size);
  }
}

export async function main() {
  const domain = createDomain(); // loop flavour: a grace period is about one event-loop turn
  const cache = new BufferCache(domain, 1024);
  const a = cache.take();
  cache.release(a);
  const b = cache.take(); // same turn: a reader may still see `a`, so this is a new buffer
  const sameTurnReused = b === a;

  await domain.synchronize(); // any later point in time works; this just makes the example deterministic
  const c = cache.take(); // `a`'s grace period has completed: reused
  const completed = domain.poll(GP_COMPLETED); // always true: a handy initial cookie
  await domain.close();
  return { sameTurnReused, laterReused: c === a, created: cache.created, reused: cache.reused, completed };
}
