import type { SharedDomain } from "@rcu/core/shared";
import { describe, expectTypeOf, it } from "vitest";
import { attachStructPool, createStructPool, type StructPool, type StructPoolHandle } from "../index.js";

declare const domain: SharedDomain;

describe("createStructPool types", () => {
  it("keeps the layout's literal types: field arrays per type, field names checked", () => {
    const pool = createStructPool({ domain, capacity: 8, layout: { x: "f64", id: "u32", flags: "u8" } });
    expectTypeOf(pool).toEqualTypeOf<StructPool<{ readonly x: "f64"; readonly id: "u32"; readonly flags: "u8" }>>();
    expectTypeOf(pool.field("x")).toEqualTypeOf<Float64Array>();
    expectTypeOf(pool.field("id")).toEqualTypeOf<Uint32Array>();
    expectTypeOf(pool.field("flags")).toEqualTypeOf<Uint8Array>();
    expectTypeOf(pool.acquire()).toEqualTypeOf<number>();
    expectTypeOf(pool.acquireAsync({ signal: AbortSignal.timeout(10) })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(pool.get(1, "x")).toEqualTypeOf<number>();
    // @ts-expect-error — not a field of the layout
    pool.get(1, "y");
    // @ts-expect-error — not a field type
    createStructPool({ domain, capacity: 8, layout: { x: "f16" } });
  });

  it("attaches with the same layout type from a handle", () => {
    const pool = createStructPool({ domain, capacity: 8, layout: { x: "f32" } });
    expectTypeOf(pool.handle).toEqualTypeOf<StructPoolHandle<{ readonly x: "f32" }>>();
    expectTypeOf(attachStructPool(pool.handle, domain).field("x")).toEqualTypeOf<Float32Array>();
  });
});
