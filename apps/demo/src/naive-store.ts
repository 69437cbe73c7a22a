/**
 * `createNaiveStore`: the way hot reload is usually written. The current config and parser live in plain
 * variables; `swap()` publishes new ones and disposes the old ones on the spot. A request that started before
 * the swap and is still awaiting I/O keeps using the objects it read — which are now disposed. Nothing ever
 * waits, so nothing is pending, and every swap allocates a fresh parser.
 */
import { Config, Parser, createCounters } from "./resources.js";
import { Snapshot } from "./snapshot.js";
import type { Store, StoreSample } from "./store.js";

/**
 * A store that disposes replaced objects immediately.
 *
 * @example
 * const store = createNaiveStore()
 * const snap = store.enter()
 * store.swap()
 * snap.useConfig() // the old config: disposed, so snap.violated is now true
 */
export function createNaiveStore(): Store {
  const counters = createCounters();
  let version = 1;
  let config = new Config(version, counters);
  let parser = newParser(version);
  let swaps = 0;
  let closed = false;

  function newParser(version: number): Parser {
    const p = new Parser(counters);
    p.configure(version);
    return p;
  }

  return {
    kind: "naive",
    label: "naive (dispose on swap)",
    enter() {
      return new Snapshot(config, parser, undefined);
    },
    swap() {
      if (closed) return;
      version += 1;
      const oldConfig = config;
      const oldParser = parser;
      config = new Config(version, counters);
      parser = newParser(version);
      swaps += 1;
      // "Nobody should be using the old ones any more" — except the requests still awaiting I/O.
      oldConfig[Symbol.dispose]();
      oldParser.dispose();
    },
    sample(): StoreSample {
      return {
        swaps,
        swapsWithoutParser: 0,
        gracePeriods: undefined,
        pending: 0,
        reclaimed: counters.configsDisposed + counters.parsersDisposed,
        parsersAllocated: counters.parsersCreated,
        misuseReports: undefined,
        errors: 0,
      };
    },
    close() {
      if (!closed) {
        closed = true;
        config[Symbol.dispose]();
        parser.dispose();
      }
      return Promise.resolve();
    },
  };
}
