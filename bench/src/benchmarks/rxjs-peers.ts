/**
 * RxJS peers: `switchMapDeferred` against `switchMap`, and a `gracePeriod(domain)` share reset against `timer(0)`.
 *
 * - **switch with live inners.** A `Subject` switches 100 times per event-loop turn; each inner is live (it emits
 *   one resource and never completes, so it must be unsubscribed). Ours: `switchMapDeferred(project, { domain })`
 *   on an `srcu` domain — each replaced inner is unsubscribed after a grace period, so it lives across the turn;
 *   baseline: `switchMap`, which unsubscribes it at once. Measured: CPU time for all the switches, through the
 *   final unsubscribe and (ours) `domain.barrier()`, i.e. until every inner is released. Fair because both do the
 *   same subscriptions; the extra cost of ours is the deferral. Each side runs once untimed after its gc() (the
 *   first run after a forced GC re-optimises) and then three times timed as one, so that each figure holds its
 *   share of the (mostly GC) cost rather than being one short run with or without a major GC in it.
 * - **share reset armed then cancelled.** A shared source's only subscriber leaves (the refCount drops to zero,
 *   arming the reset) and a new one arrives in the same turn (cancelling it), many times. Ours:
 *   `share({ resetOnRefCountZero: () => gracePeriod(domain) })`; baseline: `() => timer(0)`, the usual linger.
 *   Measured: CPU time of the loop plus (ours) the domain running what it queued, until `domain.barrier()`.
 *   Fair because both arm and cancel one notifier per cycle.
 * - **safety.** Each peer runs a reader that takes a read section (`srcu` `readLock()`) when it receives a value
 *   and checks across a turn (switch) or 2 ms (share) that the value is still alive; the rows count values
 *   freed under such a reader (ours must be 0; the peers free them, which is why they are faster). Each share
 *   round waits for its reset to run before the next subscriber arrives, so every round gets a fresh value.
 */
import type { RcuDomain } from "@rcu/core";
import { createDomain } from "@rcu/core";
import { gracePeriod, switchMapDeferred } from "@rcu/rxjs";
import type { MonoTypeOperatorFunction, Observable, OperatorFunction } from "rxjs";
import { Observable as RxObservable, Subject, share, switchMap, timer } from "rxjs";
import type { Benchmark } from "../types.js";
import { nextTurn, timeMsAsync } from "../timing.js";

/** Runs of each switch side timed together per repetition (after one untimed run); their mean counts. */
const SWITCH_RUNS = 3;

interface Resource {
  alive: boolean;
}

/** A live inner: emits a fresh resource, never completes, frees the resource when unsubscribed. */
const liveInner = (): Observable<Resource> =>
  new RxObservable<Resource>((subscriber) => {
    const resource: Resource = { alive: true };
    subscriber.next(resource);
    return () => {
      resource.alive = false;
    };
  });

async function switches(
  operator: OperatorFunction<number, Resource>,
  count: number,
  domain: RcuDomain | undefined,
): Promise<number> {
  const outer = new Subject<number>();
  let received = 0;
  const subscription = outer.pipe(operator).subscribe(() => void received++);
  for (let i = 0; i < count;) {
    for (let j = 0; j < 100 && i < count; j++, i++) outer.next(i);
    await nextTurn();
  }
  subscription.unsubscribe();
  if (domain !== undefined) await domain.barrier();
  if (received !== count) throw new Error(`switch: ${received} of ${count} values arrived`);
  return received;
}

function resetCycles(operator: MonoTypeOperatorFunction<Resource>, count: number): number {
  const shared = liveInner().pipe(operator);
  let received = 0;
  let subscription = shared.subscribe(() => void received++);
  for (let i = 0; i < count; i++) {
    subscription.unsubscribe(); // arms the reset
    subscription = shared.subscribe(() => void received++); // cancels it: still connected
  }
  subscription.unsubscribe();
  return received;
}

/** Values freed while a reader that received them was still inside its section (checked a turn later). */
async function freedUnderReaders(
  source: Observable<Resource>,
  domain: RcuDomain,
  next: () => void,
  rounds: number,
): Promise<number> {
  let freed = 0;
  const checks: Promise<void>[] = [];
  const subscription = source.subscribe((resource) => {
    const guard = domain.readLock();
    checks.push(
      // Two turns: the next switch has happened meanwhile.
      nextTurn()
        .then(nextTurn)
        .then(() => {
          if (!resource.alive) freed++;
          guard.unlock();
        }),
    );
  });
  for (let i = 0; i < rounds; i++) {
    next();
    await nextTurn();
  }
  subscription.unsubscribe();
  await Promise.all(checks);
  await domain.barrier();
  return freed;
}

async function switchSafety(operator: (domain: RcuDomain) => OperatorFunction<number, Resource>): Promise<number> {
  const domain = createDomain({ flavor: "srcu", name: "bench-rxjs-switch-safety" });
  const outer = new Subject<number>();
  let i = 0;
  const freed = await freedUnderReaders(outer.pipe(operator(domain)), domain, () => outer.next(i++), 50);
  await domain.close();
  return freed;
}

async function shareSafety(notifier: (domain: RcuDomain) => () => Observable<unknown>): Promise<number> {
  const domain = createDomain({ flavor: "srcu", name: "bench-rxjs-share-safety" });
  const shared = liveInner().pipe(share({ resetOnRefCountZero: notifier(domain) }));
  // Each round: a subscriber gets the shared resource and leaves at once; its reader keeps using it 2 ms later.
  // Then the round waits until the armed reset has run (the resource is gone), so that the next round's
  // subscriber reconnects and gets a fresh resource. Without that wait, a round whose reader finished before the
  // reset fired let the next subscriber arrive while the source was still connected: it cancelled the reset,
  // received nothing, and so did every later round, which cut the count short at that round.
  let freed = 0;
  const checks: Promise<void>[] = [];
  for (let round = 0; round < 50; round++) {
    let received: Resource | undefined;
    shared
      .subscribe((resource) => {
        received = resource;
        const guard = domain.readLock(); // the reader takes its section when it gets the value
        checks.push(
          new Promise<void>((resolve) => setTimeout(resolve, 2)).then(() => {
            if (!resource.alive) freed++;
            guard.unlock();
          }),
        );
      })
      .unsubscribe();
    await Promise.all(checks);
    for (let i = 0; i < 1000 && received?.alive === true; i++) await nextTurn();
  }
  await domain.barrier();
  await domain.close();
  return freed;
}

const goalZero = { text: "0", value: 0, direction: "max" } as const;
const informational = { text: "(peer, informational)", value: Number.POSITIVE_INFINITY, direction: "max" } as const;

export const rxjsPeers: Benchmark = {
  name: "rxjs-peers",
  title: "RxJS: switchMapDeferred vs switchMap, gracePeriod share reset vs timer(0)",
  repetitions: { full: 7, quick: 2 },
  warmup: { full: 1, quick: 1 },
  rows: [
    {
      id: "switch",
      name: "RxJS switch with live inners: switchMapDeferred vs switchMap",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "switchMap",
      goal: { text: "≤ 2×", value: 2, direction: "max" },
    },
    {
      id: "switchSafetyOurs",
      name: "RxJS switch safety: values freed under a reader, switchMapDeferred",
      unit: "values",
      ratio: "ours",
      goal: goalZero,
    },
    {
      id: "switchSafetyPeer",
      name: "RxJS switch safety: values freed under a reader, switchMap",
      unit: "values",
      ratio: "ours",
      goal: informational,
    },
    {
      id: "shareReset",
      name: "RxJS share reset armed then cancelled: gracePeriod(domain) vs timer(0)",
      unit: "ms",
      ratio: "ours/baseline",
      baselineLabel: "timer(0)",
      goal: { text: "≤ 1.0×", value: 1, direction: "max" },
    },
    {
      id: "shareSafetyOurs",
      name: "RxJS share reset safety: values freed under a reader, gracePeriod(domain)",
      unit: "values",
      ratio: "ours",
      goal: goalZero,
    },
    {
      id: "shareSafetyPeer",
      name: "RxJS share reset safety: values freed under a reader, timer(0)",
      unit: "values",
      ratio: "ours",
      goal: informational,
    },
  ],
  async run(ctx) {
    const switchCount = ctx.scale(20_000, 2_000);
    const resetCount = ctx.scale(100_000, 10_000);
    const domain = createDomain({ flavor: "srcu", name: "bench-rxjs" });
    // Each side: an untimed run right after the gc() (a forced full GC makes the next run slow while V8
    // re-optimises, and that run would otherwise be the timed one), then SWITCH_RUNS runs timed as one (their
    // mean): most of this row's CPU is GC, and one 20k-switch run may or may not contain a major GC; three
    // together contain their share of it.
    const runs = ctx.quick ? 1 : SWITCH_RUNS;
    const timedSwitches = async (operator: () => OperatorFunction<number, Resource>, d: RcuDomain | undefined) => {
      await switches(operator(), switchCount >> 1, d);
      const ms = await timeMsAsync(async () => {
        for (let k = 0; k < runs; k++) await switches(operator(), switchCount, d);
      });
      return ms / runs;
    };
    const ours = (): Promise<number> => timedSwitches(() => switchMapDeferred(liveInner, { domain }), domain);
    const theirs = (): Promise<number> => timedSwitches(() => switchMap(liveInner), undefined);
    let switchOurs: number;
    let switchTheirs: number;
    ctx.gc();
    if (ctx.repetition % 2 === 0) {
      switchOurs = await ours();
      ctx.gc();
      switchTheirs = await theirs();
    } else {
      switchTheirs = await theirs();
      ctx.gc();
      switchOurs = await ours();
    }

    // Ours until the domain has run what the cycles queued (the grace-period ticks); theirs until the next turn.
    const resetOurs = (): Promise<number> =>
      timeMsAsync(async () => {
        resetCycles(share({ resetOnRefCountZero: () => gracePeriod(domain) }), resetCount);
        await domain.barrier();
      });
    const resetTheirs = (): Promise<number> =>
      timeMsAsync(async () => {
        resetCycles(share({ resetOnRefCountZero: () => timer(0) }), resetCount);
        await nextTurn();
      });
    let shareOurs: number;
    let shareTheirs: number;
    ctx.gc();
    if (ctx.repetition % 2 === 0) {
      shareOurs = await resetOurs();
      ctx.gc();
      shareTheirs = await resetTheirs();
    } else {
      shareTheirs = await resetTheirs();
      ctx.gc();
      shareOurs = await resetOurs();
      await domain.barrier();
    }
    await domain.close();

    return {
      switch: { ours: switchOurs, baseline: switchTheirs },
      switchSafetyOurs: { ours: await switchSafety((d) => switchMapDeferred(liveInner, { domain: d })) },
      switchSafetyPeer: { ours: await switchSafety(() => switchMap(liveInner)) },
      shareReset: { ours: shareOurs, baseline: shareTheirs },
      shareSafetyOurs: { ours: await shareSafety((d) => () => gracePeriod(d)) },
      shareSafetyPeer: { ours: await shareSafety(() => () => timer(0)) },
    };
  },
};
