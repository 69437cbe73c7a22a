import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const N = 100000;
const mk = (kind) => Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* RcuRef.set(ref, acquireValue(c));
  const v = { n: 0, alive: true };
  const sv = Effect.succeed(v);
  const empty = Effect.onExitPrimitive(Effect.withFiber(() => sv), () => undefined);
  const body = kind === "floor" ? sv : kind === "steps" ? Effect.suspend(() => empty) : kind === "section" ? Rcu.read(sv) : Rcu.read(RcuRef.deref(ref));
  let bad = 0;
  const step = Effect.flatMap(body, (x) => { if (!x.alive) bad++; return Effect.void; });
  const steps = Array.from({ length: N }, () => step);
  const t0 = cpuNs();
  yield* Effect.forEach(steps, (s) => s, { discard: true });
  return (cpuNs() - t0) / N;
});
const run = (k) => Effect.runPromise(mk(k).pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
const kinds = ["floor", "steps", "section", "deref"]; const res = { floor: [], steps: [], section: [], deref: [] };
for (let r = 0; r < 25; r++) for (const k of r % 2 ? [...kinds].reverse() : kinds) { const ns = await run(k); if (r >= 5) res[k].push(ns); }
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
for (const k of kinds) console.log(k.padEnd(8), "min", q(res[k], 0).toFixed(0), "p25", q(res[k], 0.25).toFixed(0), "med", q(res[k], 0.5).toFixed(0));
console.log("steps-floor", (q(res.steps, .25) - q(res.floor, .25)).toFixed(0), "section-steps", (q(res.section, .25) - q(res.steps, .25)).toFixed(0), "section-floor (p25)", (q(res.section, .25) - q(res.floor, .25)).toFixed(0), " deref-section", (q(res.deref, .25) - q(res.section, .25)).toFixed(0));
