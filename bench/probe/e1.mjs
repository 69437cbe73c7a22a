import { Rcu, RcuRef } from "@rcu/effect";
import { Effect, RcRef } from "effect";
const SWAP_EVERY = +(process.env.SWAP ?? 1000), HOLD_EVERY = +(process.env.HOLD ?? 16);
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const holdAcross = (read) => Effect.flatMap(read, (v) => Effect.as(Effect.yieldNow, v));
const readers = (fibers, perFiber, make) => Effect.gen(function* () {
  const w = yield* make; let reads = 0, released = 0;
  const check = (v) => { if (!v.alive) released++; return ++reads % SWAP_EVERY === 0 ? w.swap : Effect.void; };
  const fast = Effect.flatMap(w.read, check), holding = Effect.flatMap(w.readHolding, check);
  const steps = Array.from({ length: perFiber }, (_, i) => i % HOLD_EVERY === 0 ? holding : fast);
  const fiber = Effect.forEach(steps, (s) => s, { discard: true });
  const t0 = cpuNs();
  yield* Effect.forEach(Array.from({ length: fibers }, () => fiber), (f) => f, { concurrency: "unbounded", discard: true });
  return (cpuNs() - t0) / (perFiber * fibers);
});
const deref = Effect.gen(function* () { const c = { n: 0 }; const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) })); yield* RcuRef.set(ref, acquireValue(c));
  return { read: Rcu.read(RcuRef.deref(ref)), readHolding: Rcu.read(holdAcross(RcuRef.deref(ref))), swap: RcuRef.set(ref, acquireValue(c)) }; });
const derefNoSwap = Effect.map(deref, (w) => ({ ...w, swap: Effect.void }));
const sectionOnly = Effect.sync(() => { const v = { n: 0, alive: true }; const r = Effect.succeed(v); return { read: Rcu.read(r), readHolding: Rcu.read(holdAcross(r)), swap: Effect.void }; });
const rcRef = Effect.gen(function* () { const c = { n: 0 }; const ref = yield* RcRef.make({ acquire: acquireValue(c), idleTimeToLive: "1 hour" });
  return { read: Effect.scoped(RcRef.get(ref)), readHolding: Effect.scoped(holdAcross(RcRef.get(ref))), swap: RcRef.invalidate(ref) }; });
const floor = Effect.sync(() => { const v = { n: 0, alive: true }; const r = Effect.succeed(v); return { read: r, readHolding: holdAcross(r), swap: Effect.void }; });
const run = (make, n = 40000, fibers = 1) => Effect.runPromise(readers(fibers, n, make).pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
const variants = { deref, derefNoSwap, sectionOnly, floor, rcRef };
const names = (process.env.ONLY ?? Object.keys(variants).join(",")).split(",");
const res = Object.fromEntries(names.map((k) => [k, []]));
const ROUNDS = +(process.env.ROUNDS ?? 9);
for (let r = 0; r < ROUNDS + 1; r++) {
  const order = r % 2 ? [...names].reverse() : names;
  for (const k of order) { const ns = await run(variants[k]); if (r > 0) res[k].push(ns); }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return process.env.MIN ? s[0] : s[s.length >> 1]; };
for (const k of names) console.log(k.padEnd(12), med(res[k]).toFixed(0), "ns/read  [", res[k].map((x) => x.toFixed(0)).join(" "), "]");
if (res.deref && res.rcRef) console.log("ratio rcRef/deref", (med(res.rcRef) / med(res.deref)).toFixed(2));
const AFTER64 = process.env.AFTER64 ?? "";
if (AFTER64) {
  for (const k of AFTER64.split(",")) await run(variants[k], 4000, 64);
  const res2 = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const k of (r % 2 ? [...names].reverse() : names)) res2[k].push(await run(variants[k]));
  console.log("after 64-fiber runs of", process.env.AFTER64);
  for (const k of names) console.log(k.padEnd(12), med(res2[k]).toFixed(0), "ns/read  [", res2[k].map((x) => x.toFixed(0)).join(" "), "]");
}
