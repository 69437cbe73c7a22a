/**
 * `RcuSection`: the service an open read section provides (also reachable as `Rcu.Section`).
 *
 * How it works: `Rcu.read(effect)` provides it to `effect` for exactly the section's lifetime, so borrow-free
 * reads (`RcuRef.deref`), which require it, type-check only inside a section. At run time the value is the
 * section's token: its domain, the fiber that opened it, the sections it is nested in, and whether it is still
 * open; fibers forked inside the section inherit it with the rest of the context.
 *
 * @since 0.1.0
 */
import type { RcuDomain } from "@rcu/core";
import { Context } from "effect";

/**
 * Proof that the code runs inside an open read section of an `Rcu` domain. Provided only by `Rcu.read` (and, on
 * request, by `Rcu.readScoped`); required by `RcuRef.deref`, so a borrow-free read outside a section does not
 * compile.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Rcu, RcuRef } from "@rcu/effect"
 *
 * declare const ref: RcuRef.RcuRef<{ readonly port: number }>
 *
 * const port: Effect.Effect<number, never, Rcu.Section> = Effect.map(RcuRef.deref(ref), (c) => c.port)
 * const inside: Effect.Effect<number, never, Rcu> = Rcu.read(port)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RcuSection extends Context.Service<
  RcuSection,
  {
    /** The domain whose grace periods this section holds. */
    readonly domain: RcuDomain;
    /** Whether the section is still open (a token carried past its section no longer counts). */
    readonly open: boolean;
  }
>()("@rcu/effect/Rcu/Section") {}
