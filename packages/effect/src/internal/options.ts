/**
 * Reading user-supplied options of `RcuRef.make` and `RcuMap.make` safely: the options object is read once into a
 * plain snapshot (so a revoked proxy or a throwing getter is a coded `INVALID_OPTION`, not a defect later), and
 * each value is checked there (`idleTimeToLive`, whether a value is an `Effect`).
 */
import { describeValue } from "@rcu/core";
import { Duration, Effect } from "effect";
import type { RcuError } from "../RcuError.js";
import { rcuError } from "./core.js";

/** `Effect.isEffect`, false for a value that cannot be inspected (a revoked proxy). @internal */
export const isEffect = (value: unknown): boolean => {
  try {
    return Effect.isEffect(value);
  } catch {
    return false;
  }
};

/**
 * Reads `keys` of an options object once, into a plain snapshot: options that are not an object, or that throw
 * when read (a revoked proxy, a throwing getter), fail with `INVALID_OPTION` naming what they need. @internal
 */
export const readOptions = <K extends string>(
  where: string,
  options: unknown,
  keys: ReadonlyArray<K>,
  needs: string,
): Effect.Effect<Partial<Record<K, unknown>>, RcuError<"INVALID_OPTION">> =>
  Effect.suspend(() => {
    if (typeof options !== "object" || options === null) {
      return Effect.fail(rcuError("INVALID_OPTION", `${where}: options must be an object with ${needs}.`));
    }
    const snapshot: Partial<Record<K, unknown>> = {};
    try {
      for (const key of keys) snapshot[key] = (options as Partial<Record<K, unknown>>)[key];
    } catch (err) {
      return Effect.fail(
        rcuError(
          "INVALID_OPTION",
          `${where}: the options object could not be read (${describeValue(err)}); pass a plain object with ${needs}.`,
        ),
      );
    }
    return Effect.succeed(snapshot);
  });

/** Validates `idleTimeToLive`: absent, or a non-negative duration (`Infinity` keeps idle values forever). @internal */
export const idleTimeToLiveOption = (
  where: string,
  input: unknown,
): Effect.Effect<Duration.Duration | undefined, RcuError<"INVALID_OPTION">> =>
  Effect.suspend(() => {
    if (input === undefined) return Effect.succeed(undefined);
    let duration: Duration.Duration | undefined;
    try {
      duration =
        typeof input === "number" && Number.isNaN(input)
          ? undefined
          : Duration.fromInputUnsafe(input as Duration.Input);
    } catch {
      duration = undefined;
    }
    const millis = duration === undefined ? Number.NaN : Duration.toMillis(duration);
    return duration !== undefined && millis >= 0
      ? Effect.succeed(duration)
      : Effect.fail(
          rcuError(
            "INVALID_OPTION",
            `${where}: idleTimeToLive must be a non-negative duration (e.g. 0, "30 seconds" or Infinity), got ` +
              `${describeValue(input)}.`,
          ),
        );
  });
