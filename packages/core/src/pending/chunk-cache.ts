/**
 * Fixed-size storage chunks for the pending engine, recycled through a small cache (the kernel's page cache
 * for kvfree_rcu). The cache keeps up to the peak number of chunks the engine has had in use (at most
 * {@link MAX_CACHED_CHUNKS}), so after warm-up a steady enqueue/process cycle allocates no chunks at all.
 * A budget (`maxChunks`) bounds the chunks in use; past it the batch overflows into a plain array.
 */

/** A chunk: a plain array for objects, an `Int32Array` for integer items. */
export type Chunk<T> = { [i: number]: T | undefined; readonly length: number };

/**
 * Upper bound on cached chunks: 2048 of 512 items, i.e. ~8 MiB of object slots on 64-bit Node (no pointer
 * compression), retained only by an engine that once had that many in use. A burst of up to 1M items then
 * recycles completely instead of allocating fresh pointer-filled chunks, whose scavenges would dominate the
 * engine's cost.
 */
export const MAX_CACHED_CHUNKS = 2048;

export class ChunkCache<T> {
  private readonly free: Chunk<T>[] = [];
  inUse = 0;
  peakInUse = 0;
  allocated = 0;

  constructor(
    readonly size: number,
    readonly int32: boolean,
    readonly maxChunks: number,
  ) {}

  /** A chunk, or `undefined` when the budget is spent. */
  take(): Chunk<T> | undefined {
    if (this.inUse >= this.maxChunks) return undefined;
    this.inUse++;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
    const chunk = this.free.pop();
    if (chunk !== undefined) return chunk;
    this.allocated++;
    return (this.int32 ? new Int32Array(this.size) : new Array<T | undefined>(this.size).fill(undefined)) as Chunk<T>;
  }

  give(chunk: Chunk<T>): void {
    this.inUse--;
    if (this.free.length < Math.min(this.peakInUse, MAX_CACHED_CHUNKS)) this.free.push(chunk);
  }

  /** Drops the reference in an object slot so processed items can be collected. */
  clearSlot(chunk: Chunk<T>, slot: number): void {
    if (!this.int32) chunk[slot] = undefined;
  }

  get cached(): number {
    return this.free.length;
  }
}
