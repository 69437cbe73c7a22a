import { Effect } from "effect";
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const K = 20000;
for (let r = 0; r < 5; r++) {
  const ns = await Effect.runPromise(Effect.gen(function* () { const t0 = cpuNs(); for (let i = 0; i < K; i++) yield* Effect.yieldNow; return (cpuNs() - t0) / K; }));
  const t0 = cpuNs(); for (let i = 0; i < K; i++) await new Promise((r) => setImmediate(r)); const raw = (cpuNs() - t0) / K;
  console.log("yieldNow", ns.toFixed(0), "ns; bare setImmediate await", raw.toFixed(0));
}
