/**
 * The state a request handler reads: a `Config` (hot-swapped settings) and a `Parser` (a reusable object with a
 * scratch buffer and a lookup table — the kind of thing people pool).
 *
 * How use-after-dispose is made DETECTABLE instead of silently wrong: disposing either object sets its
 * `disposed` flag and poisons its contents (the greeting becomes "☠", the parser's buffers are filled with
 * 0xdd), and a parser recycled for another owner (the pool's `reset`) bumps its `epoch`. A handler never reads
 * them directly: it goes through a `Snapshot` (snapshot.ts) that checks the flag and the epoch on every use and
 * records a violation rather than crashing.
 */

/** How many objects of each kind were made and torn down in one run. */
export interface ResourceCounters {
  configsCreated: number;
  configsDisposed: number;
  parsersCreated: number;
  parsersDisposed: number;
  parsersRecycled: number;
}

/**
 * Fresh, zeroed counters.
 *
 * @example
 * const counters = createCounters()
 * new Config(1, counters)
 * counters.configsCreated // 1
 */
export function createCounters(): ResourceCounters {
  return { configsCreated: 0, configsDisposed: 0, parsersCreated: 0, parsersDisposed: 0, parsersRecycled: 0 };
}

/**
 * One published version of the service's settings. Disposable: the reloader (naive) or the RCU cell (after a
 * grace period) disposes the versions it replaces.
 *
 * @example
 * const config = new Config(7, createCounters())
 * config.greeting // 'hello from v7'
 * config[Symbol.dispose]()
 * config.disposed // true — and config.greeting is now '☠'
 */
export class Config implements Disposable {
  readonly version: number;
  readonly #counters: ResourceCounters;
  #disposed = false;
  #greeting: string;
  #scale: number;

  constructor(version: number, counters: ResourceCounters) {
    this.version = version;
    this.#counters = counters;
    this.#greeting = `hello from v${version}`;
    this.#scale = 1 + (version % 7);
    counters.configsCreated += 1;
  }

  /** Whether this version was disposed (reading it now is a bug). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** A setting; poisoned after disposal. */
  get greeting(): string {
    return this.#greeting;
  }

  /** A setting; NaN after disposal. */
  get scale(): number {
    return this.#scale;
  }

  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#greeting = "\u2620";
    this.#scale = Number.NaN;
    this.#counters.configsDisposed += 1;
  }
}

const encoder = new TextEncoder();

/**
 * A parser with its own scratch buffer and a lookup table loaded by `configure` — expensive enough to pool and
 * to swap as a unit. `recycle()` (the pool's `reset`) bumps `epoch`; `dispose()` (naive swap, or the pool's
 * `destroy`) sets `disposed`; both wipe the buffers.
 *
 * @example
 * const parser = new Parser(createCounters())
 * parser.configure(3)
 * parser.parse('/render?id=1') // a checksum that depends on the table
 */
export class Parser {
  readonly #counters: ResourceCounters;
  readonly #scratch = new Uint8Array(512);
  readonly #table = new Uint8Array(256);
  #epoch = 0;
  #disposed = false;

  constructor(counters: ResourceCounters) {
    this.#counters = counters;
    counters.parsersCreated += 1;
  }

  /** Bumped every time the object is recycled for a new owner. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Whether the object was torn down (using it now is a bug). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Loads the lookup table for one config version. */
  configure(version: number): void {
    const table = this.#table;
    for (let i = 0; i < table.length; i++) table[i] = (i * 31 + version * 17) & 0xff;
  }

  /** Encodes `input` into the scratch buffer and folds it through the table (a stand-in for real parsing). */
  parse(input: string): number {
    const scratch = this.#scratch;
    const table = this.#table;
    const { written } = encoder.encodeInto(input, scratch);
    let sum = 0;
    for (let i = 0; i < written; i++) sum = (sum * 33 + (table[scratch[i] ?? 0] ?? 0)) >>> 0;
    return sum;
  }

  /** Prepares the object for its next owner (the pool's `reset`): a new epoch, wiped buffers. */
  recycle(): void {
    this.#epoch += 1;
    this.#scratch.fill(0);
    this.#table.fill(0);
    this.#counters.parsersRecycled += 1;
  }

  /** Tears the object down for good (naive swap, or the pool's `destroy`): flagged and poisoned. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#scratch.fill(0xdd);
    this.#table.fill(0xdd);
    this.#counters.parsersDisposed += 1;
  }
}
