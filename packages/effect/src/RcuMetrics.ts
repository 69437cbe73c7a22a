/**
 * `RcuMetrics`: the counters of the `Rcu` service's domain as Effect `Metric`s (an opt-in layer).
 *
 * How it works: the layer forks a fiber in its own scope that reads the domain's `stats()` at a fixed interval
 * (a `Clock` sleep, so `TestClock` drives it) and sets one gauge per counter: grace periods started and
 * completed, deferred callbacks pending and run, readers, waiters, stalls and errors. The gauges are ordinary
 * Effect metrics, so whatever exports the app's metrics (`Metric.snapshot`, an OpenTelemetry exporter) sees
 * them; each carries the domain's name as the `rcu_domain` attribute. The fiber stops when the layer's scope
 * closes.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Metric } from "effect";
import { Rcu } from "./Rcu.js";

/**
 * Options of `RcuMetrics.layer`.
 *
 * @example
 * ```ts
 * import type { RcuMetrics } from "@rcu/effect"
 *
 * const options: RcuMetrics.Options = { interval: "5 seconds", prefix: "app_rcu_" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How often the domain's counters are read. Default 1 second. */
  readonly interval?: Duration.Input | undefined;
  /** Prefix of every metric name. Default `"rcu_"`. */
  readonly prefix?: string | undefined;
}

/** The counters published, by metric name suffix, with their descriptions. */
const counters = {
  grace_periods_started: "Grace periods whose reader index has flipped",
  grace_periods_completed: "Grace periods whose old readers have all left",
  pending_callbacks: "Deferred callbacks waiting for their grace period or still running",
  callbacks_run: "Deferred callbacks and disposals that have run",
  readers: "Readers inside a read section now",
  waiters: "Grace-period waiters registered now",
  stalls: "Stall reports so far (a reader held a grace period too long)",
  errors: "Failures reported so far",
} as const;

type Counter = keyof typeof counters;

const statOf: Record<Counter, (stats: ReturnType<Rcu["Service"]["domain"]["stats"]>) => number> = {
  grace_periods_started: (s) => s.gracePeriodsStarted,
  grace_periods_completed: (s) => s.gracePeriodsCompleted,
  pending_callbacks: (s) => s.pendingCallbacks,
  callbacks_run: (s) => s.callbacksRun,
  readers: (s) => s.readers,
  waiters: (s) => s.waiters,
  stalls: (s) => s.stalls,
  errors: (s) => s.errors,
};

/**
 * The gauge of one counter, as `RcuMetrics.layer` names it (for reading it back, e.g. in a test).
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { RcuMetrics } from "@rcu/effect"
 *
 * const completed = Metric.value(RcuMetrics.gauge("grace_periods_completed"))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const gauge = (counter: Counter, prefix = "rcu_"): Metric.Gauge<number> =>
  Metric.gauge(`${prefix}${counter}`, { description: counters[counter] });

/**
 * An opt-in layer that publishes the `Rcu` domain's counters as Effect gauges, read every `interval`.
 *
 * **When to use**
 *
 * When the app already exports Effect metrics and should see grace periods, pending releases and stalls next to
 * its own: a growing `rcu_pending_callbacks` or a rising `rcu_stalls` points at a reader that never leaves.
 *
 * **Details**
 *
 * Needs the `Rcu` service; provides nothing. Each gauge carries the domain's name as the `rcu_domain`
 * attribute. The first reading happens when the layer is built.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Rcu, RcuMetrics } from "@rcu/effect"
 *
 * const RcuLive = RcuMetrics.layer({ interval: "10 seconds" }).pipe(Layer.provideMerge(Rcu.layer()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<never, never, Rcu> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const { domain } = yield* Rcu;
      const interval = Duration.fromInputUnsafe(options?.interval ?? "1 second");
      const prefix = options?.prefix ?? "rcu_";
      const gauges = (Object.keys(counters) as Array<Counter>).map(
        (counter) =>
          [Metric.withAttributes(gauge(counter, prefix), { rcu_domain: domain.name }), statOf[counter]] as const,
      );
      const publish = Effect.suspend(() => {
        const stats = domain.stats();
        return Effect.forEach(gauges, ([metric, read]) => Metric.update(metric, read(stats)), { discard: true });
      });
      yield* publish;
      yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(interval), publish)));
    }),
  );
