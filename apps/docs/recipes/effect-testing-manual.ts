/**
 * Recipe: testing Effect code with `Rcu.layerManual`.
 *
 * Provide `Rcu.layerManual` instead of `Rcu.layer()` and the code under test runs on a manual domain: its grace
 * periods start and end only when the test calls `RcuManual.advance` (or `startGracePeriod` / `endGracePeriod`),
 * and the deferred effects that become due run inside that call. So a test can assert "not released yet",
 * advance, and assert "released now" — no sleeps, no TestClock juggling.
 */
import { Rcu, RcuManual } from "@rcu/effect";
import { Effect, Exit, Scope } from "effect";

/** The code under test: swaps a connection and releases the old one after a grace period. */
export const rotate = (log: string[]) => Rcu.defer(Effect.sync(() => void log.push("old connection closed")));

export const test = Effect.gen(function* () {
  const log: string[] = [];
  const steps: Array<{ step: string; ended?: boolean; log: string[] }> = [];

  const request = yield* Scope.make(); // a request in flight: a read section until its scope closes
  yield* Rcu.readScoped.pipe(Scope.provide(request));

  yield* rotate(log);
  steps.push({ step: "rotated", log: [...log] });

  const ended1 = yield* RcuManual.advance; // flips, but the request's section blocks the end
  steps.push({ step: "advance with the request inside", ended: ended1, log: [...log] });

  yield* Scope.close(request, Exit.void); // the request finishes
  const ended2 = yield* RcuManual.endGracePeriod; // the deferred release runs inside this call
  steps.push({ step: "request done, endGracePeriod", ended: ended2, log: [...log] });
  return steps;
});

export function main() {
  return Effect.runPromise(test.pipe(Effect.provide(Rcu.layerManual)));
}
