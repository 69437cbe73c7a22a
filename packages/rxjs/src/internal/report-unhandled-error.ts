/**
 * Errors that have no subscriber left to receive them (a release notifier failing after teardown, a
 * `finalizeWhen` callback throwing) go where RxJS sends its own: `config.onUnhandledError` if set, otherwise
 * rethrown on a later job. Going through an observable with no error handler reuses RxJS's exact path,
 * including the `TestScheduler` virtualisation of that later job.
 */
import { throwError } from "rxjs";

/**
 * Reports `err` through RxJS's unhandled-error path.
 *
 * @example
 * reportUnhandledError(new Error('release notifier failed'))
 * @internal
 */
export function reportUnhandledError(err: unknown): void {
  throwError(() => err).subscribe();
}
