/**
 * Recipe: bounded memory with `highWaterMark`, `onPressure` and `ready()`.
 *
 * A slow reader can hold a grace period for a long time; meanwhile writers keep retiring. Without a bound the
 * pending set grows without limit. Give the engine a `highWaterMark`: above it the engine expedites the grace
 * period, processes what has expired and calls `onPressure` once per upward crossing — and producers that
 * `await engine.ready()` wait until it is back under the mark.
 */
import { createDomain, createPending } from "@rcu/core";

export async function main() {
  const domain = createDomain({ flavor: "srcu", name: "ingest" });
  let processed = 0;
  const pressure: number[] = [];
  const pending = createPending<number>(domain, {
    process: () => void processed++,
    highWaterMark: { items: 100 },
    onPressure: (stats) => void pressure.push(stats.pending),
  });

  // A slow reader holds every grace period for 20 ms.
  const reader = domain.readLock();
  setTimeout(() => reader.unlock(), 20);

  let peak = 0;
  const total = 1_000;
  for (let i = 0; i < total; i++) {
    pending.enqueue(i);
    peak = Math.max(peak, pending.size);
    if (pending.size > 100) await pending.ready(); // backpressure: wait until under the mark
  }
  await pending.drain();
  const stats = pending.stats();
  await domain.close();
  return { total, processed, peak, pressureEvents: stats.pressureEvents, firstPressureAt: pressure[0] };
}
