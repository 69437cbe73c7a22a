/**
 * A worker of the `map` torture (see map-torture.ts). Role `reader`: until `STOP`, run read sections that look
 * up 32 random keys, check each record found is whole (its `key` field is the key looked up, and `a`, `b`, `c`
 * agree with its `gen`), and — just before leaving the section — check again that each record still holds what
 * it held (same key and gen: it was not recycled while the section could see it); keys of the stable set must
 * always be found. Every 8th section stays inside for ~30 ms while writers keep recycling. Role `writer`: set, update and delete random keys until `STOP` (it is killed from outside at
 * random moments, mid-write; the parent's `map.watch(worker)` must take back its locks and records).
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachSharedMap } from "@rcu/map";
import type { SharedMapHandle } from "@rcu/map";
import {
  LANE,
  MAP_LANE_WORDS,
  MAP_STOP,
  STABLE_BASE,
  STABLE_KEYS,
  isWhole,
  recordFor,
  type MapLayout,
} from "./map-torture-layout.js";
import { endGracePeriodsEarly } from "./test-switches.js";

interface MapWorkerData {
  readonly rcu: SharedDomainHandle;
  readonly map: SharedMapHandle<"u32", MapLayout>;
  readonly control: SharedArrayBuffer;
  readonly lanes: SharedArrayBuffer;
  readonly lane: number;
  readonly role: "reader" | "writer";
  readonly keySpace: number;
  readonly selfTest: boolean;
}

const data = workerData as MapWorkerData;
if (data.selfTest) endGracePeriodsEarly(true);
const domain = attachSharedDomain(data.rcu);
const map = attachSharedMap(data.map, domain);
const control = new Int32Array(data.control);
const lane = new Float64Array(data.lanes, data.lane * MAP_LANE_WORDS * 8, MAP_LANE_WORDS);
let seed = (data.lane + 1) * 2654435761;
const rand = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

if (data.role === "reader") {
  const found = new Int32Array(32);
  const keys = new Int32Array(32);
  const gens = new Int32Array(32);
  for (let section = 0; Atomics.load(control, MAP_STOP) === 0; section++) {
    const long = section % 8 === 7; // every 8th section stays inside ~30 ms, across many grace-period requests
    domain.read(() => {
      for (let i = 0; i < 32; i++) {
        const stable = i < 4;
        const key = stable ? STABLE_BASE + rand(STABLE_KEYS) : rand(data.keySpace);
        const h = map.lookup(key);
        lane[LANE.lookups]!++;
        found[i] = h ?? -1;
        keys[i] = key;
        if (h === undefined) {
          if (stable) lane[LANE.missed]!++;
          continue;
        }
        lane[LANE.hits]!++;
        try {
          const gen = map.get(h, "gen");
          gens[i] = gen;
          if (!isWhole(key, gen, map.get(h, "key"), map.get(h, "a"), map.get(h, "b"), map.get(h, "c")))
            lane[LANE.torn]!++;
        } catch {
          lane[LANE.recycled]!++; // the handle lookup() just returned no longer names its record
          found[i] = -1;
        }
      }
      if (long) {
        const until = Date.now() + 30;
        while (Date.now() < until && Atomics.load(control, MAP_STOP) === 0); // writers recycle records meanwhile
      } else {
        for (let spin = 0; spin < 200; spin++) Atomics.load(control, MAP_STOP); // let writers overlap the section
      }
      for (let i = 0; i < 32; i++) {
        const h = found[i]!;
        if (h === -1) continue;
        try {
          if (map.get(h, "key") !== keys[i] || map.get(h, "gen") !== gens[i]) lane[LANE.recycled]!++;
        } catch {
          lane[LANE.recycled]!++; // the handle no longer names its record: it was recycled inside the section
        }
      }
    });
    lane[LANE.reads]!++;
  }
} else {
  void write();
}

/**
 * The writer's loop, in a function rather than at the module's top level: a worker terminated while its module
 * is still being evaluated across a top-level `await` can abort the whole process inside V8
 * (`SourceTextModule::ExecuteAsyncModule`), and this worker is terminated mid-write on purpose. A throw still
 * reaches the parent as the worker's `error` event (an unhandled rejection ends the worker).
 */
async function write(): Promise<void> {
  for (let n = 0; Atomics.load(control, MAP_STOP) === 0; n++) {
    if (n % 64 === 0) await turn();
    const key = rand(data.keySpace);
    try {
      if (n % 7 === 6) map.delete(key);
      else if (n % 5 === 4) map.update(key, (cur) => recordFor(key, (cur?.gen ?? 0) + 1));
      else map.set(key, recordFor(key, rand(1 << 30)));
      lane[LANE.updates]!++;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "FULL") throw err;
      lane[LANE.full]!++;
      await map.reclaimable();
    }
  }
}
