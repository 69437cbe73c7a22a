/**
 * Diagnostics channels (fixed public names): `rcu:gp:start`, `rcu:gp:end`, `rcu:stall`, `rcu:error` and
 * `rcu:pressure` are published on `node:diagnostics_channel`. The test subscribes like an APM tool would and
 * filters by domain name (channels are process-wide).
 */
import dc from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDomain } from "./domain.js";
import { createPending } from "./pending.js";
import { isRcuError } from "./errors.js";
import { turn } from "./test-support/index.js";

const NAMES = ["rcu:gp:start", "rcu:gp:end", "rcu:stall", "rcu:error", "rcu:pressure"] as const;
type Name = (typeof NAMES)[number];

let received: Record<Name, Array<Record<string, unknown>>>;
const listeners = new Map<Name, (message: unknown) => void>();

function of(name: Name, domain: string): Array<Record<string, unknown>> {
  return received[name].filter((m) => m.domain === domain);
}

beforeEach(() => {
  received = { "rcu:gp:start": [], "rcu:gp:end": [], "rcu:stall": [], "rcu:error": [], "rcu:pressure": [] };
  for (const name of NAMES) {
    const fn = (message: unknown): void => void received[name].push(message as Record<string, unknown>);
    listeners.set(name, fn);
    dc.subscribe(name, fn);
  }
});
afterEach(() => {
  for (const [name, fn] of listeners) dc.unsubscribe(name, fn);
  listeners.clear();
  vi.useRealTimers();
});

describe("diagnostics channels", () => {
  it("rcu:gp:start and rcu:gp:end carry the domain and the cookie of the grace period", async () => {
    const domain = createDomain({ flavor: "srcu", name: "diag-gp" });
    const g = domain.readLock();
    const cookie = domain.startPoll();
    const p = domain.synchronize();
    await turn();
    expect(of("rcu:gp:start", "diag-gp")).toEqual([{ domain: "diag-gp", cookie, readers: 1 }]);
    expect(of("rcu:gp:end", "diag-gp")).toEqual([]);
    g.unlock();
    await p;
    expect(of("rcu:gp:end", "diag-gp")).toEqual([{ domain: "diag-gp", cookie }]);
    expect(domain.poll(cookie)).toBe(true);
  });

  it("rcu:error carries every reported failure (and onError still gets it)", async () => {
    const errors: unknown[] = [];
    const domain = createDomain({ name: "diag-error", onError: (e) => errors.push(e) });
    const cause = new Error("deferred failure");
    domain.defer(() => {
      throw cause;
    });
    await domain.barrier();
    const published = of("rcu:error", "diag-error");
    expect(published).toHaveLength(1);
    const error = published[0]!.error;
    expect(isRcuError(error, "CALLBACK_FAILED")).toBe(true);
    expect((error as Error).cause).toBe(cause);
    expect(errors).toEqual([error]);
  });

  it("rcu:stall carries readers, age and (in debug) stacks", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const domain = createDomain({
      flavor: "srcu",
      name: "diag-stall",
      stallTimeoutMs: 30,
      debug: true,
      onError: () => {},
    });
    const g = domain.readLock();
    const cookie = domain.getState();
    void domain.synchronize();
    await turn();
    vi.advanceTimersByTime(30);
    const stalls = of("rcu:stall", "diag-stall");
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ domain: "diag-stall", readers: 1, ageMs: 30, cookie });
    expect(stalls[0]!.stacks).toHaveLength(1);
    g.unlock();
  });

  it("rcu:pressure is published once per upward crossing of an engine's highWaterMark", async () => {
    const domain = createDomain({ flavor: "srcu", name: "diag-pressure" });
    const engine = createPending<number>(domain, { process: () => {}, highWaterMark: { items: 2 }, name: "buffers" });
    const g = domain.readLock(); // keeps everything pending, so the crossing is not processed away
    engine.enqueue(1);
    engine.enqueue(2);
    expect(of("rcu:pressure", "diag-pressure")).toEqual([]);
    engine.enqueue(3);
    engine.enqueue(4);
    const pressure = of("rcu:pressure", "diag-pressure");
    expect(pressure).toHaveLength(1);
    expect(pressure[0]).toMatchObject({ domain: "diag-pressure", name: "buffers", pending: 3 });
    g.unlock();
    await engine.flush();
  });

  it("nothing is published once every subscriber left", async () => {
    for (const [name, fn] of listeners) dc.unsubscribe(name, fn);
    listeners.clear();
    const domain = createDomain({ name: "diag-none" });
    await domain.synchronize();
    expect(dc.channel("rcu:gp:start").hasSubscribers).toBe(false);
    expect(of("rcu:gp:start", "diag-none")).toEqual([]);
    expect(of("rcu:gp:end", "diag-none")).toEqual([]);
  });
});
