/**
 * Recipe: RCU counters in an Effect app's metrics with `RcuMetrics.layer`.
 *
 * The opt-in layer reads the `Rcu` domain's counters every `interval` and sets Effect gauges (`rcu_readers`,
 * `rcu_pending_callbacks`, `rcu_grace_periods_completed`, `rcu_stalls`, ...), each with the domain's name as the
 * `rcu_domain` attribute, so the app's existing metrics pipeline exports them. Here `Metric.snapshot` stands in for
 * the exporter.
 */
import { Rcu, RcuMetrics } from "@rcu/effect";
import { Effect, Layer, Metric } from "effect";

export const program = Effect.gen(function* () {
  yield* Rcu.defer(Effect.void);
  yield* Rcu.barrier; // one grace period passed, the deferred effect ran
  yield* Effect.sleep("60 millis"); // at least one more reading of the counters
  const snapshot = yield* Metric.snapshot;
  const rcu = snapshot
    .filter((m) => m.id.startsWith("rcu_") && m.attributes?.["rcu_domain"] === "orders")
    .map((m) => [m.id, (m.state as { readonly value: number }).value] as const);
  return Object.fromEntries(rcu);
});

const RcuLive = RcuMetrics.layer({ interval: "20 millis" }).pipe(Layer.provideMerge(Rcu.layer({ name: "orders" })));

export function main() {
  return Effect.runPromise(program.pipe(Effect.provide(RcuLive)));
}
