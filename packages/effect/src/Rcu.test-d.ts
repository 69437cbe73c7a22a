import type { RcuDomain, RcuError as CoreRcuError } from "@rcu/core";
import { Effect, type Exit, type Layer, type Scope } from "effect";
import { describe, expectTypeOf, it } from "vitest";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import * as RcuRef from "./RcuRef.js";

interface Conn {
  readonly id: number;
}
class NotFound {
  readonly _tag = "NotFound";
}
class Timeout {
  readonly _tag = "Timeout";
}
interface Db {
  readonly url: string;
}
interface Metrics {
  readonly count: number;
}
declare const program: Effect.Effect<Conn, NotFound, Db>;
declare const acquireConn: Effect.Effect<Conn, NotFound, Db | Scope.Scope>;
declare const acquireOther: Effect.Effect<Conn, Timeout, Metrics | Scope.Scope>;
declare const releaseConn: (conn: Conn, exit: Exit.Exit<unknown, unknown>) => Effect.Effect<void, never, Metrics>;

describe("Rcu", () => {
  it("layers", () => {
    expectTypeOf(Rcu.layer()).toEqualTypeOf<Layer.Layer<Rcu, RcuError>>();
    expectTypeOf(Rcu.layer({ name: "x", stallTimeoutMs: 1 })).toEqualTypeOf<Layer.Layer<Rcu, RcuError>>();
    // @ts-expect-error -- 'loop' domains cannot hold Effect read sections
    Rcu.layer({ flavor: "loop" });
    expectTypeOf(Rcu.layerFrom).parameter(0).toEqualTypeOf<RcuDomain>();
    expectTypeOf(Rcu.layerManual).toEqualTypeOf<Layer.Layer<Rcu | RcuManual>>();
  });

  it("read keeps A, E and R and adds Rcu", () => {
    expectTypeOf(Rcu.read(program)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Db | Rcu>>();
    expectTypeOf(Rcu.read(Effect.succeed(1))).toEqualTypeOf<Effect.Effect<number, never, Rcu>>();
    expectTypeOf(program.pipe(Rcu.read)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Db | Rcu>>();
    expectTypeOf(Rcu.readScoped).toEqualTypeOf<Effect.Effect<void, never, Rcu | Scope.Scope>>();
  });

  it("grace periods", () => {
    expectTypeOf(Rcu.synchronize).toEqualTypeOf<Effect.Effect<void, RcuError, Rcu>>();
    expectTypeOf(Rcu.barrier).toEqualTypeOf<Effect.Effect<void, RcuError, Rcu>>();
    expectTypeOf(Rcu.retire({ [Symbol.dispose]() {} })).toEqualTypeOf<Effect.Effect<void, RcuError, Rcu>>();
    // The deferred effect's requirements (minus Scope: it runs in its own scope) move to the caller.
    expectTypeOf(Rcu.defer(program)).toEqualTypeOf<Effect.Effect<void, RcuError, Rcu | Db>>();
    expectTypeOf(Rcu.defer(acquireConn)).toEqualTypeOf<Effect.Effect<void, RcuError, Rcu | Db>>();
  });

  it("acquireRelease keeps A and E and collects R of both sides plus Rcu and Scope", () => {
    expectTypeOf(Rcu.acquireRelease(program, releaseConn)).toEqualTypeOf<
      Effect.Effect<Conn, NotFound, Db | Metrics | Rcu | Scope.Scope>
    >();
    const inferred = Rcu.acquireRelease(Effect.succeed({ id: 1 }), (conn) => {
      expectTypeOf(conn).toEqualTypeOf<{ id: number }>();
      return Effect.void;
    });
    expectTypeOf(inferred).toEqualTypeOf<Effect.Effect<{ id: number }, never, Rcu | Scope.Scope>>();
  });

  it("the service", () => {
    expectTypeOf(Effect.service(Rcu)).toEqualTypeOf<Effect.Effect<{ readonly domain: RcuDomain }, never, Rcu>>();
    expectTypeOf(RcuManual.advance).toEqualTypeOf<Effect.Effect<boolean, never, RcuManual>>();
    expectTypeOf(RcuManual.startGracePeriod).toEqualTypeOf<Effect.Effect<void, never, RcuManual>>();
    expectTypeOf(RcuManual.endGracePeriod).toEqualTypeOf<Effect.Effect<boolean, never, RcuManual>>();
  });

  it("RcuError keeps core's code", () => {
    expectTypeOf<RcuError["_tag"]>().toEqualTypeOf<"RcuError">();
    expectTypeOf<RcuError["code"]>().toEqualTypeOf<CoreRcuError["code"]>();
    expectTypeOf(Rcu.synchronize.pipe(Effect.catchTag("RcuError", () => Effect.void))).toEqualTypeOf<
      Effect.Effect<void, never, Rcu>
    >();
  });
});

describe("RcuRef", () => {
  it("make keeps A and E and requires R, Scope and Rcu", () => {
    expectTypeOf(RcuRef.make({ acquire: acquireConn })).toEqualTypeOf<
      Effect.Effect<RcuRef.RcuRef<Conn, NotFound>, never, Db | Scope.Scope | Rcu>
    >();
    expectTypeOf(RcuRef.make({ acquire: Effect.succeed("x"), idleTimeToLive: "1 minute" })).toEqualTypeOf<
      Effect.Effect<RcuRef.RcuRef<string>, never, Scope.Scope | Rcu>
    >();
  });

  it("get, set (both ways) and invalidate", () => {
    const ref = {} as RcuRef.RcuRef<Conn, NotFound>;
    expectTypeOf(RcuRef.get(ref)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Scope.Scope>>();
    expectTypeOf(RcuRef.set(ref, acquireOther)).toEqualTypeOf<Effect.Effect<void, Timeout, Metrics>>();
    expectTypeOf(ref.pipe(RcuRef.set(acquireOther))).toEqualTypeOf<Effect.Effect<void, Timeout, Metrics>>();
    expectTypeOf(RcuRef.invalidate(ref)).toEqualTypeOf<Effect.Effect<void>>();
    // @ts-expect-error -- a ref of Conn only takes Conn values
    RcuRef.set(ref, Effect.succeed("not a connection"));
  });

  it("RcuRef is invariant in A and covariant in E", () => {
    expectTypeOf<RcuRef.RcuRef<Conn, never>>().toExtend<RcuRef.RcuRef<Conn, NotFound>>();
    expectTypeOf<RcuRef.RcuRef<{ id: 1 }>>().not.toExtend<RcuRef.RcuRef<Conn>>();
  });
});
