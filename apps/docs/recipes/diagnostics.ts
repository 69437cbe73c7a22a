/**
 * Recipe: observing domains with `node:diagnostics_channel`.
 *
 * `@rcu/core` publishes on five channels: `rcu:gp:start`, `rcu:gp:end`, `rcu:stall`, `rcu:pressure` and
 * `rcu:error`. Publishing costs nothing while nobody subscribes, so they stay on in production: subscribe from
 * your metrics or logging setup, never from library code, and unsubscribe when done.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createDomain, createPending } from "@rcu/core";

export const CHANNELS = ["rcu:gp:start", "rcu:gp:end", "rcu:stall", "rcu:pressure", "rcu:error"] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Counts messages per channel (a stand-in for your metrics client) and returns a function that stops. */
export function observe(counts: Map<ChannelName, number>, last: Map<ChannelName, unknown>): () => void {
  const handlers = CHANNELS.map((name) => {
    const onMessage = (message: unknown) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      last.set(name, message);
    };
    subscribe(name, onMessage);
    return () => unsubscribe(name, onMessage);
  });
  return () => handlers.forEach((stop) => stop());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function main() {
  const counts = new Map<ChannelName, number>();
  const last = new Map<ChannelName, unknown>();
  const stop = observe(counts, last);
  const reported: unknown[] = [];
  const domain = createDomain({
    flavor: "srcu",
    name: "observed",
    stallTimeoutMs: 20,
    onError: (err) => void reported.push(err),
  });
  try {
    await domain.synchronize(); // rcu:gp:start, rcu:gp:end

    domain.defer(() => {
      throw new Error("boom"); // rcu:error (and onError), never thrown into your stack
    });
    await domain.barrier();

    const engine = createPending<number>(domain, { process: () => {}, highWaterMark: { items: 2 } });
    const guard = domain.readLock(); // hold the grace period so the items pile up
    for (let i = 0; i < 3; i++) engine.enqueue(i); // rcu:pressure on crossing 2
    await sleep(60); // the reader is past stallTimeoutMs: rcu:stall
    guard.unlock();
    await engine.drain();
  } finally {
    await domain.close();
    stop();
  }
  return { counts: Object.fromEntries(counts) as Partial<Record<ChannelName, number>>, last, reported };
}
