/**
 * `startServer`: the HTTP service (node:http on 127.0.0.1, an ephemeral port). Each request snapshots the
 * published config and parser through the store (`using snap = store.enter()` — an RCU read section for the RCU
 * store), then uses them across two simulated I/O waits, as a real handler would: read a setting, await the
 * database, parse with the parser, await a downstream call, read another setting, parse again, respond. The
 * snapshot flags any use of a disposed or recycled object; the server counts requests that hit one (and still
 * answers them, with `x-disposed-touched: 1`, so nothing crashes and the count is exact).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simulatedIo } from "./simulated-io.js";
import type { Store } from "./store.js";

/** Server-side counters. */
export interface ServerStats {
  /** Requests answered 200. */
  served: number;
  /** Requests that touched a disposed or recycled config/parser. */
  violations: number;
  /** Requests whose handler threw (answered 500). */
  failed: number;
}

/** A running service. */
export interface RunningServer {
  readonly port: number;
  readonly stats: ServerStats;
  /** Stops accepting, closes every connection, resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * Starts the service on 127.0.0.1 (an ephemeral port).
 *
 * @example
 * const server = await startServer(createNaiveStore(), { ioMaxMs: 4 })
 * // GET http://127.0.0.1:${server.port}/render?id=1
 * await server.close()
 */
export async function startServer(store: Store, options: { readonly ioMaxMs: number }): Promise<RunningServer> {
  const stats: ServerStats = { served: 0, violations: 0, failed: 0 };
  const server = createServer((req, res) => {
    handle(store, options.ioMaxMs, req, res, stats).catch((err: unknown) => {
      stats.failed += 1;
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err === undefined) resolve();
          else reject(err);
        });
        server.closeAllConnections();
      }),
  };
}

async function handle(
  store: Store,
  ioMaxMs: number,
  req: IncomingMessage,
  res: ServerResponse,
  stats: ServerStats,
): Promise<void> {
  const url = req.url ?? "/";
  let body: string;
  let violated: boolean;
  {
    using snap = store.enter();
    const greeting = snap.useConfig().greeting;
    await simulatedIo(ioMaxMs); // e.g. a database read
    const value = snap.useParser().parse(url);
    await simulatedIo(ioMaxMs); // e.g. a downstream call
    const scale = snap.useConfig().scale;
    const check = snap.useParser().parse(greeting);
    body = JSON.stringify({ version: snap.useConfig().version, greeting, value: value * scale, check });
    violated = snap.violated;
  } // the read section ends here
  stats.served += 1;
  if (violated) stats.violations += 1;
  res.writeHead(200, { "content-type": "application/json", "x-disposed-touched": violated ? "1" : "0" });
  res.end(body);
}
