/**
 * Recipe: `share` with `gracePeriod`.
 *
 * A shared upstream (here: a connection) is torn down when its last subscriber leaves — with plain `share()`
 * (or `shareReplay({ bufferSize: 1, refCount: true })`), at once, even if some code is still using the connection it received. `share({ resetOnRefCountZero: () =>
 * gracePeriod(domain) })` waits instead until every reader that was inside a read section at that moment has
 * left. A subscriber arriving during the wait cancels the reset and reuses the same connection, exactly like a
 * `timer(ms)` linger — but it waits for readers instead of guessing a duration.
 */
import { createDomain, type RcuDomain } from "@rcu/core";
import { gracePeriod } from "@rcu/rxjs";
import { Observable, ReplaySubject, firstValueFrom, share, type MonoTypeOperatorFunction } from "rxjs";

export class Connection {
  closed = false;
  constructor(readonly id: number) {}
  query(sql: string): string {
    if (this.closed) throw new Error(`connection ${this.id} used after close`);
    return `#${this.id}: ${sql}`;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function run(domain: RcuDomain, sharing: MonoTypeOperatorFunction<Connection>) {
  const connections: Connection[] = [];
  const connection$ = new Observable<Connection>((subscriber) => {
    const conn = new Connection(connections.length + 1);
    connections.push(conn);
    subscriber.next(conn);
    return () => {
      conn.closed = true;
    };
  }).pipe(sharing);

  const log: string[] = [];
  /** A reader takes the connection (firstValueFrom unsubscribes at once) and uses it after `ms`. */
  const reader = async (sql: string, ms: number) => {
    using _section = domain.readLock();
    const conn = await firstValueFrom(connection$);
    await sleep(ms);
    try {
      log.push(conn.query(sql));
    } catch (err) {
      log.push((err as Error).message);
    }
  };
  const first = reader("select 1", 20);
  await sleep(5);
  await reader("select 2", 0); // arrives while the first reader is still busy
  await first;
  await domain.synchronize(); // the last reader has left: a grace period later the connection is torn down
  await domain.synchronize();
  return { log, opened: connections.length, allClosedAtEnd: connections.every((c) => c.closed) };
}

export async function main() {
  const domain = createDomain({ flavor: "srcu", name: "connections" });
  // A replaying connector so that late subscribers get the current connection (like shareReplay with refCount).
  const connector = () => new ReplaySubject<Connection>(1);
  const plain = await run(domain, share({ connector }));
  const graceful = await run(domain, share({ connector, resetOnRefCountZero: () => gracePeriod(domain) }));
  await domain.close();
  return { plain, graceful };
}
