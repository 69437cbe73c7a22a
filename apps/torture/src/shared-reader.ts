/**
 * The reader worker of the `shared` flavour (runs in a `worker_threads` Worker; see shared-records.ts for the
 * layout). It attaches to the shared domain and, until `STOP`, runs synchronous read sections: take the
 * published record and its generation, spin a little (so the main thread's writer and other workers overlap
 * it), then check again before leaving — not freed, same generation — and file the record's pipe count. It may
 * be killed at any moment (`worker.terminate()`), usually inside a section; the parent's `watch(worker)` must free
 * its slot. When `CRASH` names it, it calls `process.exit(CRASH_EXIT_CODE)` inside a section (a crash mid-section:
 * no unlock or `finally` runs, its slot stays marked as a reader until `watch` frees it).
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import {
  CRASH,
  CRASH_EXIT_CODE,
  CUR,
  FREED,
  GEN,
  LANE_MAX_PIPE,
  LANE_PIPE0,
  LANE_READS,
  LANE_RECLAIMED,
  LANE_WORDS,
  RECORD_WORDS,
  RETIRED_AT,
  STOP,
} from "./shared-records.js";
import type { ReaderData } from "./shared-records.js";

const data = workerData as ReaderData;
const domain = attachSharedDomain(data.handle as SharedDomainHandle);
const control = new Int32Array(data.control);
const records = new Int32Array(data.records);
const lanes = new BigInt64Array(data.lanes);
const base = data.lane * LANE_WORDS;

let reads = 0;
const pipe = [0, 0, 0, 0];
let maxPipe = 0;

function flush(): void {
  Atomics.add(lanes, base + LANE_READS, BigInt(reads));
  for (let k = 0; k < 4; k++) if (pipe[k] !== 0) Atomics.add(lanes, base + LANE_PIPE0 + k, BigInt(pipe[k]!));
  reads = 0;
  pipe.fill(0);
  for (;;) {
    const cur = Atomics.load(lanes, base + LANE_MAX_PIPE);
    if (BigInt(maxPipe) <= cur || Atomics.compareExchange(lanes, base + LANE_MAX_PIPE, cur, BigInt(maxPipe)) === cur) break;
  }
}

function section(): void {
  const i = Atomics.load(control, CUR);
  const r = i * RECORD_WORDS;
  const gen = Atomics.load(records, r + GEN);
  let bad = Atomics.load(records, r + FREED) !== 0;
  const spins = (Math.random() * 64) | 0;
  for (let k = 0; k < spins; k++) if (Atomics.load(records, r + GEN) !== gen) bad = true;
  if (Atomics.load(control, CRASH) === data.id) process.exit(CRASH_EXIT_CODE); // dies inside the section: no unlock runs
  const retiredAt = Atomics.load(records, r + RETIRED_AT);
  const now = retiredAt < 0 ? 0 : domain.stats().gracePeriodsCompleted;
  if (bad || Atomics.load(records, r + FREED) !== 0 || Atomics.load(records, r + GEN) !== gen) {
    Atomics.add(lanes, base + LANE_RECLAIMED, 1n); // at once: a kill must not hide it
    return;
  }
  const count = retiredAt < 0 ? 0 : now - retiredAt;
  pipe[Math.min(count, 3)]!++;
  if (count > maxPipe) maxPipe = count;
  if (count > 1) flush(); // at once: a kill must not hide it
}

while (Atomics.load(control, STOP) === 0) {
  for (let k = 0; k < 256; k++) {
    domain.read(section);
    reads++;
  }
  flush();
}
flush();
domain.detach();
