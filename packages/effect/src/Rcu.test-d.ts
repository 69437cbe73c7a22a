import type { RcuDomain, RcuError as CoreRcuError } from "@rcu/core";
import { type Cause, Effect, type Exit, type Layer, type Option, type Scope, type Stream } from "effect";
import { describe, expectTypeOf, it } from "vitest";
import { Rcu } from "./Rcu.js";
import type { RcuError } from "./RcuError.js";
import { RcuManual } from "./RcuManual.js";
import type { RcuSection } from "./RcuSection.js";
import * as RcuMap from "./RcuMap.js";
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
    type LayerError = RcuError<"ASYNC_SECTION" | "INVALID_OPTION">;
    expectTypeOf(Rcu.layer()).toEqualTypeOf<Layer.Layer<Rcu, LayerError>>();
    expectTypeOf(Rcu.layer({ name: "x", stallTimeoutMs: 1 })).toEqualTypeOf<Layer.Layer<Rcu, LayerError>>();
    expectTypeOf(Rcu.layerFrom({} as RcuDomain)).toEqualTypeOf<Layer.Layer<Rcu, LayerError>>();
    // @ts-expect-error -- 'loop' domains cannot hold Effect read sections
    Rcu.layer({ flavor: "loop" });
    expectTypeOf(Rcu.layerFrom).parameter(0).toEqualTypeOf<RcuDomain>();
    expectTypeOf(Rcu.layerManual).toEqualTypeOf<Layer.Layer<Rcu | RcuManual>>();
  });

  it("read keeps A, E and R, adds Rcu, and provides Rcu.Section", () => {
    expectTypeOf(Rcu.read(program)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Db | Rcu>>();
    expectTypeOf(Rcu.read(Effect.succeed(1))).toEqualTypeOf<Effect.Effect<number, never, Rcu>>();
    expectTypeOf(program.pipe(Rcu.read)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Db | Rcu>>();
    expectTypeOf(Rcu.readScoped).toEqualTypeOf<Effect.Effect<RcuSection["Service"], never, Rcu | Scope.Scope>>();
    const inSection = {} as Effect.Effect<Conn, NotFound, Db | Rcu.Section>;
    expectTypeOf(Rcu.read(inSection)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Db | Rcu>>();
    expectTypeOf<Rcu.Section>().toEqualTypeOf<RcuSection>();
  });

  it("grace periods", () => {
    // Each operation names only the codes it can fail with.
    expectTypeOf(Rcu.synchronize).toEqualTypeOf<Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "CLOSED">, Rcu>>();
    expectTypeOf(Rcu.barrier).toEqualTypeOf<
      Effect.Effect<void, RcuError<"SELF_DEADLOCK" | "INSIDE_CALLBACK" | "CLOSED">, Rcu>
    >();
    expectTypeOf(Rcu.retire({ [Symbol.dispose]() {} })).toEqualTypeOf<
      Effect.Effect<void, RcuError<"CLOSED" | "DOUBLE_RETIRE">, Rcu>
    >();
    // The deferred effect's requirements (minus Scope: it runs in its own scope) move to the caller.
    expectTypeOf(Rcu.defer(program)).toEqualTypeOf<Effect.Effect<void, RcuError<"CLOSED">, Rcu | Db>>();
    expectTypeOf(Rcu.defer(acquireConn)).toEqualTypeOf<Effect.Effect<void, RcuError<"CLOSED">, Rcu | Db>>();
    // Narrowing on the code is exhaustive.
    Rcu.synchronize.pipe(
      Effect.catchTag("RcuError", (error) => {
        expectTypeOf(error.code).toEqualTypeOf<"SELF_DEADLOCK" | "CLOSED">();
        return Effect.void;
      }),
    );
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
    // The options of Effect.acquireRelease.
    expectTypeOf(Rcu.acquireRelease(program, releaseConn, { interruptible: true })).toEqualTypeOf<
      Effect.Effect<Conn, NotFound, Db | Metrics | Rcu | Scope.Scope>
    >();
    // @ts-expect-error -- only Effect.acquireRelease's options
    Rcu.acquireRelease(program, releaseConn, { interruptable: true });
  });

  it("the service", () => {
    expectTypeOf(Effect.service(Rcu)).toEqualTypeOf<Effect.Effect<{ readonly domain: RcuDomain }, never, Rcu>>();
    expectTypeOf(RcuManual.advance).toEqualTypeOf<Effect.Effect<boolean, never, RcuManual>>();
    expectTypeOf(RcuManual.startGracePeriod).toEqualTypeOf<Effect.Effect<void, never, RcuManual>>();
    expectTypeOf(RcuManual.endGracePeriod).toEqualTypeOf<Effect.Effect<boolean, never, RcuManual>>();
  });

  it("RcuError keeps core's code (plus NOT_IN_SECTION)", () => {
    expectTypeOf<RcuError["_tag"]>().toEqualTypeOf<"RcuError">();
    expectTypeOf<RcuError["code"]>().toEqualTypeOf<CoreRcuError["code"] | "NOT_IN_SECTION">();
    expectTypeOf<RcuError.Code>().toEqualTypeOf<CoreRcuError["code"] | "NOT_IN_SECTION">();
    expectTypeOf(Rcu.synchronize.pipe(Effect.catchTag("RcuError", () => Effect.void))).toEqualTypeOf<
      Effect.Effect<void, never, Rcu>
    >();
  });
});

describe("RcuRef", () => {
  it("make keeps A and E and requires R, Scope and Rcu", () => {
    expectTypeOf(RcuRef.make({ acquire: acquireConn })).toEqualTypeOf<
      Effect.Effect<RcuRef.RcuRef<Conn, NotFound>, RcuError<"INVALID_OPTION">, Db | Scope.Scope | Rcu>
    >();
    expectTypeOf(RcuRef.make({ acquire: Effect.succeed("x"), idleTimeToLive: "1 minute" })).toEqualTypeOf<
      Effect.Effect<RcuRef.RcuRef<string>, RcuError<"INVALID_OPTION">, Scope.Scope | Rcu>
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

  it("deref requires a read section: it type-checks inside Rcu.read and nowhere else", () => {
    const ref = {} as RcuRef.RcuRef<Conn, NotFound>;
    expectTypeOf(RcuRef.deref(ref)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Rcu.Section>>();
    expectTypeOf(Rcu.read(RcuRef.deref(ref))).toEqualTypeOf<Effect.Effect<Conn, NotFound, Rcu>>();
    const run = <A, E>(effect: Effect.Effect<A, E, Rcu>) => effect;
    run(Rcu.read(RcuRef.deref(ref)));
    // @ts-expect-error -- outside a section, Rcu.Section is missing
    run(RcuRef.deref(ref));
    // @ts-expect-error -- Effect.scoped does not open a section either
    run(Effect.scoped(RcuRef.deref(ref)));
    // @ts-expect-error -- nor does running it with the Rcu service alone
    Effect.runPromise(RcuRef.deref(ref).pipe(Effect.provide(Rcu.layer())));
  });

  it("RcuRef is invariant in A and covariant in E", () => {
    expectTypeOf<RcuRef.RcuRef<Conn, never>>().toExtend<RcuRef.RcuRef<Conn, NotFound>>();
    expectTypeOf<RcuRef.RcuRef<{ id: 1 }>>().not.toExtend<RcuRef.RcuRef<Conn>>();
  });
});

describe("RcuMap", () => {
  it("make, get, deref (only inside a section), set, invalidate, keys", () => {
    const lookup = (_id: number) => acquireConn;
    expectTypeOf(RcuMap.make({ lookup })).toEqualTypeOf<
      Effect.Effect<RcuMap.RcuMap<number, Conn, NotFound>, RcuError<"INVALID_OPTION">, Db | Scope.Scope | Rcu>
    >();
    expectTypeOf(RcuMap.make({ lookup, capacity: 10 })).toEqualTypeOf<
      Effect.Effect<
        RcuMap.RcuMap<number, Conn, NotFound | Cause.ExceededCapacityError>,
        RcuError<"INVALID_OPTION">,
        Db | Scope.Scope | Rcu
      >
    >();
    const map = {} as RcuMap.RcuMap<number, Conn, NotFound>;
    expectTypeOf(RcuMap.get(map, 1)).toEqualTypeOf<Effect.Effect<Conn, NotFound, Scope.Scope>>();
    expectTypeOf(RcuMap.deref(map, 1)).toEqualTypeOf<Effect.Effect<Option.Option<Conn>, never, Rcu.Section>>();
    expectTypeOf(Rcu.read(RcuMap.deref(map, 1))).toEqualTypeOf<Effect.Effect<Option.Option<Conn>, never, Rcu>>();
    const run = <A, E>(effect: Effect.Effect<A, E, Rcu>) => effect;
    // @ts-expect-error -- outside a section, Rcu.Section is missing
    run(RcuMap.deref(map, 1));
    expectTypeOf(RcuMap.invalidate(map, 1)).toEqualTypeOf<Effect.Effect<void>>();
    expectTypeOf(RcuMap.keys(map)).toEqualTypeOf<Effect.Effect<Array<number>>>();
    expectTypeOf(RcuMap.set(map, 1, acquireOther)).toEqualTypeOf<
      Effect.Effect<void, Timeout | Cause.ExceededCapacityError, Metrics>
    >();
  });

  it("RcuRef.refresh and changes", () => {
    const ref = {} as RcuRef.RcuRef<Conn, NotFound>;
    expectTypeOf(RcuRef.refresh(ref)).toEqualTypeOf<Effect.Effect<void, NotFound>>();
    expectTypeOf(RcuRef.changes(ref)).toEqualTypeOf<Stream.Stream<Conn>>();
  });
});
