import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const K = 5000;
const prog = (withSwap) => Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* RcuRef.set(ref, acquireValue(c));
  const swap = RcuRef.set(ref, acquireValue(c));
  const read = Rcu.read(RcuRef.deref(ref));
  const t0 = cpuNs();
  for (let i = 0; i < K; i++) { if (withSwap) yield* swap; for (let j = 0; j < 8; j++) yield* read; yield* Effect.yieldNow; }
  return (cpuNs() - t0) / K;
});
const run = (w) => Effect.runPromise(prog(w).pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
const a = [], b = [];
for (let r = 0; r < 14; r++) { const x = await run(true); const y = await run(false); if (r > 3) { a.push(x); b.push(y); } }
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log("per iteration with swap", med(a).toFixed(0), "without", med(b).toFixed(0), "=> per swap", (med(a) - med(b)).toFixed(0), "ns; per-round diffs median", med(a.map((x, i) => x - b[i])).toFixed(0));
