import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const SW = +process.env.SWAP;
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const holdAcross = (read) => Effect.flatMap(read, (v) => Effect.as(Effect.yieldNow, v));
const prog = Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* RcuRef.set(ref, acquireValue(c));
  const swap = RcuRef.set(ref, acquireValue(c));
  let reads = 0;
  const check = () => (++reads % SW === 0 ? swap : Effect.void);
  const fast = Effect.flatMap(Rcu.read(RcuRef.deref(ref)), check), holding = Effect.flatMap(Rcu.read(holdAcross(RcuRef.deref(ref))), check);
  const steps = Array.from({ length: 40000 }, (_, i) => (i % 16 === 0 ? holding : fast));
  yield* Effect.forEach(steps, (s) => s, { discard: true });
});
for (let r = 0; r < 25; r++) await Effect.runPromise(prog.pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
