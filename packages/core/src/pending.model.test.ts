/**
 * Model-based test of `createPending` on the manual domain (fast-check `fc.commands` + `fc.asyncModelRun`).
 *
 * Random sequences of enqueue / dequeue / dequeueWhere / startGracePeriod / endGracePeriod / advance /
 * readLock / unlock / flush / drain run against the real engine (small random `chunkSize`, `maxChunks` and
 * `maxPerTurn`, so chunk boundaries, the overflow array and the per-turn bound are all exercised) and against
 * a tiny reference model: grace periods as `rcu_seq` numbers, readers as the flip count at which they entered,
 * and batches as cookie-ordered arrays of item ids. Checked at every step:
 * - nothing lost: enqueued = processed + dequeued + pending (counts, ids and pendingBytes);
 * - nothing processed twice, nothing processed after being dequeued;
 * - nothing processed before its cookie has completed or while a reader that predates its enqueue is inside;
 * - process order = cookie order, then FIFO (each processed item is the head of the oldest non-empty batch);
 * - dequeue = the oldest non-empty batch's newest item; dequeueWhere = the newest accepted item of the oldest
 *   batch that has one;
 * - `endGracePeriod()`/`advance()` end a grace period exactly when no reader from before its flip remains;
 * - at most `maxPerTurn` items are processed per manual call ("turn"), and after a call expired items are
 *   left only if that budget was used up (the rest continues at the next call);
 * - `flush()` resolves only once every item pending at its call is processed or dequeued; after `drain()`
 *   an enqueue from outside throws `CLOSED`, and `drain()` resolves only when nothing is pending;
 * - with a random `highWaterMark` (items and bytes): `ready()` resolves only when not above the mark and
 *   always once back at or below it; `onPressure` and `stats().pressureEvents` count each upward crossing once;
 * - in half the runs `process` re-enters the engine (enqueue from inside — accepted even while draining —,
 *   dequeue from inside, which must take the newest item of the batch being processed, and dequeueWhere);
 * - from inside `process`, `size`, `pendingBytes` and `stats()` already count the item as processed;
 * - in half the runs the engine has no `sizeOf` (with object storage: the plain engine and its fast paths), and
 *   in half of them `process` throws for some items: each throw is reported and counted, the rest goes on;
 * - finally, with all readers gone, a few grace periods process everything and settle every flush/drain.
 *
 * A second, lighter property runs on a real `srcu` domain (real turn boundaries, sections spanning them):
 * nothing is processed while a reader that predates its enqueue is inside, processing keeps enqueue order,
 * and `flush()` completes once the readers are gone.
 */
import { expect, it } from "vitest";
import fc from "fast-check";
import { createDomain } from "./domain.js";
import { RcuError } from "./errors.js";
import { createPending } from "./pending.js";
import { createManualDomain, type ManualDomain } from "./testing.js";
import type { ReadGuard, RcuPending } from "./types.js";

const sizeOf = (id: number): number => (id % 5) + 1;

/** What an item adds to `pendingBytes`: its `sizeOf`, or 0 for an engine without one (the plain engine). */
function bytesOf(m: Model, id: number): number {
  return m.sized ? sizeOf(id) : 0;
}

function snap(seq: number): number {
  const t = seq + 7;
  return t - (t % 4);
}

interface ItemInfo {
  readonly cookie: number;
  readonly readers: ReadonlySet<number>;
}

interface Model {
  seq: number;
  flips: number;
  readonly maxPerTurn: number;
  /** Cookie-ordered batches of pending item ids (emptied batches may be dropped: they hold nothing). */
  readonly batches: Array<{ readonly cookie: number; readonly ids: number[] }>;
  readonly info: Map<number, ItemInfo>;
  readonly pending: Set<number>;
  readonly processed: Set<number>;
  readonly dequeued: Set<number>;
  /** Open readers: id → flip count when it entered. */
  readonly readers: Map<number, number>;
  nextId: number;
  nextReader: number;
  enqueued: number;
  bytes: number;
  /** Items processed since the current manual call began. */
  window: number;
  drainCalled: boolean;
  drained: boolean;
  readonly flushes: Array<{ resolved: boolean }>;
  readonly markItems: number;
  readonly markBytes: number;
  /** Upward crossings of the high-water mark (strictly greater), and onPressure calls seen. */
  crossings: number;
  above: boolean;
  /** Transitions from above the mark to at/below it (ready() may resolve only after one, if called above). */
  belowCount: number;
  pressureCalls: number;
  readonly readies: Array<{ resolved: boolean }>;
  /**
   * Whether `process` itself enqueues (ids ≡ 1 mod 3), dequeues (ids ≡ 2 mod 3) and takes an even id with
   * dequeueWhere (ids ≡ 0 mod 6) on the engine.
   */
  readonly reentrant: boolean;
  /** Whether the engine has a `sizeOf` (without one, and with object storage, it is the plain engine). */
  readonly sized: boolean;
  /** Whether `process` throws after its work for ids ≡ 3 mod 4 (the rest must go on, each throw counted). */
  readonly throws: boolean;
  /** Throws of `process` so far (each must be reported and counted in `stats().errors`). */
  thrown: number;
  /** Those throws the domain reported (`CALLBACK_FAILED`). */
  reported: number;
  /** Items enqueued from inside `process` (they do not re-enter again, so chains stay short). */
  readonly children: Set<number>;
  /** `domain.defer` callbacks that will enqueue when they run (inside some later grace-period end). */
  deferredEnqueues: number;
  readonly violations: string[];
}

interface Real {
  readonly domain: ManualDomain;
  readonly eng: RcuPending<number>;
  readonly guards: Map<number, ReadGuard>;
}

function inProgress(m: Model): boolean {
  return m.seq % 4 !== 0;
}

function remove(m: Model, id: number): void {
  for (const b of m.batches) {
    const i = b.ids.indexOf(id);
    if (i >= 0) {
      b.ids.splice(i, 1);
      break;
    }
  }
  while (m.batches.length !== 0 && m.batches[0]!.ids.length === 0) m.batches.shift();
  m.pending.delete(id);
  m.bytes -= bytesOf(m, id);
}

/** The engine's `process`: every safety property is checked at the moment an item is processed. */
function onProcess(m: Model, real: () => Real, id: number): void {
  const v = m.violations;
  if (m.processed.has(id)) v.push(`${id} processed twice`);
  if (m.dequeued.has(id)) v.push(`${id} processed after it was dequeued`);
  if (!m.pending.has(id)) v.push(`${id} processed but not pending`);
  const info = m.info.get(id);
  if (info !== undefined) {
    if (m.seq < info.cookie) v.push(`${id} processed before its cookie ${info.cookie} (seq ${m.seq})`);
    if (!real().domain.poll(info.cookie)) v.push(`${id} processed while poll(${info.cookie}) is false`);
    for (const r of info.readers)
      if (m.readers.has(r)) v.push(`${id} processed while reader ${r} from before its enqueue is inside`);
  }
  const head = m.batches.find((b) => b.ids.length !== 0)?.ids[0];
  if (head !== id) v.push(`processed ${id}, expected the oldest batch's first item ${String(head)}`);
  m.window++;
  if (m.window > m.maxPerTurn) v.push(`${m.window} items processed in one turn (maxPerTurn ${m.maxPerTurn})`);
  m.processed.add(id);
  remove(m, id);
  left(m); // the engine leaves the "above" state as soon as an item brings it back to the mark
  // The counters are exact from inside `process`: this item already counts as processed, not as pending.
  const { domain, eng } = real();
  const s = eng.stats();
  if (eng.size !== m.pending.size || s.pending !== m.pending.size)
    v.push(`size ${eng.size} inside process(${id}), expected ${m.pending.size}`);
  if (s.processed !== m.processed.size) v.push(`stats().processed ${s.processed} inside process(${id})`);
  if (s.dequeued !== m.dequeued.size) v.push(`stats().dequeued ${s.dequeued} inside process(${id})`);
  if (eng.pendingBytes !== m.bytes)
    v.push(`pendingBytes ${eng.pendingBytes} inside process(${id}), expected ${m.bytes}`);
  if (s.errors !== m.thrown) v.push(`stats().errors ${s.errors} inside process(${id}), expected ${m.thrown}`);
  reenter(m, domain, eng, id);
  if (m.throws && id % 4 === 3) {
    m.thrown++;
    throw new Error(`process(${id}) throws`);
  }
}

/** What `process` does to the engine itself in re-entrant runs (items enqueued from inside do not re-enter). */
function reenter(m: Model, domain: ManualDomain, eng: RcuPending<number>, id: number): void {
  const v = m.violations;
  if (!m.reentrant || m.children.has(id)) return;
  if (id % 3 === 1) {
    // Re-entrant enqueue: accepted even while draining (it comes from inside the domain's callbacks).
    const child = m.nextId++;
    m.children.add(child);
    const cookie = domain.getState();
    try {
      eng.enqueue(child);
    } catch (err) {
      v.push(`enqueue from inside process threw ${String(err)}`);
      return;
    }
    modelEnqueue(m, child, cookie);
  } else if (id % 3 === 2) {
    // Re-entrant dequeue: the batch being processed is the oldest, so its newest item comes back.
    const expected = m.batches.find((b) => b.ids.length !== 0)?.ids.at(-1);
    const got = eng.dequeue();
    if (got !== expected) v.push(`dequeue inside process returned ${String(got)}, expected ${String(expected)}`);
    if (got !== undefined) {
      m.dequeued.add(got);
      remove(m, got);
      left(m);
    }
  } else if (id % 6 === 0) {
    // Re-entrant dequeueWhere: the newest even id of the oldest batch that has one.
    let expected: number | undefined;
    for (const b of m.batches) {
      for (let i = b.ids.length - 1; i >= 0 && expected === undefined; i--)
        if (b.ids[i]! % 2 === 0) expected = b.ids[i];
      if (expected !== undefined) break;
    }
    const got = eng.dequeueWhere((y) => y % 2 === 0);
    if (got !== expected) v.push(`dequeueWhere inside process returned ${String(got)}, expected ${String(expected)}`);
    if (got !== undefined) {
      m.dequeued.add(got);
      remove(m, got);
      left(m);
    }
  }
}

function modelEnqueue(m: Model, id: number, cookie: number): void {
  m.enqueued++;
  m.bytes += bytesOf(m, id);
  m.pending.add(id);
  m.info.set(id, { cookie, readers: new Set(m.readers.keys()) });
  const last = m.batches.at(-1);
  if (last !== undefined && last.cookie === cookie) last.ids.push(id);
  else m.batches.push({ cookie, ids: [id] });
  if (!m.above && isAbove(m)) {
    m.above = true;
    m.crossings++;
  }
}

function isAbove(m: Model): boolean {
  return m.pending.size > m.markItems || m.bytes > m.markBytes;
}

/** Items left (dequeue or processing): the engine leaves the "above" state once back at or below the mark. */
function left(m: Model): void {
  if (m.above && !isAbove(m)) {
    m.above = false;
    m.belowCount++;
  }
}

function checkInvariants(m: Model, r: Real): void {
  if (m.violations.length !== 0) throw new Error(`violations: ${m.violations.join("; ")}`);
  eq(r.eng.size, m.pending.size, "size");
  eq(r.eng.pendingBytes, m.bytes, "pendingBytes");
  const s = r.eng.stats();
  eq(s.enqueued, m.enqueued, "stats.enqueued");
  eq(s.processed, m.processed.size, "stats.processed");
  eq(s.dequeued, m.dequeued.size, "stats.dequeued");
  eq(m.enqueued, m.processed.size + m.dequeued.size + m.pending.size, "enqueued = processed + dequeued + pending");
  eq(r.domain.getState(), snap(m.seq), "getState()");
  eq(s.pressureEvents, m.crossings, "stats.pressureEvents");
  eq(s.errors, m.thrown, "stats.errors");
  eq(m.reported, m.thrown, "throws of process reported");
}

/** After a manual call: expired items may remain only if this turn's budget was used up. */
function checkProgress(m: Model): void {
  const expired = [...m.pending].filter((id) => m.info.get(id)!.cookie <= m.seq);
  if (expired.length !== 0) eq(m.window, m.maxPerTurn, `turn ended with ${expired.length} expired items left`);
}

/** Lets every promise reaction run (drain is an async loop: several microtask hops). */
async function ticks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A cheap assertion for the hot path (vitest's `expect` costs too much at ~400k checks per run). */
function eq(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function settle(m: Model): Promise<void> {
  if (
    m.flushes.some((f) => !f.resolved) ||
    m.readies.some((r) => !r.resolved) ||
    m.pressureCalls !== m.crossings ||
    (m.drainCalled && !m.drained)
  ) {
    await ticks();
  }
  // ready() resolves exactly when the engine is not above its mark.
  if (!m.above)
    eq(
      m.readies.every((r) => r.resolved),
      true,
      "ready() resolved when not above the mark",
    );
  eq(m.pressureCalls, m.crossings, "onPressure calls");
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Enqueue implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.nextId++;
    if (m.drainCalled) {
      expect(() => r.eng.enqueue(id)).toThrowError(expect.objectContaining({ code: "CLOSED" }));
      return;
    }
    r.eng.enqueue(id);
    left(m); // (an opportunistic run inside enqueue ends before the item is stored)
    modelEnqueue(m, id, snap(m.seq));
    checkInvariants(m, r);
  }
  toString = (): string => "enqueue";
}

/**
 * Enqueue from a `domain.defer` callback: it runs inside a later grace-period end, possibly before the engine's
 * own notification for that grace period, i.e. when the engine's oldest batch is expired but not processed yet
 * — the only state in which `enqueue` processes opportunistically. Every item it processes is checked by
 * `onProcess` like any other; from inside a callback the enqueue is accepted even while draining.
 */
class DeferredEnqueue implements Cmd {
  check = (m: Readonly<Model>): boolean => m.deferredEnqueues < 3;
  async run(m: Model, r: Real): Promise<void> {
    m.deferredEnqueues++;
    r.domain.defer(() => {
      m.deferredEnqueues--;
      const id = m.nextId++;
      m.children.add(id);
      const cookie = r.domain.getState();
      try {
        r.eng.enqueue(id);
      } catch (err) {
        m.violations.push(`enqueue from a deferred callback threw ${String(err)}`);
        return;
      }
      left(m); // a processing run inside this enqueue (opportunistic) ended before the item was stored
      modelEnqueue(m, id, cookie);
    });
  }
  toString = (): string => "defer(enqueue)";
}

class Dequeue implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const batch = m.batches.find((b) => b.ids.length !== 0);
    const expected = batch?.ids.at(-1);
    const got = r.eng.dequeue();
    eq(got, expected, "dequeue()");
    if (got !== undefined) {
      m.dequeued.add(got);
      remove(m, got);
      left(m);
    }
    checkInvariants(m, r);
  }
  toString = (): string => "dequeue";
}

class DequeueWhere implements Cmd {
  constructor(
    readonly mod: number,
    readonly rem: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const pred = (id: number): boolean => id % this.mod === this.rem;
    let expected: number | undefined;
    for (const b of m.batches) {
      for (let i = b.ids.length - 1; i >= 0 && expected === undefined; i--) if (pred(b.ids[i]!)) expected = b.ids[i];
      if (expected !== undefined) break;
    }
    const got = r.eng.dequeueWhere(pred);
    eq(got, expected, `dequeueWhere(${this.mod}, ${this.rem})`);
    if (got !== undefined) {
      m.dequeued.add(got);
      remove(m, got);
      left(m);
    }
    checkInvariants(m, r);
  }
  toString = (): string => `dequeueWhere(id % ${this.mod} === ${this.rem})`;
}

function flip(m: Model): void {
  m.seq++;
  m.flips++;
}

/** Whether the running grace period can end: no reader entered before its flip is still inside. */
function canEnd(m: Model): boolean {
  if (!inProgress(m)) return false;
  for (const enteredAt of m.readers.values()) if (enteredAt < m.flips) return false;
  return true;
}

function end(m: Model): void {
  m.seq += 4 - (m.seq % 4);
}

class StartGracePeriod implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    m.window = 0;
    const wasInProgress = inProgress(m);
    r.domain.startGracePeriod();
    if (!wasInProgress) flip(m);
    left(m);
    checkInvariants(m, r);
    checkProgress(m);
    await settle(m);
  }
  toString = (): string => "startGracePeriod";
}

class EndGracePeriod implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    m.window = 0;
    const expected = canEnd(m);
    // The model's seq must move before due work runs (process checks expiry against it).
    const before = m.seq;
    if (expected) end(m);
    const ended = r.domain.endGracePeriod();
    if (ended !== expected) m.seq = before;
    eq(ended, expected, "grace period ended");
    left(m);
    checkInvariants(m, r);
    checkProgress(m);
    await settle(m);
  }
  toString = (): string => "endGracePeriod";
}

class Advance implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    m.window = 0;
    const before = { seq: m.seq, flips: m.flips };
    if (!inProgress(m)) flip(m);
    const expected = canEnd(m);
    if (expected) end(m);
    const ended = r.domain.advance();
    if (ended !== expected) Object.assign(m, before);
    eq(ended, expected, "grace period ended");
    left(m);
    checkInvariants(m, r);
    checkProgress(m);
    await settle(m);
  }
  toString = (): string => "advance";
}

class ReadLock implements Cmd {
  check = (m: Readonly<Model>): boolean => m.readers.size < 3;
  async run(m: Model, r: Real): Promise<void> {
    const id = m.nextReader++;
    r.guards.set(id, r.domain.readLock());
    m.readers.set(id, m.flips);
  }
  toString = (): string => "readLock";
}

class Unlock implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.readers.size !== 0;
  async run(m: Model, r: Real): Promise<void> {
    const ids = [...m.readers.keys()];
    const id = ids[this.pick % ids.length]!;
    r.guards.get(id)!.unlock();
    r.guards.delete(id);
    m.readers.delete(id);
    checkInvariants(m, r);
  }
  toString = (): string => `unlock(#${this.pick})`;
}

class Flush implements Cmd {
  check = (m: Readonly<Model>): boolean => m.flushes.length < 4;
  async run(m: Model, r: Real): Promise<void> {
    const snapshot = [...m.pending];
    const record = { resolved: false };
    m.flushes.push(record);
    void r.eng.flush().then(
      () => {
        record.resolved = true;
        for (const id of snapshot) {
          if (!m.processed.has(id) && !m.dequeued.has(id)) m.violations.push(`flush resolved while ${id} is pending`);
        }
      },
      (err: unknown) => void m.violations.push(`flush rejected: ${String(err)}`),
    );
    await settle(m);
  }
  toString = (): string => "flush";
}

class Ready implements Cmd {
  check = (m: Readonly<Model>): boolean => m.readies.length < 4;
  async run(m: Model, r: Real): Promise<void> {
    const record = { resolved: false };
    m.readies.push(record);
    const wasAbove = isAbove(m);
    const since = m.belowCount;
    void r.eng.ready().then(() => {
      record.resolved = true;
      // (Checked at resolution, not now: a deferred enqueue in the same call may have crossed up again since.)
      if (wasAbove && m.belowCount === since)
        m.violations.push("ready() resolved before the engine got back to its mark");
    });
    await settle(m);
  }
  toString = (): string => "ready";
}

class Drain implements Cmd {
  /** Only one generated Drain in four may run (fast-check skips the others), so most runs stay open longer. */
  constructor(readonly gate: number) {}
  check = (m: Readonly<Model>): boolean => !m.drainCalled && this.gate === 0;
  async run(m: Model, r: Real): Promise<void> {
    m.drainCalled = true;
    void r.eng.drain().then(
      () => {
        m.drained = true;
        if (m.pending.size !== 0) m.violations.push(`drain resolved with ${m.pending.size} pending`);
        if (r.eng.stats().batches !== 0) m.violations.push("drain resolved with batches left");
      },
      (err: unknown) => void m.violations.push(`drain rejected: ${String(err)}`),
    );
    await settle(m);
  }
  toString = (): string => "drain";
}

const commands = [
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.constant(new DeferredEnqueue()),
  fc.constant(new Dequeue()),
  fc.tuple(fc.integer({ min: 2, max: 3 }), fc.nat(2)).map(([mod, rem]) => new DequeueWhere(mod, rem % mod)),
  fc.constant(new StartGracePeriod()),
  fc.constant(new EndGracePeriod()),
  fc.constant(new Advance()),
  fc.constant(new Advance()),
  fc.constant(new ReadLock()),
  fc.nat(5).map((k) => new Unlock(k)),
  fc.constant(new Flush()),
  fc.constant(new Ready()),
  fc.nat(3).map((gate) => new Drain(gate)),
];

const config = fc.record({
  chunkSize: fc.integer({ min: 1, max: 4 }),
  maxChunks: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 }), fc.constant(Infinity)),
  maxPerTurn: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 }), fc.constant(Infinity)),
  storage: fc.constantFrom("object" as const, "int32" as const),
  markItems: fc.constantFrom(2, 3, 5, Infinity),
  markBytes: fc.constantFrom(6, 12, Infinity),
  reentrant: fc.boolean(),
  sized: fc.boolean(),
  throws: fc.boolean(),
});

it("createPending matches the reference model (enqueue/dequeue/dequeueWhere/GPs/readers/flush/ready/drain)", async () => {
  await fc.assert(
    fc.asyncProperty(config, fc.commands(commands, { maxCommands: 60, size: "medium" }), async (cfg, cmds) => {
      const m: Model = {
        seq: 0,
        flips: 0,
        maxPerTurn: cfg.maxPerTurn,
        batches: [],
        info: new Map(),
        pending: new Set(),
        processed: new Set(),
        dequeued: new Set(),
        readers: new Map(),
        nextId: 0,
        nextReader: 0,
        enqueued: 0,
        bytes: 0,
        window: 0,
        drainCalled: false,
        drained: false,
        flushes: [],
        markItems: cfg.markItems,
        markBytes: cfg.markBytes,
        crossings: 0,
        above: false,
        belowCount: 0,
        pressureCalls: 0,
        readies: [],
        reentrant: cfg.reentrant,
        sized: cfg.sized,
        throws: cfg.throws,
        thrown: 0,
        reported: 0,
        children: new Set(),
        deferredEnqueues: 0,
        violations: [],
      };
      const domain = createManualDomain({
        onError: (err) => {
          if (!(err instanceof RcuError && err.code === "CALLBACK_FAILED" && /process\(\d+\) throws/.test(err.message)))
            m.violations.push(`reported: ${String(err)}`);
          else m.reported++;
        },
      });
      const eng = createPending<number>(domain, {
        process: (id) => onProcess(m, () => r, id),
        ...(cfg.sized ? { sizeOf } : {}),
        chunkSize: cfg.chunkSize,
        maxChunks: cfg.maxChunks,
        maxPerTurn: cfg.maxPerTurn,
        storage: cfg.storage,
        highWaterMark: { items: cfg.markItems, bytes: cfg.markBytes },
        onPressure: () => void m.pressureCalls++,
      });
      const r: Real = { domain, eng, guards: new Map() };
      await fc.asyncModelRun(() => ({ model: m, real: r }), cmds);

      // Liveness: with every reader gone, a bounded number of grace periods processes everything and settles
      // every flush and the drain.
      for (const g of r.guards.values()) g.unlock();
      m.readers.clear();
      const settled = (): boolean =>
        m.deferredEnqueues === 0 &&
        m.pending.size === 0 &&
        eng.stats().batches === 0 &&
        m.flushes.every((f) => f.resolved) &&
        m.readies.every((x) => x.resolved) &&
        m.drained === m.drainCalled;
      const rounds = 6 + 2 * Math.ceil(m.enqueued / Math.min(m.maxPerTurn, 1e9));
      for (let i = 0; i < rounds && !settled(); i++) {
        await new Advance().run(m, r);
        await ticks();
      }
      expect(m.violations).toEqual([]);
      expect(m.deferredEnqueues).toBe(0);
      expect(m.pending.size).toBe(0);
      expect(eng.size).toBe(0);
      expect(eng.stats().batches).toBe(0);
      expect(m.flushes.every((f) => f.resolved)).toBe(true);
      expect(m.readies.every((x) => x.resolved)).toBe(true);
      expect(m.pressureCalls).toBe(m.crossings);
      expect(m.drained).toBe(m.drainCalled);
      expect(domain.stats().waiters).toBe(0);
    }),
    { numRuns: 1000 },
  );
}, 60_000);

it("on a real srcu domain (real turns, sections spanning them): nothing processed under an older reader, order kept, flush completes", async () => {
  type Op = { readonly k: "enqueue" | "lock" | "turn" | "dequeue" } | { readonly k: "unlock"; readonly pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant({ k: "enqueue" as const }), weight: 4 },
    { arbitrary: fc.constant({ k: "lock" as const }), weight: 1 },
    { arbitrary: fc.nat(3).map((pick) => ({ k: "unlock" as const, pick })), weight: 1 },
    { arbitrary: fc.constant({ k: "turn" as const }), weight: 2 },
    { arbitrary: fc.constant({ k: "dequeue" as const }), weight: 1 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(op, { maxLength: 30 }),
      fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 3 })),
      async (ops, maxPerTurn) => {
        const violations: string[] = [];
        const domain = createDomain({
          flavor: "srcu",
          stallTimeoutMs: 0,
          flushOnExit: false,
          onError: (e) => void violations.push(String(e)),
        });
        const open = new Map<number, ReadGuard>();
        const readersAt = new Map<number, number[]>();
        const processed: number[] = [];
        const dequeued = new Set<number>();
        let nextId = 0;
        let nextReader = 0;
        const eng = createPending<number>(domain, {
          maxPerTurn,
          chunkSize: 2,
          process: (id) => {
            for (const r of readersAt.get(id)!)
              if (open.has(r)) violations.push(`${id} processed while reader ${r} is inside`);
            if (processed.length !== 0 && processed.at(-1)! >= id)
              violations.push(`${id} processed after ${processed.at(-1)}`);
            if (dequeued.has(id)) violations.push(`${id} processed after dequeue`);
            processed.push(id);
          },
        });
        for (const o of ops) {
          if (o.k === "enqueue") {
            readersAt.set(nextId, [...open.keys()]);
            eng.enqueue(nextId++);
          } else if (o.k === "lock") {
            open.set(nextReader++, domain.readLock());
          } else if (o.k === "unlock") {
            const keys = [...open.keys()];
            if (keys.length !== 0) {
              const key = keys[o.pick % keys.length]!;
              open.get(key)!.unlock();
              open.delete(key);
            }
          } else if (o.k === "turn") {
            await new Promise<void>((resolve) => setImmediate(resolve));
          } else {
            const got = eng.dequeue();
            if (got !== undefined) dequeued.add(got);
          }
        }
        for (const g of open.values()) g.unlock();
        open.clear();
        await eng.flush();
        expect(violations).toEqual([]);
        expect(processed.length + dequeued.size).toBe(nextId);
        expect(eng.size).toBe(0);
        await domain.close();
      },
    ),
    { numRuns: 150 },
  );
}, 60_000);
