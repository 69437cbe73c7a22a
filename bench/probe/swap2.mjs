import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const K = 2000;
const prog = (reads, yields) => Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* RcuRef.set(ref, acquireValue(c));
  const read = Rcu.read(RcuRef.deref(ref));
  const t0 = cpuNs();
  for (let i = 0; i < K; i++) { for (let j = 0; j < reads; j++) yield* read; if (yields) yield* Effect.yieldNow; }
  return (cpuNs() - t0) / K;
});
const run = (a, b) => Effect.runPromise(prog(a, b).pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
for (let r = 0; r < 6; r++) console.log("8 reads+yield", (await run(8, true)).toFixed(0), " yield only", (await run(0, true)).toFixed(0), " 8 reads only", (await run(8, false)).toFixed(0));
