/**
 * One batch of the pending engine: every item enqueued under one grace-period cookie, in enqueue order.
 *
 * Storage mirrors the radix tree that bcachefs `rcu_pending.c` uses as a vector: fixed-size chunks appended without copying. Items
 * live in `chunks[first][headSlot]` … `chunks[last][tailSlot - 1]`: every chunk but the first is filled from
 * slot 0, every chunk but the last up to its end. Processing advances `headSlot`, and when it runs off the end
 * of `chunks[first]` recycles that chunk and advances `first`; dequeue pops at `tailSlot`. Not
 * `chunks.shift()`: V8 trims small arrays in place, but once the chunk array is in large-object space (past
 * ~16k chunks, i.e. ~8M items in one batch) every shift copies it, so a huge batch would drain quadratically.
 * The hot paths keep slot indices instead of a global item index
 * so they never divide (a `%` by a variable chunk size costs an integer division per item).
 * Chunks come from and go back to a {@link ChunkCache}, so a steady state allocates nothing per item. Past the
 * engine's chunk budget, items go to `overflow` (`rcu_pending.c`'s linked-list fallback): once a batch has overflow
 * items, later items of that batch go there too, so chunk items are always older than overflow items.
 */
import type { ChunkCache, Chunk } from "./chunk-cache.js";

export class Batch<T> {
  /** The chunks; entries before `first` were processed and recycled (`undefined`). */
  private readonly chunks: Array<Chunk<T> | undefined> = [];
  /** Index of the oldest live chunk. */
  private first = 0;
  /**
   * Slot of the oldest chunk item in `chunks[first]`; `size` while the engine's run loop is between a chunk's last
   * item and {@link settleHead} (every reader indexes from `first` + `headSlot`, so that state reads right).
   * Written by the engine's run loop.
   */
  headSlot = 0;
  /** One past the slot of the newest chunk item in the last chunk (`size` when it is full or there is none). */
  private tailSlot: number;
  /** Items in the chunk part (written by the engine's run loop, read-only for every other caller). */
  inChunks = 0;
  overflow: T[] | undefined;
  overflowHead = 0;
  createdAt: number;

  constructor(
    public cookie: number,
    readonly size: number,
    now: number,
  ) {
    this.createdAt = now;
    this.tailSlot = size;
  }

  /**
   * Makes this processed and released batch (empty, no chunks) the batch of `cookie`. The engine keeps its
   * last processed batch for this: no allocation per grace period, and a `Batch` stays alive across full GCs.
   * (A class's instance map is held only by its instances and by optimised code, weakly: when none is alive a
   * full GC frees the map and deoptimises every function that checks it, here the whole enqueue/process path.)
   */
  reuse(cookie: number, now: number): this {
    this.cookie = cookie;
    this.createdAt = now;
    this.overflow = undefined;
    this.overflowHead = 0;
    return this;
  }

  /** Items held (chunk part + overflow part). */
  get count(): number {
    return this.inChunks + (this.overflow === undefined ? 0 : this.overflow.length - this.overflowHead);
  }

  /** Appends `item` (to the overflow part once the cache refuses a chunk). */
  push(item: T, cache: ChunkCache<T>): void {
    if (this.overflow !== undefined) {
      this.overflow.push(item);
      return;
    }
    let slot = this.tailSlot;
    const chunks = this.chunks;
    if (slot === this.size) {
      const chunk = cache.take();
      if (chunk === undefined) {
        this.overflow = [item];
        return;
      }
      chunks.push(chunk);
      slot = 0;
    }
    (chunks[chunks.length - 1] as { [i: number]: T })[slot] = item;
    this.tailSlot = slot + 1;
    this.inChunks++;
  }

  /**
   * Appends `item` if the newest chunk has room and there is no overflow part (the engine's enqueue fast path);
   * false otherwise, changing nothing.
   */
  tryPush(item: T): boolean {
    const slot = this.tailSlot;
    if (slot === this.size || this.overflow !== undefined) return false;
    const chunks = this.chunks;
    (chunks[chunks.length - 1] as { [i: number]: T })[slot] = item;
    this.tailSlot = slot + 1;
    this.inChunks++;
    return true;
  }

  /** Takes the oldest chunk item; only when `inChunks !== 0` (the engine's hot loop: no out-parameter). */
  shiftChunk(cache: ChunkCache<T>): T {
    const chunks = this.chunks;
    const first = this.first;
    const chunk = chunks[first]!;
    const slot = this.headSlot;
    const item = chunk[slot] as T;
    cache.clearSlot(chunk, slot);
    if (--this.inChunks === 0) this.release(cache);
    else if (slot + 1 === this.size) {
      chunks[first] = undefined;
      cache.give(chunk);
      this.first = first + 1;
      this.headSlot = 0;
    } else this.headSlot = slot + 1;
    return item;
  }

  /** The chunk of the oldest chunk item (at `headSlot`); only when `inChunks !== 0`. */
  headChunk(): Chunk<T> {
    return this.chunks[this.first]!;
  }

  /** One past the slot of the head chunk's newest item of this batch: the end of the engine's run. */
  runEnd(): number {
    return Math.min(this.size, this.headSlot + this.inChunks);
  }

  /**
   * After the engine's run loop took items: recycles an exhausted head chunk, or every chunk once the chunk part
   * is empty, as {@link shiftChunk} does item by item.
   */
  settleHead(cache: ChunkCache<T>): void {
    if (this.inChunks === 0) {
      if (this.chunks.length !== 0) this.release(cache);
    } else if (this.headSlot === this.size) {
      cache.give(this.chunks[this.first]!);
      this.chunks[this.first] = undefined;
      this.first++;
      this.headSlot = 0;
    }
  }

  /** Takes the oldest item (FIFO), chunk part first. False only when empty. */
  shift(cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    if (this.inChunks !== 0) {
      out.item = this.shiftChunk(cache);
      return true;
    }
    const overflow = this.overflow;
    if (overflow !== undefined && this.overflowHead < overflow.length) {
      out.item = overflow[this.overflowHead];
      overflow[this.overflowHead] = undefined as T;
      this.overflowHead++;
      if (this.overflowHead === overflow.length) {
        this.overflow = undefined;
        this.overflowHead = 0;
      }
      return true;
    }
    return false;
  }

  /** Takes the newest item (LIFO inside the batch). */
  pop(cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    const overflow = this.overflow;
    if (overflow !== undefined && overflow.length > this.overflowHead) {
      out.item = overflow.pop();
      if (overflow.length === this.overflowHead) {
        this.overflow = undefined;
        this.overflowHead = 0;
      }
      return true;
    }
    return this.popChunk(cache, out);
  }

  /** Takes the newest item of the chunk part (never the overflow). */
  private popChunk(cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    if (this.inChunks === 0) return false;
    out.item = this.popChunkItem(cache);
    return true;
  }

  /**
   * Takes the newest chunk item; only when `inChunks !== 0` and there is no overflow part (the engine's
   * `dequeue` fast path, a typesafe pool's acquire: no out-parameter).
   */
  popChunkItem(cache: ChunkCache<T>): T {
    const chunks = this.chunks;
    const chunk = chunks[chunks.length - 1]!;
    const slot = this.tailSlot - 1;
    const item = chunk[slot] as T;
    cache.clearSlot(chunk, slot);
    if (--this.inChunks === 0) this.emptied(cache);
    else if (slot === 0) {
      cache.give(chunks.pop()!);
      this.tailSlot = this.size; // the chunk before is full up to its end
    } else this.tailSlot = slot;
    return item;
  }

  /** Removes and returns the newest item that `pred` accepts, shifting newer ones down. */
  takeWhere(pred: (item: T) => boolean, cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    const overflow = this.overflow;
    if (overflow !== undefined) {
      for (let i = overflow.length - 1; i >= this.overflowHead; i--) {
        if (pred(overflow[i] as T)) {
          out.item = overflow[i];
          overflow.splice(i, 1);
          if (overflow.length === this.overflowHead) {
            this.overflow = undefined;
            this.overflowHead = 0;
          }
          return true;
        }
      }
    }
    for (let p = this.inChunks - 1; p >= 0; p--) {
      const item = this.at(p);
      if (!pred(item)) continue;
      for (let j = p; j < this.inChunks - 1; j++) this.setAt(j, this.at(j + 1));
      this.popChunk(cache, out); // removes the (now duplicated) newest chunk slot; pop() would take the overflow
      out.item = item;
      return true;
    }
    return false;
  }

  /** Returns every chunk to the cache (the batch is being dropped, or its chunk part is empty). */
  release(cache: ChunkCache<T>): void {
    // pop(), not `length = 0`: the length setter is a runtime call that cost more than the rest of a dequeue
    // (a typesafe pool's path, where `first` is 0). After processing, the recycled front entries remain.
    const chunks = this.chunks;
    while (chunks.length > this.first) cache.give(chunks.pop()!);
    if (this.first !== 0) {
      chunks.length = 0;
      this.first = 0;
    }
    this.headSlot = 0;
    this.tailSlot = this.size;
    this.inChunks = 0;
  }

  /**
   * A dequeue took the last chunk item. The batch stays (its cookie has not expired), and a typesafe pool's
   * release→acquire cycle refills it at once: keep the one remaining chunk, rewound to slot 0, instead of
   * giving it back and taking it again on the next push (the pool's enqueue→dequeue path).
   */
  private emptied(cache: ChunkCache<T>): void {
    if (this.chunks.length - this.first !== 1) {
      this.release(cache);
      return;
    }
    this.headSlot = 0;
    this.tailSlot = 0;
  }

  /** The chunk item at position `p` (0 = oldest). */
  private at(p: number): T {
    const g = this.headSlot + p;
    return this.chunks[this.first + Math.floor(g / this.size)]![g % this.size] as T;
  }

  private setAt(p: number, item: T): void {
    const g = this.headSlot + p;
    (this.chunks[this.first + Math.floor(g / this.size)] as { [i: number]: T })[g % this.size] = item;
  }
}
