/**
 * `--flavor map`: rcutorture for `@rcu/map`. A shared map (u32 keys, records `{ key, gen, a, b, c }` that are
 * whole only when all five agree) is read by reader workers in read sections and written at once by the main
 * thread and writer workers (set/update/delete over a key space that keeps widening, so the table resizes during
 * the run). Every few hundred milliseconds a writer worker is killed mid-write and replaced; `map.watch` must
 * take back its locks and records.
 *
 * Checks: no reader saw a torn record or one recycled while its section could see it; no stable key was ever
 * missed (also during resizes); the table resized; no record was lost (at the end every record ever handed out
 * is present or waits for its grace period); the run made progress. Self-test (grace periods ended early on
 * purpose): readers must report recycled records.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { attachSharedPending, createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { createSharedMap } from "@rcu/map";
import type { SharedMap } from "@rcu/map";
import {
  LANE,
  MAP_LANE_WORDS,
  MAP_LAYOUT,
  MAP_STOP,
  STABLE_BASE,
  STABLE_KEYS,
  recordFor,
  type MapLayout,
} from "./map-torture-layout.js";
import { endGracePeriodsEarly } from "./test-switches.js";

/** One pass/fail line of the map torture. */
export interface MapCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Totals of one map torture run. */
export interface MapTortureTotals {
  reads: number;
  lookups: number;
  hits: number;
  torn: number;
  recycled: number;
  missed: number;
  updates: number;
  full: number;
  resizes: number;
  writersKilled: number;
  recovered: number;
  lostRecords: number;
}

/**
 * Records neither present nor waiting in the pending ring (0 = none lost), counted exactly at a quiescent moment
 * through public APIs only: every ring entry is taken out, entries that no longer name their record (a harmless
 * duplicate left by dead-worker recovery) are ignored, and all are put back.
 */
function lostRecords(map: SharedMap<"u32", MapLayout>, domain: SharedDomain): number {
  const ring = attachSharedPending(map.handle.pending, domain);
  const items: number[] = [];
  for (let item = ring.dequeue(); item !== -1; item = ring.dequeue()) items.push(item);
  const waiting = new Set<number>();
  domain.read(() => {
    for (const item of items) {
      try {
        if (map.lookup(map.keyOf(item)) !== item) waiting.add(item);
      } catch {
        // a stale duplicate: its record was reused since
      }
    }
  });
  for (const item of items) ring.enqueue(item);
  const s = map.stats();
  return s.records - s.size - waiting.size;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs the map torture until `shouldStop()`; returns the totals and the checks.
 *
 * @example
 * const { checks } = await runMapTorture({ shouldStop: () => Date.now() > end, readers: 4, selfTest: false })
 */
export async function runMapTorture(options: {
  readonly shouldStop: () => boolean;
  readonly readers: number;
  readonly selfTest: boolean;
}): Promise<{ totals: MapTortureTotals; checks: MapCheck[] }> {
  const writers = 2;
  if (options.selfTest) endGracePeriodsEarly(true);
  const domain = createSharedDomain({ maxThreads: options.readers + writers + 2 });
  const map = createSharedMap({ domain, key: "u32", value: MAP_LAYOUT, capacity: 256, maxCapacity: 1 << 13 });
  for (let i = 0; i < STABLE_KEYS; i++) map.set(STABLE_BASE + i, recordFor(STABLE_BASE + i, 0));
  const control = new SharedArrayBuffer(64);
  const lanes = new SharedArrayBuffer((options.readers + writers + 1) * MAP_LANE_WORDS * 8);
  const url = new URL("./map-torture-worker.js", import.meta.url);
  const keySpace = { value: 512 };
  let stopping = false;
  let writersKilled = 0;
  const unexpected: string[] = [];
  const live = new Map<number, Worker>();
  const spawn = (lane: number, role: "reader" | "writer"): void => {
    const worker = new Worker(url, {
      workerData: {
        rcu: domain.handle,
        map: map.handle,
        control,
        lanes,
        lane,
        role,
        keySpace: keySpace.value,
        selfTest: options.selfTest,
      },
    });
    map.watch(worker);
    live.set(lane, worker);
    worker.on("error", (err) => {
      if (unexpected.length < 5) unexpected.push(`${role}: ${err.message}`);
    });
    worker.once("exit", () => {
      if (live.get(lane) === worker) live.delete(lane);
      if (!stopping && role === "writer") spawn(lane, role); // replacement of a killed writer
    });
  };
  for (let i = 0; i < options.readers; i++) spawn(i, "reader");
  for (let i = 0; i < writers; i++) spawn(options.readers + i, "writer");

  const mainLane = new Float64Array(lanes, (options.readers + writers) * MAP_LANE_WORDS * 8, MAP_LANE_WORDS);
  const killer = (async (): Promise<void> => {
    while (!options.shouldStop()) {
      await sleep(150 + Math.random() * 300);
      if (options.shouldStop()) return;
      const victim = live.get(options.readers + Math.floor(Math.random() * writers));
      if (victim === undefined) continue;
      writersKilled++;
      await victim.terminate(); // mid-write, most of the time
      keySpace.value = Math.min(keySpace.value * 2, 6000); // replacements write over a wider key space: resizes
    }
  })();
  // The main thread writes too (and drives grace periods between turns).
  let seed = 99;
  for (let n = 0; !options.shouldStop(); n++) {
    if (n % 32 === 0) await turn();
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const stableKey = STABLE_BASE + (seed % STABLE_KEYS);
    const key = seed % keySpace.value;
    try {
      if (n % 3 === 0)
        map.set(stableKey, recordFor(stableKey, n)); // replaced, never deleted
      else if (n % 11 === 10) map.delete(key);
      else map.set(key, recordFor(key, n));
      mainLane[LANE.updates]!++;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "FULL") throw err;
      mainLane[LANE.full]!++;
      await map.reclaimable();
    }
  }
  stopping = true;
  Atomics.store(new Int32Array(control), MAP_STOP, 1);
  await killer;
  await Promise.all([...live.values()].map((w) => w.terminate()));
  await domain.synchronize();

  const totals: MapTortureTotals = {
    reads: 0,
    lookups: 0,
    hits: 0,
    torn: 0,
    recycled: 0,
    missed: 0,
    updates: 0,
    full: 0,
    resizes: 0,
    writersKilled,
    recovered: 0,
    lostRecords: 0,
  };
  const all = new Float64Array(lanes);
  for (let l = 0; l < all.length / MAP_LANE_WORDS; l++) {
    for (const [name, slot] of Object.entries(LANE))
      totals[name as keyof typeof LANE] += all[l * MAP_LANE_WORDS + slot]!;
  }
  const s = map.stats();
  totals.resizes = s.resizes;
  totals.recovered = s.recovered;
  totals.lostRecords = lostRecords(map, domain);
  await domain.close();

  const c = (name: string, ok: boolean, detail: string): MapCheck => ({ name, ok, detail });
  if (options.selfTest) {
    return {
      totals,
      checks: [
        c(
          "self-test: recycled records reported with grace periods ended early",
          totals.recycled + totals.torn > 0,
          `recycled ${totals.recycled}, torn ${totals.torn}; ${unexpected.join(" | ") || "no worker errors"}`,
        ),
      ],
    };
  }
  return {
    totals,
    checks: [
      c(
        "no reader saw a torn or recycled record",
        totals.torn + totals.recycled === 0,
        `torn ${totals.torn}, recycled ${totals.recycled}`,
      ),
      c(
        "no present key missed (also during resizes)",
        totals.missed === 0,
        `missed ${totals.missed}, resizes ${totals.resizes}`,
      ),
      c(
        "no record lost (killed writers included)",
        totals.lostRecords === 0,
        `lost ${totals.lostRecords}, writers killed ${writersKilled}, recovered ${totals.recovered}`,
      ),
      c("no unexpected errors", unexpected.length === 0, unexpected.join(" | ") || "none"),
      c(
        "made progress",
        totals.reads > 0 && totals.hits > 0 && totals.updates > 0,
        `reads ${totals.reads}, lookups ${totals.lookups}, updates ${totals.updates}`,
      ),
    ],
  };
}

/**
 * Runs the map torture for `seconds` and prints its report, ending with `N passed, N failed`; with
 * RCU_RESULT_FILE set, adds the counts to that file (as main.ts does). Returns the exit code.
 *
 * @example
 * process.exitCode = await mapTortureMain({ seconds: 5, selfTest: false, readers: 4 })
 */
export async function mapTortureMain(settings: {
  seconds: number;
  selfTest: boolean;
  readers: number;
}): Promise<number> {
  const end = Date.now() + settings.seconds * 1000;
  process.stdout.write(
    `torture: map for ${settings.seconds} s${settings.selfTest ? " — SELF-TEST: grace periods end early on purpose; violations are expected" : ""}\n`,
  );
  const { totals, checks } = await runMapTorture({
    shouldStop: () => Date.now() >= end,
    readers: settings.readers,
    selfTest: settings.selfTest,
  });
  process.stdout.write(`map: ${JSON.stringify(totals)}\n`);
  for (const check of checks)
    process.stdout.write(`${check.ok ? "ok  " : "FAIL"} map: ${check.name} (${check.detail})\n`);
  const passed = checks.filter((x) => x.ok).length;
  const failed = checks.length - passed;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  const resultFile = process.env.RCU_RESULT_FILE;
  if (resultFile !== undefined && resultFile !== "") {
    const prior = existsSync(resultFile)
      ? (JSON.parse(readFileSync(resultFile, "utf8")) as { passed?: number; failed?: number })
      : {};
    writeFileSync(
      resultFile,
      JSON.stringify({ passed: (prior.passed ?? 0) + passed, failed: (prior.failed ?? 0) + failed }),
    );
  }
  return failed === 0 ? 0 : 1;
}
