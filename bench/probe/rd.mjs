import { runDeferred } from "../../packages/effect/dist/internal/core.js";
import { createDomain } from "@rcu/core";
import { Effect, Context, Scope, Exit } from "effect";
const hr = () => Number(process.hrtime.bigint());
const domain = createDomain({ flavor: "srcu" });
const ctx = Context.empty();
const mkScope = () => { const s = Scope.makeUnsafe(); Effect.runSync(Scope.addFinalizer(s, Effect.sync(() => {}))); return s; };
let junk = 0; const other = (n) => { const a = []; for (let i = 0; i < n; i++) a.push({ i, s: "x" + i }); junk += a.length; };
for (const gap of [0, 1000, 10000, 100000]) {
  let t = 0; const K = 300;
  for (let i = 0; i < K + 50; i++) { const s = mkScope(); other(gap / 10); const t0 = hr(); runDeferred(ctx, domain, Scope.close(s, Exit.void), "m"); const d = hr() - t0; if (i >= 50) t += d; }
  console.log("gap", gap, "runDeferred", (t / K / 1000).toFixed(2), "µs");
}
