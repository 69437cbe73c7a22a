/**
 * `Snapshot`: what one request holds while it runs — the config and parser it started with, and (for the RCU
 * store) the read guard that keeps them alive. Every use goes through `useConfig()`/`useParser()`, which check
 * that the object was not disposed (and, for the parser, not recycled for someone else: its epoch is unchanged)
 * and record a violation instead of throwing, so the demo can count the hazard rather than crash on it.
 * Disposing the snapshot (`using`) leaves the read section.
 */
import type { Config, Parser } from "./resources.js";

/** The part of a read guard a snapshot needs (`ReadGuard` from `@rcu/core` fits). */
export interface SectionExit {
  unlock(): void;
}

/**
 * A request's view of the published state.
 *
 * @example
 * {
 *   using snap = store.enter()
 *   await io()
 *   snap.useParser().parse(url) // flags a violation if the parser was disposed meanwhile
 *   if (snap.violated) stats.violations += 1
 * }
 */
export class Snapshot implements Disposable {
  readonly #config: Config;
  readonly #parser: Parser;
  readonly #epoch: number;
  readonly #section: SectionExit | undefined;
  #violated = false;

  constructor(config: Config, parser: Parser, section: SectionExit | undefined) {
    this.#config = config;
    this.#parser = parser;
    this.#epoch = parser.epoch;
    this.#section = section;
  }

  /** The config this request started with, checked. */
  useConfig(): Config {
    if (this.#config.disposed) this.#violated = true;
    return this.#config;
  }

  /** The parser this request started with, checked (disposed, or recycled for another owner). */
  useParser(): Parser {
    if (this.#parser.disposed || this.#parser.epoch !== this.#epoch) this.#violated = true;
    return this.#parser;
  }

  /** Whether any use so far touched a disposed or recycled object. */
  get violated(): boolean {
    return this.#violated;
  }

  /** Leaves the read section (if any). */
  [Symbol.dispose](): void {
    this.#section?.unlock();
  }
}
