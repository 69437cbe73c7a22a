/**
 * The reader worker of the `shared` flavour (runs in a `worker_threads` Worker; see shared-records.ts for the
 * layout). It attaches to the shared domain (and the `@rcu/pool` struct pool) and, until `STOP`, runs synchronous
 * read sections: take the published raw record and its generation, and the published struct-pool record and its
 * lend number; spin a little (so the main thread's writer and other workers overlap it); then check again before
 * leaving — raw record not freed and same generation, struct record not re-lent — and file both pipe counts. It
 * may be killed at any moment (`worker.terminate()`), usually inside a section; the parent's `watch(worker)` must
 * free its slot. When `CRASH` names it, it calls `process.exit(CRASH_EXIT_CODE)` inside a section (a crash
 * mid-section: no unlock or `finally` runs, its slot stays marked as a reader until `watch` frees it).
 */
import { workerData } from "node:worker_threads";
import { attachSharedDomain } from "@rcu/core/shared";
import type { SharedDomainHandle } from "@rcu/core/shared";
import { attachStructPool } from "@rcu/pool";
import type { StructPoolHandle } from "@rcu/pool";
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
  LANE_REUSED,
  LANE_WORDS,
  RECORD_WORDS,
  RETIRED_AT,
  STOP,
} from "./shared-records.js";
import type { STRUCT_LAYOUT } from "./shared-records.js";
import type { ReaderData } from "./shared-records.js";

const data = workerData as ReaderData;
const domain = attachSharedDomain(data.handle as SharedDomainHandle);
const control = new Int32Array(data.control);
const records = new Int32Array(data.records);
const lanes = new BigInt64Array(data.lanes);
const base = data.lane * LANE_WORDS;
const structCur = new BigInt64Array(data.structCur);
const structs =
  data.structPool === undefined
    ? undefined
    : attachStructPool(data.structPool as StructPoolHandle<typeof STRUCT_LAYOUT>, domain);
/** A struct-pool handle is `generation * 2^21 + index`. */
const HANDLE_GEN = 2 ** 21;

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
    if (BigInt(maxPipe) <= cur || Atomics.compareExchange(lanes, base + LANE_MAX_PIPE, cur, BigInt(maxPipe)) === cur)
      break;
  }
}

function filePipe(count: number): void {
  pipe[Math.min(count, 3)]!++;
  if (count > maxPipe) maxPipe = count;
  if (count > 1) flush(); // at once: a kill must not hide it
}

function section(): void {
  const i = Atomics.load(control, CUR);
  const r = i * RECORD_WORDS;
  const gen = Atomics.load(records, r + GEN);
  let bad = Atomics.load(records, r + FREED) !== 0;
  // The struct-pool record published now, and what identifies this lend of it.
  const h = structs === undefined ? -1 : Number(Atomics.load(structCur, 0));
  const lend = h < 0 ? 0 : structs!.get(h, "lend");
  const spins = (Math.random() * 64) | 0;
  for (let k = 0; k < spins; k++) if (Atomics.load(records, r + GEN) !== gen) bad = true;
  if (Atomics.load(control, CRASH) === data.id) process.exit(CRASH_EXIT_CODE); // dies inside the section: no unlock runs
  const retiredAt = Atomics.load(records, r + RETIRED_AT);
  const structRetiredAt = h < 0 ? -1 : structs!.get(h, "retiredAt");
  const now = retiredAt < 0 && structRetiredAt < 0 ? 0 : domain.stats().gracePeriodsCompleted;
  if (h >= 0) {
    // Released (generation + 1) is fine inside the section; re-lent (+ 2) or a new lend number is not.
    const relent =
      structs!.generationOf(h % HANDLE_GEN) - Math.floor(h / HANDLE_GEN) >= 2 || structs!.get(h, "lend") !== lend;
    if (relent)
      Atomics.add(lanes, base + LANE_REUSED, 1n); // at once: a kill must not hide it
    else filePipe(structRetiredAt < 0 ? 0 : now - structRetiredAt);
  }
  if (bad || Atomics.load(records, r + FREED) !== 0 || Atomics.load(records, r + GEN) !== gen) {
    Atomics.add(lanes, base + LANE_RECLAIMED, 1n);
    return;
  }
  filePipe(retiredAt < 0 ? 0 : now - retiredAt);
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
