/**
 * `simulatedIo`: stands in for a database or downstream call — a timer of a random 0..maxMs milliseconds (0
 * still yields to the event loop via `setImmediate`), so a handler really suspends at an `await` while the
 * reloader runs.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";

/**
 * Waits a random 0..`maxMs` milliseconds.
 *
 * @example
 * await simulatedIo(4) // somewhere between the next turn and ~4 ms
 */
export async function simulatedIo(maxMs: number): Promise<void> {
  const ms = Math.floor(Math.random() * (maxMs + 1));
  if (ms === 0) await nextTurn();
  else await sleep(ms);
}
