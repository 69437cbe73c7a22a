/**
 * One batch of the pending engine: every item enqueued under one grace-period cookie, in enqueue order.
 *
 * Storage mirrors the seed's radix tree used as a vector: fixed-size chunks appended without copying
 * (`head`/`tail` are item indices across the chunk list; processing advances `head`, dequeue pops at `tail`).
 * Chunks come from and go back to a {@link ChunkCache}, so a steady state allocates nothing per item. Past the
 * engine's chunk budget, items go to `overflow` (the seed's linked-list fallback): once a batch has overflow
 * items, later items of that batch go there too, so chunk items are always older than overflow items.
 */
import type { ChunkCache, Chunk } from "./chunk-cache.js";

export class Batch<T> {
  readonly chunks: Chunk<T>[] = [];
  /** Index of the next item to process (across chunks). */
  head = 0;
  /** One past the newest chunk item. */
  tail = 0;
  overflow: T[] | undefined;
  overflowHead = 0;
  readonly createdAt: number;

  constructor(
    readonly cookie: number,
    readonly size: number,
    now: number,
  ) {
    this.createdAt = now;
  }

  /** Items held (chunk part + overflow part). */
  get count(): number {
    return this.tail - this.head + (this.overflow === undefined ? 0 : this.overflow.length - this.overflowHead);
  }

  /** Appends `item`; returns false when a chunk was needed but the cache refused one (caller overflows). */
  push(item: T, cache: ChunkCache<T>): boolean {
    if (this.overflow !== undefined && this.overflow.length > this.overflowHead) {
      this.overflow.push(item);
      return true;
    }
    const size = this.size;
    const slot = this.tail % size;
    if (slot === 0 && (this.tail - this.chunks.length * size) === 0) {
      const chunk = cache.take();
      if (chunk === undefined) {
        (this.overflow ??= []).push(item);
        return true;
      }
      this.chunks.push(chunk);
    }
    (this.chunks[this.chunks.length - 1] as { [i: number]: T })[slot] = item;
    this.tail++;
    return true;
  }

  /** Takes the oldest item (FIFO), chunk part first. `undefined` only when empty. */
  shift(cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    const size = this.size;
    if (this.head < this.tail) {
      const chunk = this.chunks[0]!;
      const slot = this.head % size;
      out.item = chunk[slot];
      cache.clearSlot(chunk, slot);
      this.head++;
      if (this.head % size === 0 || this.head === this.tail) this.releaseFront(cache);
      return true;
    }
    if (this.overflow !== undefined && this.overflowHead < this.overflow.length) {
      out.item = this.overflow[this.overflowHead];
      this.overflow[this.overflowHead] = undefined as T;
      this.overflowHead++;
      if (this.overflowHead === this.overflow.length) {
        this.overflow = undefined;
        this.overflowHead = 0;
      }
      return true;
    }
    return false;
  }

  /** Takes the newest item (LIFO inside the batch). */
  pop(cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    if (this.overflow !== undefined && this.overflow.length > this.overflowHead) {
      out.item = this.overflow.pop();
      if (this.overflow.length === this.overflowHead) {
        this.overflow = undefined;
        this.overflowHead = 0;
      }
      return true;
    }
    if (this.tail > this.head) {
      this.tail--;
      const chunk = this.chunks[this.chunks.length - 1]!;
      const slot = this.tail % this.size;
      out.item = chunk[slot];
      cache.clearSlot(chunk, slot);
      this.releaseBack(cache);
      return true;
    }
    return false;
  }

  /** Removes and returns the newest item that `pred` accepts, shifting newer ones down. */
  takeWhere(pred: (item: T) => boolean, cache: ChunkCache<T>, out: { item: T | undefined }): boolean {
    if (this.overflow !== undefined) {
      for (let i = this.overflow.length - 1; i >= this.overflowHead; i--) {
        if (pred(this.overflow[i] as T)) {
          out.item = this.overflow[i];
          this.overflow.splice(i, 1);
          if (this.overflow.length === this.overflowHead) {
            this.overflow = undefined;
            this.overflowHead = 0;
          }
          return true;
        }
      }
    }
    const size = this.size;
    const base = this.chunkBase();
    for (let i = this.tail - 1; i >= this.head; i--) {
      const at = i - base;
      const item = this.chunks[Math.floor(at / size)]![at % size] as T;
      if (!pred(item)) continue;
      out.item = item;
      for (let j = i; j < this.tail - 1; j++) {
        const a = j - base;
        const b = a + 1;
        (this.chunks[Math.floor(a / size)] as { [i: number]: T })[a % size] = this.chunks[Math.floor(b / size)]![b % size] as T;
      }
      this.tail--;
      const last = this.tail - base;
      cache.clearSlot(this.chunks[Math.floor(last / size)]!, last % size);
      this.releaseBack(cache);
      return true;
    }
    return false;
  }

  /** Returns every chunk to the cache (the batch is being dropped). */
  release(cache: ChunkCache<T>): void {
    for (const chunk of this.chunks) cache.give(chunk);
    this.chunks.length = 0;
    this.head = this.tail = 0;
  }

  /** Item index of the first slot of chunks[0]. */
  private chunkBase(): number {
    return this.head - (this.head % this.size);
  }

  private releaseFront(cache: ChunkCache<T>): void {
    if (this.head === this.tail) {
      // Empty chunk part: recycle everything and restart indices at 0.
      this.release(cache);
      return;
    }
    const chunk = this.chunks.shift()!;
    cache.give(chunk);
    this.head -= this.size;
    this.tail -= this.size;
  }

  private releaseBack(cache: ChunkCache<T>): void {
    if (this.tail === this.head) {
      this.release(cache);
      return;
    }
    const needed = Math.ceil((this.tail - this.chunkBase()) / this.size);
    while (this.chunks.length > needed) cache.give(this.chunks.pop()!);
  }
}
