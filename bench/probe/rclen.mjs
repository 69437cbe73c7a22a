import { Rcu } from "@rcu/effect";
import { Effect, RcRef } from "effect";
import { threadCpuNs } from "../dist/timing.js";
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const holdAcross = (read) => Effect.flatMap(read, (v) => Effect.as(Effect.yieldNow, v));
const prog = (N) => Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* RcRef.make({ acquire: acquireValue(c), idleTimeToLive: "1 hour" });
  let reads = 0;
  const check = () => (++reads % 1000 === 0 ? RcRef.invalidate(ref) : Effect.void);
  const fast = Effect.flatMap(Effect.scoped(RcRef.get(ref)), check), holding = Effect.flatMap(Effect.scoped(holdAcross(RcRef.get(ref))), check);
  const steps = Array.from({ length: N }, (_, i) => (i % 16 === 0 ? holding : fast));
  const t0 = threadCpuNs(); const h0 = process.getActiveResourcesInfo().length;
  yield* Effect.forEach(steps, (s) => s, { discard: true });
  return [(threadCpuNs() - t0) / N, process.getActiveResourcesInfo().length - h0];
});
for (let r = 0; r < 3; r++) for (const N of [10000, 40000, 160000]) { const [ns, res] = await Effect.runPromise(prog(N).pipe(Effect.scoped)); console.log(N, ns.toFixed(0), "ns/read; active resources grew by", res); }
