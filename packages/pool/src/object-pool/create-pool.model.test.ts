/**
 * Model-based test: random sequences of acquire / release / stale release / reader enter-exit / grace-period
 * start-end / drain run against the real pool on a manual domain and against a small reference model. After
 * every step the pool's counters must match the model; on every lend the model checks the safety properties:
 * no object lent twice at once, generations strictly increase per object, and (typesafe: false) no object is
 * reused before a grace period that started after its release has ended, nor while a reader that was inside
 * at its release is still inside.
 */
import type { ReadGuard } from "@rcu/core";
import { createManualDomain, type ManualDomain } from "@rcu/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPool } from "./create-pool.js";
import type { Lease } from "./lease.js";
import type { Pool } from "./pool.js";

interface Obj {
  readonly id: number;
}

interface PendingRecord {
  /** Grace periods started before the release: reusable once a grace period with a higher number has ended. */
  readonly startsAtRelease: number;
  /** Readers inside at the release: none may still be inside when the object is reused. */
  readonly readersAtRelease: readonly number[];
}

interface Model {
  readonly typesafe: boolean;
  readonly max: number;
  gpStarts: number;
  gpInProgress: boolean;
  /** Active readers → number of grace periods started when they entered. */
  readonly readers: Map<number, number>;
  nextReader: number;
  readonly leased: Map<Obj, Lease<Obj>>;
  readonly free: Set<Obj>;
  readonly pending: Map<Obj, PendingRecord>;
  readonly lastGeneration: Map<Obj, number>;
  readonly releasedLeases: Lease<Obj>[];
  owned: number;
  closed: boolean;
}

interface Real {
  readonly domain: ManualDomain;
  readonly pool: Pool<Obj>;
  readonly guards: Map<number, ReadGuard>;
}

type Cmd = fc.Command<Model, Real>;

function nth<K, V>(map: Map<K, V>, index: number): [K, V] {
  return [...map.entries()][index % map.size]!;
}

function checkCounters(m: Model, r: Real): void {
  const s = r.pool.stats();
  expect(s.live).toBe(m.leased.size);
  expect(s.free).toBe(m.free.size);
  expect(s.pendingFree).toBe(m.pending.size);
  expect(s.owned).toBe(m.owned);
  expect(s.owned).toBe(s.live + s.free + s.pendingFree + s.pendingDestroy);
  expect(s.owned).toBeLessThanOrEqual(m.max);
}

class Acquire implements Cmd {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    if (m.closed) {
      expect(() => r.pool.tryAcquire()).toThrow(expect.objectContaining({ code: "CLOSED" }));
      return;
    }
    const canReuse = m.free.size > 0 || (m.typesafe && m.pending.size > 0);
    const possible = canReuse || m.owned < m.max;
    const lease = r.pool.tryAcquire();
    if (lease === undefined) {
      expect(possible).toBe(false);
      return;
    }
    const obj = lease.value;
    expect(m.leased.has(obj)).toBe(false); // never lent twice at once
    const last = m.lastGeneration.get(obj);
    expect(lease.generation).toBeGreaterThan(last ?? 0); // strictly increasing per object
    if (m.free.has(obj)) {
      m.free.delete(obj);
    } else if (m.pending.has(obj)) {
      expect(m.typesafe).toBe(true); // only typesafe pools reuse before the grace period
      expect(m.free.size).toBe(0); // the free list is preferred
      m.pending.delete(obj);
    } else {
      expect(last).toBeUndefined(); // a fresh object
      expect(canReuse).toBe(false); // reuse is preferred over creating
      m.owned += 1;
    }
    m.lastGeneration.set(obj, lease.generation);
    m.leased.set(obj, lease);
    expect(r.pool.isLive(obj, lease.generation)).toBe(true);
    expect(r.pool.generationOf(obj)).toBe(lease.generation);
  }
  toString(): string {
    return "acquire";
  }
}

class Release implements Cmd {
  constructor(readonly index: number) {}
  check(m: Model): boolean {
    return m.leased.size > 0;
  }
  run(m: Model, r: Real): void {
    const [obj, lease] = nth(m.leased, this.index);
    expect(lease.release()).toBe(true);
    expect(r.pool.isLive(obj, lease.generation)).toBe(false);
    m.leased.delete(obj);
    m.releasedLeases.push(lease);
    if (m.closed)
      m.owned -= 1; // late release after drain destroys
    else m.pending.set(obj, { startsAtRelease: m.gpStarts, readersAtRelease: [...m.readers.keys()] });
  }
  toString(): string {
    return `release(${this.index})`;
  }
}

class StaleRelease implements Cmd {
  constructor(readonly index: number) {}
  check(m: Model): boolean {
    return m.releasedLeases.length > 0;
  }
  run(m: Model, r: Real): void {
    const lease = m.releasedLeases[this.index % m.releasedLeases.length]!;
    const before = r.pool.stats();
    expect(lease.release()).toBe(false);
    const after = r.pool.stats();
    expect(after.staleReleases).toBe(before.staleReleases + 1);
    expect({ ...after, staleReleases: 0 }).toEqual({ ...before, staleReleases: 0 });
  }
  toString(): string {
    return `staleRelease(${this.index})`;
  }
}

class ReaderEnter implements Cmd {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const id = m.nextReader++;
    r.guards.set(id, r.domain.readLock());
    m.readers.set(id, m.gpStarts);
  }
  toString(): string {
    return "readerEnter";
  }
}

class ReaderExit implements Cmd {
  constructor(readonly index: number) {}
  check(m: Model): boolean {
    return m.readers.size > 0;
  }
  run(m: Model, r: Real): void {
    const [id] = nth(m.readers, this.index);
    r.guards.get(id)!.unlock();
    r.guards.delete(id);
    m.readers.delete(id);
  }
  toString(): string {
    return `readerExit(${this.index})`;
  }
}

class StartGracePeriod implements Cmd {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    r.domain.startGracePeriod();
    if (!m.gpInProgress) {
      m.gpStarts += 1;
      m.gpInProgress = true;
    }
  }
  toString(): string {
    return "startGracePeriod";
  }
}

class EndGracePeriod implements Cmd {
  check(m: Model): boolean {
    return m.gpInProgress;
  }
  run(m: Model, r: Real): void {
    const current = m.gpStarts;
    const blocked = [...m.readers.values()].some((enteredAt) => enteredAt < current);
    expect(r.domain.endGracePeriod()).toBe(!blocked);
    if (blocked) return;
    m.gpInProgress = false;
    for (const [obj, record] of [...m.pending]) {
      if (record.startsAtRelease >= current) continue;
      // Safety of reuse after a grace period: no reader from the release is still inside.
      for (const reader of record.readersAtRelease) expect(m.readers.has(reader)).toBe(false);
      m.pending.delete(obj);
      if (m.closed) m.owned -= 1;
      else m.free.add(obj);
    }
  }
  toString(): string {
    return "endGracePeriod";
  }
}

class Drain implements Cmd {
  check(m: Model): boolean {
    return !m.closed;
  }
  run(m: Model, r: Real): void {
    void r.pool.drain();
    m.closed = true;
    m.owned -= m.free.size;
    m.free.clear();
  }
  toString(): string {
    return "drain";
  }
}

/** Wraps a command so that the counters are compared with the model after it runs. */
class Checked implements Cmd {
  constructor(readonly inner: Cmd) {}
  check(m: Readonly<Model>): boolean {
    return this.inner.check(m);
  }
  run(m: Model, r: Real): void {
    this.inner.run(m, r);
    checkCounters(m, r);
  }
  toString(): string {
    return this.inner.toString();
  }
}

const commands = [
  fc.constant(new Acquire()),
  fc.constant(new Acquire()),
  fc.nat().map((i) => new Release(i)),
  fc.nat().map((i) => new Release(i)),
  fc.nat().map((i) => new StaleRelease(i)),
  fc.constant(new ReaderEnter()),
  fc.nat().map((i) => new ReaderExit(i)),
  fc.constant(new StartGracePeriod()),
  fc.constant(new EndGracePeriod()),
  fc.constant(new Drain()),
].map((arb) => arb.map((cmd: Cmd) => new Checked(cmd)));

function runModel(typesafe: boolean, numRuns: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.commands(commands, { maxCommands: 60 }), (max, cmds) => {
      const setup = (): { model: Model; real: Real } => {
        const domain = createManualDomain();
        let nextId = 0;
        const pool = createPool<Obj>({ domain, create: () => ({ id: nextId++ }), max, typesafe });
        return {
          model: {
            typesafe,
            max,
            gpStarts: 0,
            gpInProgress: false,
            readers: new Map(),
            nextReader: 0,
            leased: new Map(),
            free: new Set(),
            pending: new Map(),
            lastGeneration: new Map(),
            releasedLeases: [],
            owned: 0,
            closed: false,
          },
          real: { domain, pool, guards: new Map() },
        };
      };
      fc.modelRun(setup, cmds);
    }),
    { numRuns },
  );
}

describe("createPool against a reference model", () => {
  it("typesafe: false — no double lend, strictly increasing generations, no reuse before a grace period", () => {
    runModel(false, 300);
  });

  it("typesafe: true — no double lend, strictly increasing generations, free list before dequeue before create", () => {
    runModel(true, 300);
  });
});
