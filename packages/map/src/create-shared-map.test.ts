/**
 * `createSharedMap` in one thread: semantics of every operation for each key type, growth in place, records
 * kept whole for a reader until its section ends (and reused only after it), and a coded error for every misuse.
 */
import { isRcuError } from "@rcu/core";
import { createSharedDomain } from "@rcu/core/shared";
import type { SharedDomain } from "@rcu/core/shared";
import { afterEach, describe, expect, it } from "vitest";
import { attachSharedMap, createSharedMap } from "./create-shared-map.js";

const domains: SharedDomain[] = [];
function domainOf(maxThreads = 2): SharedDomain {
  const d = createSharedDomain({ maxThreads });
  domains.push(d);
  return d;
}
afterEach(async () => {
  for (const d of domains.splice(0)) await d.close();
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isRcuError(err) ? err.code : `not an RcuError: ${String(err)}`;
  }
  return undefined;
}

const value = { port: "u16", weight: "f64", hits: "u32" } as const;

describe("createSharedMap", () => {
  it("set / lookup / get / has / update / delete / size with u32 keys", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    expect(m.size).toBe(0);
    m.set(1, { port: 80, weight: 0.5, hits: 0 });
    m.set(0xffffffff, { port: 443, weight: 1, hits: 3 });
    domain.read(() => {
      const h = m.lookup(1)!;
      expect(m.get(h, "port")).toBe(80);
      expect(m.get(h, "weight")).toBe(0.5);
      expect(m.keyOf(h)).toBe(1);
      expect(m.values(m.lookup(0xffffffff)!)).toEqual({ port: 443, weight: 1, hits: 3 });
      expect(m.has(2)).toBe(false);
      expect(m.lookup(2)).toBeUndefined();
    });
    m.update(1, (v) => ({ ...v!, hits: v!.hits + 1 }));
    m.update(5, (v) => (v === undefined ? { port: 5, weight: 0, hits: 1 } : v));
    m.update(6, () => undefined); // absent stays absent
    expect(m.size).toBe(3);
    expect(domain.read(() => m.values(m.lookup(1)!))).toEqual({ port: 80, weight: 0.5, hits: 1 });
    m.update(5, () => undefined); // deletes
    expect(m.delete(1)).toBe(true);
    expect(m.delete(1)).toBe(false);
    expect(m.size).toBe(1);
    const seen: [number, number][] = [];
    domain.read(() => m.forEach((h, k) => seen.push([k, m.get(h, "port")])));
    expect(seen).toEqual([[0xffffffff, 443]]);
  });

  it("f64 keys compare like a JS Map (SameValueZero: NaN is one key, -0 is 0)", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "f64", value: { x: "i32" }, capacity: 8 });
    m.set(NaN, { x: 1 });
    m.set(-0, { x: 2 });
    m.set(1.5, { x: 3 });
    m.set(Infinity, { x: 4 });
    domain.read(() => {
      expect(m.get(m.lookup(Number("not a number"))!, "x")).toBe(1);
      expect(m.get(m.lookup(0)!, "x")).toBe(2);
      expect(m.get(m.lookup(1.5)!, "x")).toBe(3);
      expect(m.get(m.lookup(Infinity)!, "x")).toBe(4);
      expect(Object.is(m.keyOf(m.lookup(-0)!), 0)).toBe(true);
    });
    expect(m.size).toBe(4);
  });

  it("string keys are stored as UTF-8 inline (multi-byte, astral), up to maxBytes", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: { type: "string", maxBytes: 12 }, value: { n: "u32" }, capacity: 8 });
    const keys = ["", "a", "é", "日本", "😀x", "twelve-bytes"];
    keys.forEach((k, i) => m.set(k, { n: i }));
    domain.read(() => {
      keys.forEach((k, i) => {
        const h = m.lookup(k);
        expect(h).toBeDefined();
        expect(m.get(h!, "n")).toBe(i);
        expect(m.keyOf(h!)).toBe(k);
      });
      expect(m.lookup("thirteen-byte")).toBeUndefined(); // too long to be present: a miss, not an error
      expect(m.lookup("\ud800")).toBeUndefined();
    });
    expect(codeOf(() => m.set("thirteen-byte", { n: 1 }))).toBe("INVALID_OPTION");
    expect(codeOf(() => m.set("\ud800", { n: 1 }))).toBe("INVALID_OPTION");
  });

  it("grows in place through several resizes up to maxCapacity, then throws FULL", async () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value: { v: "u32" }, capacity: 4, maxCapacity: 5000 });
    const before = m.handle.index;
    for (let k = 0; k < 5000; k++) m.set(k, { v: k * 2 });
    expect(m.handle.index).toBe(before); // same buffers: grown, not replaced
    expect(m.stats()).toMatchObject({ size: 5000, resizes: 3, resizing: false, buckets: 8192 });
    domain.read(() => {
      for (let k = 0; k < 5000; k++) expect(m.get(m.lookup(k)!, "v")).toBe(k * 2);
    });
    expect(codeOf(() => m.set(5000, { v: 0 }))).toBe("FULL");
    m.set(4999, { v: 1 }); // replacing a key at maxCapacity is fine
    expect(m.delete(0)).toBe(true);
    m.set(5000, { v: 1 });
    await domain.synchronize();
  });

  it("a record found in a section stays whole until it ends; it is reused only after a grace period", async () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value: { v: "u32" }, capacity: 1, maxCapacity: 4 });
    m.set(1, { v: 10 });
    const guard = domain.readLock();
    const h = m.lookup(1)!;
    m.set(1, { v: 11 });
    m.delete(1);
    for (let i = 0; i < 40; i++) m.set(100 + (i % 2), { v: i }); // churn: would reuse the record if allowed
    expect(m.get(h, "v")).toBe(10);
    expect(m.stats().pendingRecords).toBeGreaterThan(0);
    guard.unlock();
    await domain.synchronize();
    await m.reclaimable();
    const before = m.stats().records;
    for (let i = 0; i < 40; i++) m.set(200 + (i % 2), { v: i }); // now the old records are recycled
    expect(m.stats().records).toBe(before); // every write reused a record whose grace period ended
    expect(codeOf(() => m.get(h, "v"))).toBe("INVALID_OPTION"); // a handle kept past its section is refused
  });

  it("FULL when every spare record waits for a grace period; reclaimable() then lets writes through", async () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value: { v: "u32" }, capacity: 4 });
    const guard = domain.readLock(); // holds every grace period
    let code: string | undefined;
    for (let i = 0; i < 1000 && code === undefined; i++) code = codeOf(() => m.set(i % 4, { v: i }));
    expect(code).toBe("FULL");
    const s = m.stats();
    expect(s.records).toBe(s.size + s.pendingRecords);
    guard.unlock();
    await m.reclaimable();
    m.set(0, { v: 1 });
    expect(domain.read(() => m.get(m.lookup(0)!, "v"))).toBe(1);
  });

  it("attachSharedMap in the same thread returns the same view", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    const a = attachSharedMap(structuredClone(m.handle), domain);
    expect(attachSharedMap(m.handle, domain)).toBe(attachSharedMap(m.handle, domain));
    a.set(3, { port: 1, weight: 2, hits: 3 });
    expect(domain.read(() => m.values(m.lookup(3)!))).toEqual({ port: 1, weight: 2, hits: 3 });
  });
});

describe("misuse is a coded error", () => {
  it("options", () => {
    const domain = domainOf();
    const ok = { domain, key: "u32", value: { v: "u32" }, capacity: 8 } as const;
    const cases: [string, unknown][] = [
      ["no options", undefined],
      ["not a shared domain", { ...ok, domain: {} }],
      ["bad key", { ...ok, key: "u64" }],
      ["string key without maxBytes", { ...ok, key: { type: "string" } }],
      ["string maxBytes 0", { ...ok, key: { type: "string", maxBytes: 0 } }],
      ["fractional maxBytes", { ...ok, key: { type: "string", maxBytes: 1.5 } }],
      ["empty layout", { ...ok, value: {} }],
      ["bad field type", { ...ok, value: { v: "u64" } }],
      [
        "layout from a class",
        {
          ...ok,
          value: new (class {
            v = "u32";
          })(),
        },
      ],
      ["inherited layout fields", { ...ok, value: Object.create({ v: "u32" }) as object }],
      ["accessor field", { ...ok, value: Object.defineProperty({}, "v", { get: () => "u32", enumerable: true }) }],
      ["symbol field", { ...ok, value: { v: "u32", [Symbol("s")]: "u32" } }],
      ["array layout", { ...ok, value: ["u32"] }],
      ["capacity 0", { ...ok, capacity: 0 }],
      ["fractional capacity", { ...ok, capacity: 1.5 }],
      ["string capacity", { ...ok, capacity: "8" }],
      ["capacity too big", { ...ok, capacity: 2 ** 22 }],
      ["maxCapacity < capacity", { ...ok, maxCapacity: 4 }],
      ["unknown option", { ...ok, maxCapcity: 9 }],
    ];
    for (const [name, options] of cases) {
      expect([name, codeOf(() => createSharedMap(options as never))]).toEqual([name, "INVALID_OPTION"]);
    }
    expect(() => createSharedMap({ ...ok, maxCapcity: 9 } as never)).toThrow(/did you mean 'maxCapacity'/);
  });

  it("keys, values, fields and handles", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    const s = createSharedMap({ domain, key: { type: "string", maxBytes: 8 }, value: { n: "u8" }, capacity: 8 });
    const v = { port: 1, weight: 2, hits: 3 };
    m.set(1, v);
    const hostile = Object.create(null) as object;
    for (const key of [-1, 1.5, 2 ** 32, "1", NaN, null, undefined, hostile, 1n]) {
      expect([key, codeOf(() => m.lookup(key as number))]).toEqual([key, "INVALID_OPTION"]);
      expect([key, codeOf(() => m.set(key as number, v))]).toEqual([key, "INVALID_OPTION"]);
      expect([key, codeOf(() => m.delete(key as number))]).toEqual([key, "INVALID_OPTION"]);
    }
    expect(codeOf(() => s.lookup(1 as unknown as string))).toBe("INVALID_OPTION");
    for (const values of [null, 5, {}, { port: 1, weight: 2 }, { ...v, hits: "3" }, { ...v, extra: 1 }, hostile]) {
      expect(codeOf(() => m.set(2, values as never))).toBe("INVALID_OPTION");
    }
    expect(() => m.set(2, { ...v, Port: 1 } as never)).toThrow(/did you mean 'port'/);
    expect(m.size).toBe(1); // nothing was written by a refused call
    domain.read(() => {
      const h = m.lookup(1)!;
      expect(codeOf(() => m.get(h, "nope" as "port"))).toBe("INVALID_OPTION");
      expect(codeOf(() => m.get(h, "toString" as "port"))).toBe("INVALID_OPTION"); // own names only
      expect(() => m.get(h, "Port" as "port")).toThrow(/did you mean 'port'/);
      for (const bad of [h + 0.5, String(h), -h, h + 1, h + (1 << 22), 2 ** 31 + h, hostile, undefined]) {
        expect([bad, codeOf(() => m.get(bad as number, "port"))]).toEqual([bad, "INVALID_OPTION"]);
      }
      // another map's handle is checked against this map's buffer, never read as another record
      const other = s.lookup("x");
      expect(other).toBeUndefined();
    });
    expect(codeOf(() => m.forEach("no" as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => m.update(1, "no" as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => m.watch({} as never))).toBe("INVALID_OPTION");
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw Object.create(null) as Error;
        },
      },
    );
    expect(codeOf(() => m.watch(revoked as never))).toBe("INVALID_OPTION");
    expect(codeOf(() => m.watch(throwing as never))).toBe("INVALID_OPTION");
  });

  it("update(): writes from the callback are SELF_DEADLOCK; a throwing callback (any value) changes nothing and frees the lock", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value: { v: "u32" }, capacity: 8 });
    m.set(1, { v: 1 });
    let inner: string | undefined;
    m.update(1, (cur) => {
      inner = codeOf(() => m.set(1, { v: 9 }));
      expect(codeOf(() => m.delete(2))).toBe("SELF_DEADLOCK");
      expect(m.has(1)).toBe(true); // reads are fine
      return cur;
    });
    expect(inner).toBe("SELF_DEADLOCK");
    const hostile = Object.create(null) as object;
    let caught: unknown;
    try {
      m.update(1, () => {
        throw hostile; // eslint-disable-line @typescript-eslint/only-throw-error -- hostile thrown values are the point
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(hostile);
    expect(codeOf(() => m.update(1, () => ({ v: "x" }) as never))).toBe("INVALID_OPTION");
    m.set(1, { v: 2 }); // the stripe is free again
    expect(domain.read(() => m.get(m.lookup(1)!, "v"))).toBe(2);
    const s = m.stats();
    expect(s.records).toBe(s.size + s.pendingRecords);
  });

  it("update(): a write to the same key through another view of the map in this thread is SELF_DEADLOCK, not a hang", () => {
    const domain = domainOf();
    const m = createSharedMap({ domain, key: "u32", value: { v: "u32" }, capacity: 8 });
    const other = attachSharedMap(structuredClone(m.handle), domain); // a second view in the same thread
    m.set(1, { v: 1 });
    const inner: (string | undefined)[] = [];
    m.update(1, (cur) => {
      inner.push(codeOf(() => other.set(1, { v: 9 })));
      inner.push(codeOf(() => other.delete(1)));
      inner.push(codeOf(() => other.update(1, () => undefined)));
      return { v: cur!.v + 1 };
    });
    expect(inner).toEqual(["SELF_DEADLOCK", "SELF_DEADLOCK", "SELF_DEADLOCK"]);
    expect(domain.read(() => m.get(m.lookup(1)!, "v"))).toBe(2);
    other.set(1, { v: 3 }); // nothing was left locked or allocated
    expect(domain.read(() => other.get(other.lookup(1)!, "v"))).toBe(3);
    const s = m.stats();
    expect(s.records).toBe(s.size + s.pendingRecords);
  });

  it("options, layouts, values and fields that cannot be read (revoked proxies, throwing getters) are INVALID_OPTION", () => {
    const domain = domainOf();
    const revoked = (): object => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    };
    const thrower = (): never => {
      throw Object.create(null) as Error; // its String() throws too
    };
    const throwing = new Proxy(
      {},
      { get: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower, getPrototypeOf: thrower },
    );
    const ok = { domain, key: "u32", value: { v: "u32" }, capacity: 8 } as const;
    const options = [
      revoked(),
      throwing,
      { ...ok, domain: revoked() },
      { ...ok, domain: throwing },
      { ...ok, key: revoked() },
    ];
    options.push({ ...ok, key: throwing }, { ...ok, value: revoked() }, { ...ok, value: throwing });
    for (const o of options) expect(codeOf(() => createSharedMap(o as never))).toBe("INVALID_OPTION");
    const m = createSharedMap(ok);
    const getter = Object.defineProperty({}, "v", { get: thrower, enumerable: true });
    for (const values of [revoked(), throwing, getter]) {
      expect(codeOf(() => m.set(1, values as never))).toBe("INVALID_OPTION");
      expect(codeOf(() => m.update(1, () => values as never))).toBe("INVALID_OPTION");
    }
    expect(m.size).toBe(0);
    m.set(1, { v: 1 });
    domain.read(() => {
      const h = m.lookup(1)!;
      const oddName = Object.assign(new Error("odd"), { name: Symbol("name") }); // String() throws
      const badToString = { toString: thrower };
      for (const field of [oddName, badToString, revoked(), throwing, Symbol("v")]) {
        expect(codeOf(() => m.get(h, field as never))).toBe("INVALID_OPTION");
      }
    });
    const s = m.stats();
    expect(s.records).toBe(s.size + s.pendingRecords);
  });

  it("a map larger than the runtime can reserve is INVALID_OPTION, not a RangeError", () => {
    const domain = domainOf();
    // 2^21 records of over 4 KiB each: V8 refuses such a growable SharedArrayBuffer (its maxByteLength limit)
    const code = codeOf(() =>
      createSharedMap({
        domain,
        key: { type: "string", maxBytes: 4096 },
        value: { v: "f64" },
        capacity: 1,
        maxCapacity: 2 ** 21,
      }),
    );
    expect([undefined, "INVALID_OPTION"]).toContain(code); // undefined where the runtime can reserve it
  });

  it("attachSharedMap refuses forged handles and mismatched domains", () => {
    const domain = domainOf(2);
    const other = domainOf(3);
    const m = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    const h = m.handle;
    const cases: unknown[] = [
      null,
      "handle",
      {},
      { ...h, index: new SharedArrayBuffer(4096) },
      { ...h, index: h.records },
      { ...h, key: "f64" },
      { ...h, value: { port: "u16" } },
      { ...h, value: { ...h.value, port: "u32" } },
      { ...h, pending: undefined },
      // a records buffer that is not this map's: read as records it does not hold, a lookup never ended
      { ...h, records: new SharedArrayBuffer(64) },
      { ...h, records: new SharedArrayBuffer(64, { maxByteLength: h.records.maxByteLength }) },
      { ...h, records: createSharedMap({ domain, key: "u32", value, capacity: 8, maxCapacity: 100 }).handle.records },
      { ...h, index: new SharedArrayBuffer(h.index.byteLength) }, // not growable
      Object.defineProperty({ ...h }, "index", {
        get: () => {
          throw Object.create(null) as Error;
        },
      }),
      {
        ...h,
        records: (() => {
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          return proxy;
        })(),
      },
    ];
    for (let k = 0; k < 8; k++) m.set(k, { port: k, weight: 0, hits: 0 });
    for (const forged of cases) expect(codeOf(() => attachSharedMap(forged as never, domain))).toBe("INVALID_OPTION");
    expect(codeOf(() => attachSharedMap(h, other))).toBe("INVALID_OPTION");
    expect(codeOf(() => attachSharedMap(h, {} as never))).toBe("INVALID_OPTION");
  });

  it("attachSharedMap refuses a handle whose records buffer is another map's of the same shape (a twin)", () => {
    const domain = domainOf(2);
    const a = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    const b = createSharedMap({ domain, key: "u32", value, capacity: 8 });
    for (let k = 0; k < 4; k++) b.set(k, { port: k, weight: 0, hits: 0 });
    // Same key, layout, capacity and maxCapacity: every size check passes, but writes through such a view would
    // link b's records into a's table and corrupt both.
    expect(() => attachSharedMap({ ...a.handle, records: b.handle.records }, domain)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION", message: expect.stringMatching(/another map/) as unknown }),
    );
    expect(() => attachSharedMap({ ...b.handle, records: a.handle.records }, domain)).toThrow(/another map/);
    // Both maps are untouched and still attach with their own buffers.
    expect(attachSharedMap(structuredClone(b.handle), domain).size).toBe(4);
    expect(a.size).toBe(0);
    expect(a.stats().records).toBe(0);
    expect(b.stats().records).toBe(4);
  });
});
