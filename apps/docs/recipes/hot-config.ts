/**
 * Recipe: a hot-swappable configuration with `RcuCell`.
 *
 * Request handlers take the current config when they start and keep using that snapshot across `await`s (an
 * `srcu` domain, whose sections may span `await`). A reloader publishes a new config with `set()` at any time.
 * The old config owns resources (here: a pretend upstream connection), so it must be disposed — but only after
 * every request that could still be using it has finished. `RcuCell` retires the replaced value after a grace
 * period, calling its `Symbol.dispose`.
 */
import { createCell, createDomain, type RcuCell, type RcuDomain } from "@rcu/core";

export class Config implements Disposable {
  disposed = false;
  constructor(
    readonly version: number,
    readonly upstream: string,
  ) {}
  [Symbol.dispose](): void {
    this.disposed = true; // close the connection, stop the file watcher, ...
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// #region tour
/** A request handler: one read section for the whole request, across its awaits. */
async function handleRequest(domain: RcuDomain, config: RcuCell<Config>, ioMs: number) {
  using _section = domain.readLock();
  const cfg = config.get(); // the snapshot this request uses from start to end
  await sleep(ioMs); // ... talk to cfg.upstream ...
  return { version: cfg.version, disposedWhileInUse: cfg.disposed };
}

export async function main() {
  const domain = createDomain({ flavor: "srcu", name: "config" });
  const v1 = new Config(1, "10.0.0.1");
  const config = createCell(domain, v1);

  const slow = handleRequest(domain, config, 30); // starts on v1
  config.set(new Config(2, "10.0.0.2")); // reload: readers from now on see v2
  await sleep(5);
  const v1DisposedDuringRequest = v1.disposed; // false: the slow request still holds it

  const slowResult = await slow;
  await domain.barrier(); // the retirement of v1 has run
  const fresh = await handleRequest(domain, config, 1);
  await domain.close();
  return { slowResult, v1DisposedDuringRequest, v1DisposedAfter: v1.disposed, freshVersion: fresh.version };
}
// #endregion tour
