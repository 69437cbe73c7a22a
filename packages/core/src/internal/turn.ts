/**
 * The turn-boundary hook: run a function once the current event-loop turn (and its microtasks) is over.
 * `setImmediate` where it exists (Node, Bun, Deno), a `MessageChannel` elsewhere (browsers). Both keep the
 * process alive until they run (one-shot and ref'd), so work retired by a script that then returns still
 * runs before exit.
 */

type Task = () => void;

let channelQueue: Task[] | undefined;
interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: unknown) => void) | null;
}
let channelPort: PortLike | undefined;

function viaChannel(task: Task): void {
  if (channelPort === undefined) {
    const channel = new MessageChannel() as unknown as { port1: PortLike; port2: PortLike };
    channelQueue = [];
    channel.port1.onmessage = () => {
      const task = channelQueue!.shift();
      task?.();
    };
    channelPort = channel.port2;
  }
  channelQueue!.push(task);
  channelPort.postMessage(null);
}

const immediate: ((task: Task) => unknown) | undefined = (globalThis as { setImmediate?: (task: Task) => unknown })
  .setImmediate;

/** Runs `task` at the next turn boundary. */
export function scheduleTurn(task: Task): void {
  if (immediate !== undefined) immediate(task);
  else viaChannel(task);
}

/** Runs `task` in a microtask (an expedited boundary: valid for synchronous readers, but starves I/O if abused). */
export function scheduleMicrotask(task: Task): void {
  queueMicrotask(task);
}

/** Whether `value` looks like a promise (has a callable `then`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
