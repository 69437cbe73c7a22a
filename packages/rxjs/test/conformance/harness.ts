/**
 * Differential conformance harness: a scenario is written once against an operator *slot*, then run with the
 * real RxJS operator in the slot (the control) and with ours, each in its own `TestScheduler.run`. Every run is
 * recorded as a trace — what each observed result emitted and at which virtual frame, side effects logged by the
 * scenario, and the subscription log (subscribe/unsubscribe frames) of every named cold/hot observable — and the
 * traces are compared. When our release is deferred by `d` frames, the expected trace is *derived* from the
 * control's by the documented rule (an inner released at frame `u` is unsubscribed at `u + d`, or at its own
 * completion or error if that comes first), never written by hand.
 */
import type { ManualDomain } from "@rcu/core/testing";
import type { Observable } from "rxjs";
import type { RunHelpers } from "rxjs/testing";
import { TestScheduler } from "rxjs/testing";

/** One subscription of a named test observable: `[subscribedFrame, unsubscribedFrame]` (`Infinity`: never). */
export type Span = readonly [number, number];

export interface Trace {
  /** `"<frame> <name> <event>"`, in the order they happened. */
  readonly events: string[];
  readonly subscriptions: Record<string, Span[]>;
  /** Frame offset (cold) or absolute frame (hot) of each named observable's own completion or error. */
  readonly ends: Record<string, { readonly cold: boolean; readonly at: number }>;
}

/** What the test observables of `TestScheduler` expose: their parsed messages and subscription log. */
export interface Logged<T> extends Observable<T> {
  readonly messages: readonly { readonly frame: number; readonly notification: { readonly kind: string } }[];
  readonly subscriptions: readonly { readonly subscribedFrame: number; readonly unsubscribedFrame: number }[];
}

export interface Recorder {
  readonly scheduler: TestScheduler;
  readonly helpers: RunHelpers;
  now(): number;
  cold<T = string>(name: string, marbles: string, values?: Record<string, T>, error?: unknown): Logged<T>;
  hot<T = string>(name: string, marbles: string, values?: Record<string, T>, error?: unknown): Logged<T>;
  /** Subscribes `observable` at `subscribeAt` (default: now) and unsubscribes at `unsubscribeAt` (if given). */
  observe<T>(
    name: string,
    observable: Observable<T>,
    options?: { subscribeAt?: number | undefined; unsubscribeAt?: number | undefined },
  ): void;
  /** Records a side effect at the current frame. */
  log(event: string): void;
  /** Runs `fn` at `frame`. */
  at(frame: number, fn: () => void): void;
}

/** A compact, never-throwing rendering of a value for a trace. */
export function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${value.message})`;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return "<unprintable>";
  }
}

function endOf(messages: Logged<unknown>["messages"]): number {
  const end = messages.find((m) => m.notification.kind === "C" || m.notification.kind === "E");
  return end === undefined ? Infinity : end.frame;
}

/** Runs `scenario` inside a fresh `TestScheduler.run` and returns its trace. */
export function record(scenario: (r: Recorder) => void): Trace {
  const events: string[] = [];
  const named = new Map<string, Logged<unknown>>();
  const ends: Trace["ends"] = {};
  const scheduler = new TestScheduler(() => undefined);
  scheduler.run((helpers) => {
    const recorder: Recorder = {
      scheduler,
      helpers,
      now: () => scheduler.now(),
      cold: <T>(name: string, marbles: string, values?: Record<string, T>, error?: unknown) => {
        const observable = helpers.cold<T>(marbles, values, error);
        named.set(name, observable);
        ends[name] = { cold: true, at: endOf(observable.messages) };
        return observable;
      },
      hot: <T>(name: string, marbles: string, values?: Record<string, T>, error?: unknown) => {
        const observable = helpers.hot<T>(marbles, values, error);
        named.set(name, observable);
        ends[name] = { cold: false, at: endOf(observable.messages) };
        return observable;
      },
      observe: (name, observable, options = {}) => {
        const start = (): void => {
          const subscription = observable.subscribe({
            next: (value) => events.push(`${scheduler.now()} ${name} next ${show(value)}`),
            error: (err: unknown) => events.push(`${scheduler.now()} ${name} error ${show(err)}`),
            complete: () => events.push(`${scheduler.now()} ${name} complete`),
          });
          if (options.unsubscribeAt !== undefined) {
            scheduler.schedule(() => subscription.unsubscribe(), options.unsubscribeAt - scheduler.now());
          }
        };
        if (options.subscribeAt === undefined) start();
        else scheduler.schedule(start, options.subscribeAt);
      },
      log: (event) => events.push(`${scheduler.now()} ${event}`),
      at: (frame, fn) => scheduler.schedule(fn, frame),
    };
    scenario(recorder);
  });
  const subscriptions: Record<string, Span[]> = {};
  for (const [name, observable] of named) {
    subscriptions[name] = observable.subscriptions.map((log) => [log.subscribedFrame, log.unsubscribedFrame] as const);
  }
  return { events, subscriptions, ends };
}

/**
 * The trace expected of an operator whose release of an inner the control unsubscribed at frame `u` happens at
 * `releaseAt(u)` — or at the inner's own completion or error if that comes first. Everything else is unchanged.
 */
export function deferReleases(control: Trace, inners: readonly string[], releaseAt: (frame: number) => number): Trace {
  const subscriptions: Record<string, Span[]> = { ...control.subscriptions };
  for (const name of inners) {
    const end = control.ends[name];
    subscriptions[name] = (control.subscriptions[name] ?? []).map(([from, to]) => {
      if (to === Infinity || end === undefined) return [from, to] as const;
      const own = end.cold ? from + end.at : Math.max(from, end.at);
      return [from, Math.min(releaseAt(to), own)] as const;
    });
  }
  return { ...control, subscriptions };
}

/** A manual domain driven by a test scheduler, and when the grace periods asked for at each frame ended. */
export interface DrivenDomain {
  readonly domain: ManualDomain;
  /** The frame at which the grace periods asked for at `frame` had all ended (`Infinity` if never asked/ended). */
  endOfGracePeriodAskedAt(frame: number): number;
}

/**
 * A manual domain driven by the test scheduler: `delay` frames after a grace period is asked for (`startPoll`,
 * `defer`), the scheduler advances the domain until that grace period has ended. Grace periods batch as they do
 * in any RCU (one grace period covers every request made before it started), so a request may end sooner than
 * `delay` frames; the domain records when each request's grace period ended, which is the frame our operators
 * must release at.
 */
export function drivenDomain(domain: ManualDomain, scheduler: TestScheduler, delay: number): DrivenDomain {
  type Cookie = ReturnType<ManualDomain["startPoll"]>;
  const asked: { frame: number; cookie: Cookie; ended: number }[] = [];
  const settle = (): void => {
    for (const request of asked)
      if (request.ended === Infinity && domain.poll(request.cookie)) request.ended = scheduler.now();
  };
  const ask = (cookie: Cookie): void => {
    asked.push({ frame: scheduler.now(), cookie, ended: Infinity });
    scheduler.schedule(() => {
      for (let i = 0; i < 8 && !domain.poll(cookie); i++) {
        domain.advance();
        settle();
      }
    }, delay);
  };
  const proxy = new Proxy(domain, {
    get(target, key) {
      if (key === "startPoll") {
        return () => {
          const cookie = target.startPoll();
          ask(cookie);
          return cookie;
        };
      }
      if (key === "defer") {
        return (callback: Parameters<ManualDomain["defer"]>[0]) => {
          target.defer(callback);
          ask(target.startPoll());
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    domain: proxy,
    endOfGracePeriodAskedAt: (frame) => {
      const ends = asked.filter((request) => request.frame === frame).map((request) => request.ended);
      return ends.length === 0 ? Infinity : Math.max(...ends);
    },
  };
}
