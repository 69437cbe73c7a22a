/**
 * A disposable resource that records how often and when it was disposed, so tests can tell "disposed while still
 * in use" and "disposed twice" apart from correct behaviour.
 */
export class TestResource implements Disposable {
  disposeCount = 0;
  constructor(
    readonly id: string,
    private readonly log?: string[],
  ) {}
  get alive(): boolean {
    return this.disposeCount === 0;
  }
  [Symbol.dispose](): void {
    this.disposeCount++;
    this.log?.push(this.id);
  }
  /** RxJS `using` disposes through `unsubscribe()`. */
  unsubscribe(): void {
    this[Symbol.dispose]();
  }
}
