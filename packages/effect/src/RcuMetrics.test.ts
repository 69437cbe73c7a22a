import { assert, it } from "@effect/vitest";
import { Effect, Layer, Metric } from "effect";
import { TestClock } from "effect/testing";
import { Rcu } from "./Rcu.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuMetrics from "./RcuMetrics.js";

const valueOf = (name: Parameters<typeof RcuMetrics.gauge>[0]) =>
  Effect.map(
    Metric.value(Metric.withAttributes(RcuMetrics.gauge(name), { rcu_domain: "rcu-effect-manual" })),
    (state) => state.value,
  );

it.effect(
  "RcuMetrics.layer publishes the domain's counters as gauges, read every interval (TestClock)",
  () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* valueOf("grace_periods_completed"), 0);
      yield* Rcu.defer(Effect.void);
      yield* Rcu.defer(Effect.void);
      yield* TestClock.adjust("1 second");
      assert.strictEqual(yield* valueOf("pending_callbacks"), 2);
      yield* RcuManual.advance;
      assert.strictEqual(yield* valueOf("pending_callbacks"), 2, "not read again until the next interval");
      yield* TestClock.adjust("1 second");
      assert.strictEqual(yield* valueOf("pending_callbacks"), 0);
      assert.strictEqual(yield* valueOf("grace_periods_completed"), 1);
      assert.strictEqual(yield* valueOf("callbacks_run"), 2);
    }).pipe(Effect.provide(RcuMetrics.layer().pipe(Layer.provideMerge(Rcu.layerManual)))),
  10_000,
);
