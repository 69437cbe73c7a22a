/**
 * Recipe: what misuse looks like, and where each error ends up.
 *
 * Misuse is an `RcuError` with a stable `code`: thrown at the call site for synchronous calls, a rejected
 * promise for asynchronous ones, and — for failures inside callbacks that run later — reported to the domain's
 * `onError` (and the `rcu:error` channel) without stopping the other callbacks.
 */
import { createDomain, isRcuError, type RcuErrorCode } from "@rcu/core";

/** Runs `fn` and returns the error code it threw or rejected with. */
async function codeOf(fn: () => unknown): Promise<RcuErrorCode | "no error" | "not an RcuError"> {
  try {
    await fn();
    return "no error";
  } catch (err) {
    return isRcuError(err) ? err.code : "not an RcuError";
  }
}

export async function main() {
  const reported: RcuErrorCode[] = [];
  const domain = createDomain({ name: "misuse", onError: (err) => void (isRcuError(err) && reported.push(err.code)) });
  const thrown: Record<string, string> = {};

  // Thrown at the call site.
  const guard = domain.readLock();
  guard.unlock();
  thrown.unlockTwice = await codeOf(() => guard.unlock()); // UNLOCK_TWICE
  thrown.foreignCookie = await codeOf(() => domain.poll(123_456_789)); // INVALID_COOKIE
  thrown.badOption = await codeOf(() => createDomain({ stallTimeoutMs: -1 })); // INVALID_OPTION
  thrown.sharedFlavor = await codeOf(() => createDomain({ flavor: "shared" as "loop" })); // UNSUPPORTED_FLAVOR

  // Rejected: waiting for a grace period from inside your own read section could never complete.
  let selfDeadlock: Promise<void> | undefined;
  domain.read(() => {
    selfDeadlock = domain.synchronize();
  });
  thrown.selfDeadlock = await codeOf(() => selfDeadlock); // SELF_DEADLOCK

  // Reported: a throwing callback goes to onError; the callbacks after it still run.
  const ran: string[] = [];
  domain.defer(() => void ran.push("first"));
  domain.defer(() => {
    throw new Error("disposer failed");
  });
  domain.defer(() => void ran.push("third"));
  await domain.barrier();

  await domain.close();
  thrown.afterClose = await codeOf(() => domain.defer(() => {})); // CLOSED
  return { thrown, reported, ran };
}
