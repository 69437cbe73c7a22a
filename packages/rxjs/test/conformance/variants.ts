/**
 * The variants each conformance scenario runs under. Each makes our operator for one run (a fresh manual domain
 * per run, driven by that run's scheduler) and says by how many frames its releases come after RxJS's.
 */
import type { ManualDomain } from "@rcu/core/testing";
import { createManualDomain } from "@rcu/core/testing";
import type { MonoTypeOperatorFunction, ObservableInput, ObservedValueOf, OperatorFunction } from "rxjs";
import { of, timer } from "rxjs";
import { finalizeWhen } from "../../src/finalize-when.js";
import { gracePeriod } from "../../src/grace-period.js";
import { switchMapDeferred } from "../../src/switch-map-deferred.js";
import type { Recorder, Trace } from "./harness.js";
import { drivenDomain, record } from "./harness.js";

/** A `switchMap`-shaped operator slot. */
export type SwitchOp = <T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
) => OperatorFunction<T, ObservedValueOf<O>>;

/** A `finalize`-shaped operator slot. */
export type FinalizeOp = <T>(callback: () => void) => MonoTypeOperatorFunction<T>;

/** A reset-notifier slot for `share`. */
export type ResetNotifier = () => ObservableInput<unknown>;

export interface Variant<Op> {
  readonly name: string;
  /** The release (or callback) happens synchronously, exactly where RxJS's does: identical traces expected. */
  readonly synchronous: boolean;
  make(r: Recorder): Made<Op>;
}

export interface Made<Op> {
  readonly op: Op;
  /** The frame at which a release (or callback) due at `frame` in the control happens with this variant. */
  releaseAt(frame: number): number;
}

const same = (frame: number): number => frame;

/** Records `run` with the variant's operator (made for that run), and the variant's `releaseAt` for the run. */
export function recordVariant<Op>(
  variant: Variant<Op>,
  run: (r: Recorder, op: Op) => void,
): { readonly trace: Trace; readonly releaseAt: (frame: number) => number } {
  let releaseAt = same;
  const trace = record((r) => {
    const made = variant.make(r);
    releaseAt = made.releaseAt;
    run(r, made.op);
  });
  return { trace, releaseAt };
}

function onDomain<Op>(r: Recorder, delay: number, build: (domain: ManualDomain) => Op): Made<Op> {
  const driven = drivenDomain(createManualDomain(), r.scheduler, delay);
  return { op: build(driven.domain), releaseAt: (frame) => driven.endOfGracePeriodAskedAt(frame) };
}

export const switchVariants: readonly Variant<SwitchOp>[] = [
  {
    name: "releaseWhen fires at once",
    synchronous: true,
    make: () => ({ op: (project) => switchMapDeferred(project, { releaseWhen: () => of(0) }), releaseAt: same }),
  },
  {
    name: "{ domain } on a manual domain, grace period ends in the same frame",
    synchronous: false,
    make: (r) =>
      onDomain(
        r,
        0,
        (domain): SwitchOp =>
          (project) =>
            switchMapDeferred(project, { domain }),
      ),
  },
  {
    name: "releaseWhen: () => gracePeriod(domain), grace period ends up to 3 frames later",
    synchronous: false,
    make: (r) =>
      onDomain(
        r,
        3,
        (domain): SwitchOp =>
          (project) =>
            switchMapDeferred(project, { releaseWhen: () => gracePeriod(domain) }),
      ),
  },
  {
    name: "{ domain } on a manual domain, grace period ends up to 4 frames later",
    synchronous: false,
    make: (r) =>
      onDomain(
        r,
        4,
        (domain): SwitchOp =>
          (project) =>
            switchMapDeferred(project, { domain }),
      ),
  },
  {
    name: "releaseWhen: () => timer(5), a notifier that fires later",
    synchronous: false,
    make: () => ({
      op: (project) => switchMapDeferred(project, { releaseWhen: () => timer(5) }),
      releaseAt: (frame) => frame + 5,
    }),
  },
];

export const finalizeVariants: readonly Variant<FinalizeOp>[] = [
  {
    name: "notifier fires at once",
    synchronous: true,
    make: () => ({ op: (callback) => finalizeWhen(callback, () => of(0)), releaseAt: same }),
  },
  {
    name: "() => gracePeriod(domain) on a manual domain, grace period ends in the same frame",
    synchronous: false,
    make: (r) =>
      onDomain(
        r,
        0,
        (domain): FinalizeOp =>
          (callback) =>
            finalizeWhen(callback, () => gracePeriod(domain)),
      ),
  },
  {
    name: "() => gracePeriod(domain), grace period ends up to 3 frames later",
    synchronous: false,
    make: (r) =>
      onDomain(
        r,
        3,
        (domain): FinalizeOp =>
          (callback) =>
            finalizeWhen(callback, () => gracePeriod(domain)),
      ),
  },
  {
    name: "() => timer(5), a notifier that fires later",
    synchronous: false,
    make: () => ({ op: (callback) => finalizeWhen(callback, () => timer(5)), releaseAt: (frame) => frame + 5 }),
  },
];
/**
 * `share`'s reset notifier: ours is `gracePeriod(domain)` on a manual domain driven to end a grace period up to
 * `delay` frames after it is asked for. Grace periods batch (one that starts later covers every earlier
 * request), so a reset may come sooner than `delay`; the domain records when the grace period asked for at each
 * frame ended, and the control — RxJS's `timer`, the time-based linger `gracePeriod` replaces — fires exactly
 * then. Run ours first, then the control with `control(r, endAt)`.
 */
export interface ShareVariant {
  readonly name: string;
  ours(r: Recorder): { readonly notifier: ResetNotifier; endAt(frame: number): number };
  control(r: Recorder, endAt: (frame: number) => number): ResetNotifier;
}

export const shareVariants: readonly ShareVariant[] = [0, 2].map((delay) => ({
  name: `gracePeriod(domain) ending up to ${delay} frames later vs timer until then`,
  ours: (r: Recorder) => {
    const driven = drivenDomain(createManualDomain(), r.scheduler, delay);
    return {
      notifier: () => gracePeriod(driven.domain),
      endAt: (frame: number) => driven.endOfGracePeriodAskedAt(frame),
    };
  },
  control: (r: Recorder, endAt: (frame: number) => number) => () => timer(endAt(r.now()) - r.now()),
}));
