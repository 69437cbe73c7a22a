/**
 * The lease of a `debug` pool: it records where it was acquired and released, and poisons its value.
 *
 * Poisoning: `value` is a Proxy over the pooled object whose every trap first checks whether this lease was
 * released; once it was, any use (get, set, `in`, keys, calls of a method taken earlier) throws
 * `PoolError('USE_AFTER_RELEASE')` naming the stack of the release. Property reads and writes are forwarded with
 * the real object as receiver, and methods inherited from the prototype are called on the real object, so
 * built-ins with internal slots (typed arrays, Map, classes with `#private`) keep working while the lease is
 * live. Poisoning is off for `typesafe` pools, whose readers legitimately read released objects.
 */
import { PoolLease } from "./lease.js";
import { PoolError } from "../pool-error.js";
import type { PoolSlot } from "./pool-slot.js";
import { captureStack } from "./stack.js";

/** What a debug lease needs from its pool. */
export interface DebugLeaseContext {
  readonly poolName: string;
  /** Whether values are poisoned after release (false for typesafe pools). */
  readonly poison: boolean;
  /** Lets `generationOf`/`isLive` recognise the proxy handed out as `value`. */
  registerAlias(alias: object, slot: PoolSlot<object>): void;
}

export class DebugLease<T extends object> extends PoolLease<T> {
  readonly #slot: PoolSlot<T>;
  readonly #context: DebugLeaseContext;
  #proxy: T | undefined;
  #releasedAt: string | undefined;
  /** Stack of the `acquire` call (for leak reports). */
  readonly acquiredAt: string;

  constructor(slot: PoolSlot<T>, generation: number, context: DebugLeaseContext, acquiredAt: string) {
    super(slot, generation);
    this.#slot = slot;
    this.#context = context;
    this.acquiredAt = acquiredAt;
  }

  /** Stack of the `release` call once released (for messages), else `undefined`. */
  get releasedAt(): string | undefined {
    return this.#releasedAt;
  }

  override get value(): T {
    if (!this.#context.poison) return this.#slot.value;
    if (this.#releasedAt !== undefined) throw this.useAfterRelease("read `lease.value`");
    if (this.#proxy === undefined) {
      this.#proxy = new Proxy(this.#slot.value, new PoisonHandler(this));
      this.#context.registerAlias(this.#proxy, this.#slot);
    }
    return this.#proxy;
  }

  override release(): boolean {
    const at = captureStack();
    const current = this.isCurrent();
    if (current) this.#releasedAt = at;
    return super.release();
  }

  override [Symbol.dispose](): void {
    if (!this.isCurrent()) return;
    this.#releasedAt = captureStack();
    super[Symbol.dispose]();
  }

  /** The proxy handed out as `value`, if one was made. */
  proxyIfCreated(): T | undefined {
    return this.#proxy;
  }

  /** Throws if the lease was released (called by every proxy trap). */
  check(what: string): void {
    if (this.#releasedAt !== undefined) throw this.useAfterRelease(what);
  }

  useAfterRelease(what: string): PoolError {
    return new PoolError(
      "USE_AFTER_RELEASE",
      `Pool "${this.#context.poolName}": ${what} after its lease (generation ${this.generation}) was released. ` +
        `Use a pooled object only while you hold its lease, or acquire a new one. Released at:\n${this.#releasedAt ?? "    at <unknown>"}`,
    );
  }
}

/** The Proxy handler of one debug lease's value: every trap checks the lease first. */
class PoisonHandler<T extends object> implements ProxyHandler<T> {
  readonly #lease: DebugLease<T>;
  /** Methods taken from the prototype, wrapped to run on the real object (cached for stable identity). */
  #methods: Map<unknown, unknown> | undefined;

  constructor(lease: DebugLease<T>) {
    this.#lease = lease;
  }

  get(target: T, key: string | symbol): unknown {
    const lease = this.#lease;
    lease.check(`read property ${String(key)} of a pooled value`);
    const value: unknown = Reflect.get(target, key, target);
    if (typeof value !== "function" || Object.prototype.hasOwnProperty.call(target, key)) return value;
    this.#methods ??= new Map();
    let wrapped = this.#methods.get(value);
    if (wrapped === undefined) {
      const method = value as (...args: unknown[]) => unknown;
      const isOwnProxy = (candidate: unknown): boolean => this.isOwnProxy(candidate);
      wrapped = function (this: unknown, ...args: unknown[]): unknown {
        lease.check(`called method ${String(key)} of a pooled value`);
        return Reflect.apply(method, isOwnProxy(this) ? target : this, args);
      };
      this.#methods.set(value, wrapped);
    }
    return wrapped;
  }

  /** Whether `value` is the proxy this handler serves (compared through the lease, which created it). */
  isOwnProxy(value: unknown): boolean {
    return value !== undefined && value !== null && value === this.#lease.proxyIfCreated();
  }

  set(target: T, key: string | symbol, value: unknown): boolean {
    this.#lease.check(`wrote property ${String(key)} of a pooled value`);
    return Reflect.set(target, key, value, target);
  }

  has(target: T, key: string | symbol): boolean {
    this.#lease.check(`checked \`${String(key)} in\` a pooled value`);
    return Reflect.has(target, key);
  }

  deleteProperty(target: T, key: string | symbol): boolean {
    this.#lease.check(`deleted property ${String(key)} of a pooled value`);
    return Reflect.deleteProperty(target, key);
  }

  ownKeys(target: T): ArrayLike<string | symbol> {
    this.#lease.check("listed the keys of a pooled value");
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: T, key: string | symbol): PropertyDescriptor | undefined {
    this.#lease.check(`inspected property ${String(key)} of a pooled value`);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  defineProperty(target: T, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    this.#lease.check(`defined property ${String(key)} on a pooled value`);
    return Reflect.defineProperty(target, key, descriptor);
  }

  getPrototypeOf(target: T): object | null {
    this.#lease.check("read the prototype of a pooled value");
    return Reflect.getPrototypeOf(target);
  }

  setPrototypeOf(target: T, proto: object | null): boolean {
    this.#lease.check("set the prototype of a pooled value");
    return Reflect.setPrototypeOf(target, proto);
  }

  isExtensible(target: T): boolean {
    this.#lease.check("checked whether a pooled value is extensible");
    return Reflect.isExtensible(target);
  }

  preventExtensions(target: T): boolean {
    this.#lease.check("prevented extensions of a pooled value");
    return Reflect.preventExtensions(target);
  }

  apply(target: T, thisArg: unknown, args: unknown[]): unknown {
    this.#lease.check("called a pooled value");
    return Reflect.apply(target as (...a: unknown[]) => unknown, thisArg, args);
  }

  construct(target: T, args: unknown[], newTarget: (...a: unknown[]) => unknown): object {
    this.#lease.check("constructed from a pooled value");
    return Reflect.construct(target as new (...a: unknown[]) => object, args, newTarget) as object;
  }
}
