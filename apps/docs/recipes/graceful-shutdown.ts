/**
 * Recipe: graceful shutdown.
 *
 * On SIGTERM a server stops accepting work, retires what is still published and awaits `domain.close()`, which
 * refuses new work from outside, lets disposers retire their children (calls from inside the domain's own
 * callbacks are accepted), and drains everything pending. Only then does it exit: `process.exit()` drops
 * whatever is still pending, because no JavaScript runs after it.
 */
import { EventEmitter } from "node:events";
import { createCell, createDomain, isRcuError, type RcuDomain } from "@rcu/core";

/** A connection that owns sessions; disposing it retires them (from inside a domain callback). */
class Connection implements Disposable {
  readonly sessions: Session[] = [];
  constructor(
    readonly name: string,
    private readonly domain: RcuDomain,
    private readonly log: string[],
  ) {}
  open(id: number) {
    const s = new Session(`${this.name}/session-${id}`, this.log);
    this.sessions.push(s);
    return s;
  }
  [Symbol.dispose](): void {
    this.log.push(`close ${this.name}`);
    for (const s of this.sessions) this.domain.retire(s); // accepted even while closing
  }
}
class Session implements Disposable {
  constructor(
    readonly name: string,
    private readonly log: string[],
  ) {}
  [Symbol.dispose](): void {
    this.log.push(`close ${this.name}`);
  }
}

/** Installs the shutdown handler on `signals` (in a real server: `process`). */
export function installShutdown(
  signals: EventEmitter,
  domain: RcuDomain,
  onPublished: () => Disposable,
  exit: (code: number) => void,
) {
  signals.once("SIGTERM", () => {
    domain.retire(onPublished()); // the live value goes too
    domain
      .close()
      .then(() => exit(0)) // exit only after close(): process.exit() drops pending work
      .catch(() => exit(1));
  });
}

export async function main() {
  const log: string[] = [];
  const domain = createDomain({ flavor: "srcu", name: "server" });
  const current = createCell(domain, new Connection("a", domain, log));
  current.get().open(1);
  current.set(new Connection("b", domain, log)); // "a" is retired, pending a grace period
  current.get().open(2);
  domain.defer(() => void log.push("flush metrics"));

  // The shutdown: driven by a real EventEmitter standing in for `process` so that the test keeps running.
  const signals = new EventEmitter();
  const exitCode = new Promise<number>((resolve) => installShutdown(signals, domain, () => current.get(), resolve));
  signals.emit("SIGTERM");
  const code = await exitCode;

  let refused: string | undefined;
  try {
    domain.defer(() => {});
  } catch (err) {
    if (isRcuError(err)) refused = err.code;
  }
  const readAfterClose = domain.read(() => current.get().name); // reads stay legal after close
  return { code, log, refused, readAfterClose, pendingAfterClose: domain.stats().pendingCallbacks };
}
