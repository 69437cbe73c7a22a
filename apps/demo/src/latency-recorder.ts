/**
 * `LatencyRecorder`: keeps every sample (milliseconds) in a growable `Float64Array` and answers percentiles by
 * sorting a copy — exact, and cheap at the demo's request counts.
 */

/**
 * Records latencies and reports percentiles.
 *
 * @example
 * const rec = new LatencyRecorder()
 * rec.record(1.5); rec.record(3)
 * rec.percentile(99) // 3
 */
export class LatencyRecorder {
  #samples = new Float64Array(4096);
  #count = 0;

  /** Adds one sample (ms). */
  record(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ms;
  }

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** The `p`-th percentile (nearest rank), or `undefined` with no samples. */
  percentile(p: number): number | undefined {
    if (this.#count === 0) return undefined;
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = Math.min(this.#count, Math.max(1, Math.ceil((p / 100) * this.#count)));
    return sorted[rank - 1];
  }
}
