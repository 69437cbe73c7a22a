/**
 * `callNotifier(factory, where)`: calls a notifier factory (`releaseWhen`, `finalizeWhen`'s `notifier`) and
 * turns what it returns into something to wait on — the domain of a `gracePeriod(domain)` notifier (waited on
 * directly), or an observable. A factory that throws, or returns something `from()` cannot convert, becomes a
 * coded `RcuError` (`CALLBACK_FAILED` with the thrown value as `cause`, or `INVALID_OPTION`) instead of whatever
 * the factory or RxJS happened to throw.
 */
import type { RcuDomain } from "@rcu/core";
import { RcuError } from "@rcu/core";
import type { Observable, ObservableInput } from "rxjs";
import { describeValue } from "@rcu/core";
import { fromInput } from "./from-input.js";
import { gracePeriodDomain } from "./grace-period-domain.js";

/**
 * What to wait on: a domain's grace period, or the first notification of an observable.
 *
 * @example
 * const notifier: Notifier = { domain }
 * @internal
 */
export type Notifier =
  | { readonly domain: RcuDomain; readonly observable?: undefined }
  | { readonly domain?: undefined; readonly observable: Observable<unknown> };

/**
 * Calls `factory()` and classifies its result; throws `RcuError` if it throws or returns a non-`ObservableInput`.
 *
 * @example
 * const { domain, observable } = callNotifier(releaseWhen, 'switchMapDeferred: releaseWhen()')
 * @internal
 */
export function callNotifier(factory: () => ObservableInput<unknown>, where: string): Notifier {
  let input: unknown;
  try {
    input = factory();
  } catch (err) {
    throw new RcuError("CALLBACK_FAILED", `${where} threw (${describeValue(err)}); it must return a notifier.`, {
      cause: err,
    });
  }
  const domain = gracePeriodDomain(input);
  if (domain !== undefined) return { domain };
  try {
    return { observable: fromInput(input as ObservableInput<unknown>) };
  } catch (err) {
    throw new RcuError(
      "INVALID_OPTION",
      `${where} returned ${describeValue(input)}, which is not an ObservableInput; return an Observable, a ` +
        "Promise, an array or an iterable, such as gracePeriod(domain) or timer(ms).",
      { cause: err },
    );
  }
}
