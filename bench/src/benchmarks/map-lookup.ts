/**
 * 12. Shared map (`@rcu/map`): one hash table in shared memory read by every worker without locks.
 *
 * A `u32`-keyed map of 100,000 records `{ port: u16, weight: f64 }` lives in a growable SharedArrayBuffer. Reader
 * threads look up pseudo-random keys and read `port`, 64 lookups per read section, in a tight loop, while the
 * main thread updates a random key every 1 ms (copy-update: a new record is published, the old one recycled
 * after its grace period). Each reader counts lookups over a fixed window and times itself twice: wall clock,
 * and its own on-CPU time (Linux `/proc/thread-self/schedstat`); throughput is summed over the readers.
 * - 2 reader threads vs 1, per thread-CPU (writer at 1 kHz). Goal ≥ 1.8×: lookups scale with threads (nothing
 *   a reader writes is shared; the per-thread CPU normalisation is explained in struct-pool.ts).
 * - vs an `Atomics` reader-writer lock map: the same table and lookups, but each lookup takes a reader-writer
 *   lock (reader count + writer bit in one word, writer-preferring) and the writer updates under it. 2 readers
 *   each. Goal ≥ 5×: the rw-lock's shared counter bounces between cores on every lookup.
 * - vs asking an owner thread by message: the main thread sends the key to a worker that owns a JS `Map` and
 *   awaits the reply (`postMessage` both ways), one lookup at a time, against main-thread lookups in a read
 *   section. CPU time of the whole process both ways (the owner's work counts). Goal ≥ 100×.
 * - One thread, against a JS `Map` in the same thread (the limit: no sharing at all): `lookup(k)` + `get(h,
 *   'port')` inside one read section vs `map.get(k).port`, over the same 1M pseudo-random keys; u32 keys
 *   (goal ≤ 3×) and string keys of ≈ 20 UTF-8 bytes (goal ≤ 5×; the JS `Map` reuses the hash V8 caches in each
 *   string, ours hashes the string on every lookup since its hash must be the same in every thread).
 */
import { Worker } from "node:worker_threads";
import { createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { createSharedMap } from "@rcu/map";
import type { SharedMap } from "@rcu/map";
import type { Benchmark } from "../types.js";
import { sleep, timeMsAsync, timeNs } from "../timing.js";
import { runReaders, type Throughput } from "./reader-threads.js";
import { KEYS, LOCK, MAP_LAYOUT, READY, WRITER, controlWords, type MapLayout } from "./map-shared.js";

const READERS = 2;

interface Setup {
  readonly domain: SharedDomain;
  readonly map: SharedMap<"u32", MapLayout>;
  readonly strings: SharedMap<{ type: "string"; maxBytes: 32 }, MapLayout>;
  readonly c: Int32Array;
  readonly owner: Worker;
  readonly jsMap: Map<number, { port: number; weight: number }>;
  readonly jsStrings: Map<string, { port: number; weight: number }>;
  readonly keys: Uint32Array;
  readonly stringKeys: string[];
}

let setup: Setup | undefined;
const routeOf = (k: number): string => `/api/v1/route/${k}`;

async function start(): Promise<Setup> {
  if (setup !== undefined) return setup;
  const domain = createSharedDomain({ maxThreads: READERS + 1, name: "bench-map" });
  const map = createSharedMap({ domain, key: "u32", value: MAP_LAYOUT, capacity: KEYS });
  const strings = createSharedMap({ domain, key: { type: "string", maxBytes: 32 }, value: MAP_LAYOUT, capacity: KEYS });
  const jsMap = new Map<number, { port: number; weight: number }>();
  const jsStrings = new Map<string, { port: number; weight: number }>();
  for (let k = 0; k < KEYS; k++) {
    map.set(k, { port: k & 0xffff, weight: k / 2 });
    strings.set(routeOf(k), { port: k & 0xffff, weight: k / 2 });
    jsMap.set(k, { port: k & 0xffff, weight: k / 2 });
    jsStrings.set(routeOf(k), { port: k & 0xffff, weight: k / 2 });
  }
  const keys = new Uint32Array(1 << 20);
  let x = 7;
  for (let i = 0; i < keys.length; i++) keys[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % KEYS;
  const stringKeys = Array.from(keys.subarray(0, 1 << 18), routeOf);
  const control = new SharedArrayBuffer(4 * controlWords(READERS));
  const c = new Int32Array(control);
  const workers = Array.from({ length: READERS }, (_, id) => {
    const w = new Worker(new URL("./map-reader.js", import.meta.url), {
      workerData: { rcu: domain.handle, map: map.handle, control, id },
    });
    map.watch(w);
    w.unref();
    return w;
  });
  const owner = new Worker(new URL("./map-owner.js", import.meta.url));
  owner.unref();
  const failures: string[] = [];
  for (const w of [...workers, owner]) w.once("error", (err: Error) => failures.push(err.stack ?? err.message));
  const ownerReady = new Promise((resolve) => owner.once("message", resolve));
  for (let waited = 0; Atomics.load(c, READY) < READERS; waited += 5) {
    if (failures.length > 0 || waited > 30_000)
      throw new Error(`map readers did not start: ${failures[0] ?? "timeout"}`);
    await sleep(5);
  }
  await ownerReady;
  setup = { domain, map, strings, c, owner, jsMap, jsStrings, keys, stringKeys };
  return setup;
}

let serial = 0;

/** One RCU write: a new record for a random key (the old one is recycled after its grace period). */
function rcuWrite(s: Setup): void {
  const k = (serial = (serial * 7 + 13) % KEYS);
  try {
    s.map.set(k, { port: serial & 0xffff, weight: serial });
  } catch {
    // FULL: every spare record still waits for its grace period — skip this tick
  }
}

/** One write under the reader-writer lock. */
function lockWrite(s: Setup): void {
  const c = s.c;
  Atomics.or(c, LOCK, WRITER);
  while (Atomics.load(c, LOCK) !== WRITER) {
    // readers inside drain; new ones wait for the writer bit to clear
  }
  rcuWrite(s);
  Atomics.store(c, LOCK, 0);
}

/** Runs the readers `active` for `ms` with the writer ticking every 1 ms. */
async function measure(s: Setup, mode: 0 | 1, active: number, ms: number): Promise<Throughput> {
  const throughput = await runReaders(s.c, mode, active, ms, () => (mode === 1 ? lockWrite(s) : rcuWrite(s)));
  await s.map.reclaimable();
  return throughput;
}

/** CPU ns per lookup + field read, one thread. */
function oursU32(s: Setup, n: number): number {
  const { map, domain, keys } = s;
  let sum = 0;
  const ns = timeNs(() =>
    domain.read(() => {
      for (let i = 0; i < n; i++) {
        const h = map.lookup(keys[i & (keys.length - 1)]!);
        if (h !== undefined) sum += map.get(h, "port");
      }
      return sum;
    }),
  );
  return ns / n;
}

function jsU32(s: Setup, n: number): number {
  const { jsMap, keys } = s;
  let sum = 0;
  const ns = timeNs(() => {
    for (let i = 0; i < n; i++) {
      const v = jsMap.get(keys[i & (keys.length - 1)]!);
      if (v !== undefined) sum += v.port;
    }
    return sum;
  });
  return ns / n;
}

function oursString(s: Setup, n: number): number {
  const { strings, domain, stringKeys } = s;
  let sum = 0;
  const ns = timeNs(() =>
    domain.read(() => {
      for (let i = 0; i < n; i++) {
        const h = strings.lookup(stringKeys[i & (stringKeys.length - 1)]!);
        if (h !== undefined) sum += strings.get(h, "port");
      }
      return sum;
    }),
  );
  return ns / n;
}

function jsString(s: Setup, n: number): number {
  const { jsStrings, stringKeys } = s;
  let sum = 0;
  const ns = timeNs(() => {
    for (let i = 0; i < n; i++) {
      const v = jsStrings.get(stringKeys[i & (stringKeys.length - 1)]!);
      if (v !== undefined) sum += v.port;
    }
    return sum;
  });
  return ns / n;
}

/** CPU ns per lookup by message to the owner thread (sequential round trips). */
async function byMessage(s: Setup, n: number): Promise<number> {
  const ms = await timeMsAsync(async () => {
    for (let i = 0; i < n; i++) {
      const reply = new Promise((resolve) => s.owner.once("message", resolve));
      s.owner.postMessage(s.keys[i]);
      await reply;
    }
  });
  return (ms * 1e6) / n;
}

export const mapLookup: Benchmark = {
  name: "map-lookup",
  title: "shared map lookups: thread scaling, vs an Atomics rw-lock, vs an owner thread, vs a JS Map",
  repetitions: { full: 7, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "scale",
      name: "14. map u32 lookups, 2 threads vs 1, per thread-CPU (writer 1 kHz)",
      unit: "lookups/µs",
      ratio: "ours/baseline",
      baselineLabel: "1 thread",
      goal: { text: "≥ 1.8×", value: 1.8, direction: "min" },
    },
    {
      id: "scaleWall",
      name: "14. map u32 lookups, 2 threads vs 1, wall clock (load-sensitive)",
      unit: "lookups/µs",
      ratio: "ours/baseline",
      baselineLabel: "1 thread",
      goal: { text: "≥ 1.8×", value: 1.8, direction: "min" },
    },
    {
      id: "rwlock",
      name: "14. map lookups vs Atomics rw-lock map, 2 threads, per thread-CPU",
      unit: "lookups/µs",
      ratio: "ours/baseline",
      baselineLabel: "Atomics rw-lock",
      goal: { text: "≥ 5×", value: 5, direction: "min" },
    },
    {
      id: "message",
      name: "14. map lookup vs asking an owner thread by message",
      unit: "ns/lookup",
      ratio: "baseline/ours",
      baselineLabel: "postMessage round trip",
      goal: { text: "≥ 100× faster", value: 100, direction: "min" },
    },
    {
      id: "u32",
      name: "14. map lookup+get vs JS Map.get, one thread, u32 keys",
      unit: "ns/lookup",
      ratio: "ours/baseline",
      baselineLabel: "Map.get",
      goal: { text: "≤ 3×", value: 3, direction: "max" },
    },
    {
      id: "string",
      name: "14. map lookup+get vs JS Map.get, one thread, string keys",
      unit: "ns/lookup",
      ratio: "ours/baseline",
      baselineLabel: "Map.get",
      goal: { text: "≤ 5×", value: 5, direction: "max" },
    },
  ],
  async run(ctx) {
    const s = await start();
    const ms = ctx.scale(400, 100);
    const n = ctx.scale(1 << 20, 1 << 17);
    const msgs = ctx.scale(2000, 300);
    let one: Throughput, two: Throughput, lock: Throughput;
    if (ctx.repetition % 2 === 0) {
      one = await measure(s, 0, 1, ms);
      two = await measure(s, 0, 2, ms);
      lock = await measure(s, 1, 2, ms);
    } else {
      lock = await measure(s, 1, 2, ms);
      two = await measure(s, 0, 2, ms);
      one = await measure(s, 0, 1, ms);
    }
    const even = ctx.repetition % 2 === 0;
    const u32 = even ? [oursU32(s, n), jsU32(s, n)] : [jsU32(s, n), oursU32(s, n)].reverse();
    const str = even ? [oursString(s, n), jsString(s, n)] : [jsString(s, n), oursString(s, n)].reverse();
    const mine = oursU32(s, n);
    const message = await byMessage(s, msgs);
    const f = (t: Throughput): string => `${t.wall.toFixed(2)} wall / ${t.cpu.toFixed(2)} cpu`;
    ctx.log(
      `lookups/µs — 1 thread ${f(one)}, 2 threads ${f(two)}, rw-lock ${f(lock)}; message ${message.toFixed(0)} ns/lookup`,
    );
    return {
      scale: { ours: two.cpu, baseline: one.cpu },
      scaleWall: { ours: two.wall, baseline: one.wall },
      rwlock: { ours: two.cpu, baseline: lock.cpu },
      message: { ours: mine, baseline: message },
      u32: { ours: u32[0]!, baseline: u32[1]! },
      string: { ours: str[0]!, baseline: str[1]! },
    };
  },
};
