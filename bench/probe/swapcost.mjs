import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const hr = () => Number(process.hrtime.bigint());
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const holdAcross = (read) => Effect.flatMap(read, (v) => Effect.as(Effect.yieldNow, v));
let inSwap = 0;
const prog = (swapEvery) => Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* RcuRef.set(ref, acquireValue(c));
  const swap0 = RcuRef.set(ref, acquireValue(c));
  const swap = Effect.suspend(() => { const t = hr(); return Effect.ensuring(swap0, Effect.sync(() => { inSwap += hr() - t; })); });
  let reads = 0;
  const check = () => (++reads % swapEvery === 0 ? swap : Effect.void);
  const fast = Effect.flatMap(Rcu.read(RcuRef.deref(ref)), check), holding = Effect.flatMap(Rcu.read(holdAcross(RcuRef.deref(ref))), check);
  const steps = Array.from({ length: 40000 }, (_, i) => (i % 16 === 0 ? holding : fast));
  inSwap = 0;
  const t0 = cpuNs();
  yield* Effect.forEach(steps, (s) => s, { discard: true });
  return [(cpuNs() - t0) / 40000, inSwap / 40000];
});
const run = (s) => Effect.runPromise(prog(s).pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
const a = [], b = [], w = [];
for (let r = 0; r < 14; r++) { const [x, sw] = await run(1000); const [y] = await run(1e9); if (r > 2) { a.push(x); b.push(y); w.push(sw); } }
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log("swap/1000", med(a).toFixed(0), "noswap", med(b).toFixed(0), "diff/read", (med(a) - med(b)).toFixed(0), "time inside the swap effect per read (wall)", med(w).toFixed(1));
