import { Rcu, RcuRef } from "@rcu/effect";
import { Effect } from "effect";
const acquireValue = (c) => Effect.acquireRelease(Effect.sync(() => ({ n: c.n++, alive: true })), (v) => Effect.sync(() => void (v.alive = false)));
const show = (label) => Effect.withFiber((f) => { console.log(label, "depth", f.context.depth, "maxDepth", f.context.maxDepth, "flat", !!f.context._flat); return Effect.void; });
const prog = Effect.gen(function* () {
  const c = { n: 0 };
  const ref = yield* Effect.orDie(RcuRef.make({ acquire: acquireValue(c) }));
  yield* show("after make");
  yield* RcuRef.set(ref, acquireValue(c));
  yield* show("after set 1");
  yield* Rcu.read(RcuRef.deref(ref));
  yield* show("after read");
  yield* RcuRef.set(ref, acquireValue(c));
  yield* show("after set 2");
  yield* Rcu.read(show("inside read"));
});
await Effect.runPromise(prog.pipe(Effect.scoped, Effect.provide(Rcu.layer({ name: "p" })), Effect.orDie));
