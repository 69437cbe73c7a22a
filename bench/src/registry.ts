/**
 * Every benchmark `pnpm bench` runs, in table order. To add rows (the pool and shared issues do), add a file
 * under `benchmarks/` exporting a `Benchmark` and one line here; the harness needs no change.
 */
import type { Benchmark } from "./types.js";
import { asyncReaders } from "./benchmarks/async-readers.js";
import { backpressure } from "./benchmarks/backpressure.js";
import { deferral } from "./benchmarks/deferral.js";
import { effectPeers } from "./benchmarks/effect-peers.js";
import { eventLoop } from "./benchmarks/event-loop.js";
import { mapLookup } from "./benchmarks/map-lookup.js";
import { mapMemory } from "./benchmarks/map-memory.js";
import { poolAcquire } from "./benchmarks/pool-acquire.js";
import { poolChurn } from "./benchmarks/pool-churn.js";
import { poolPeers } from "./benchmarks/pool-peers.js";
import { poolTypesafe } from "./benchmarks/pool-typesafe.js";
import { readSection } from "./benchmarks/read-section.js";
import { rxjsPeers } from "./benchmarks/rxjs-peers.js";
import { sharing } from "./benchmarks/sharing.js";
import { srcuGuard } from "./benchmarks/srcu-guard.js";
import { steadyState } from "./benchmarks/steady-state.js";
import { structPool } from "./benchmarks/struct-pool.js";

export const benchmarks: readonly Benchmark[] = [
  readSection,
  srcuGuard,
  deferral,
  steadyState,
  sharing,
  eventLoop,
  backpressure,
  structPool,
  poolAcquire,
  poolChurn,
  poolTypesafe,
  effectPeers,
  rxjsPeers,
  mapLookup,
  mapMemory,
  poolPeers,
  asyncReaders,
];
