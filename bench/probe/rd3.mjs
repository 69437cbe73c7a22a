import { runDeferred } from "../../packages/effect/dist/internal/core.js";
import { createDomain } from "@rcu/core";
import { Effect, Context } from "effect";
const domain = createDomain({ flavor: "srcu" });
const ctx = Context.empty();
for (let i = 0; i < 100000; i++) runDeferred(ctx, domain, Effect.void, "m");
