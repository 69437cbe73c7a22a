/**
 * `WatchedWorker`: what `watch(worker)` (on a shared domain, a shared pending ring, a struct pool or a shared map)
 * needs of a worker thread: its `threadId`, and a one-shot `exit` listener, after which the watcher frees
 * whatever that thread held.
 */

/**
 * A worker as `watch(worker)` needs it: a numeric `threadId` and `once("exit", listener)`. A `node:worker_threads`
 * `Worker` is one.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads"
 * import { createSharedDomain, type WatchedWorker } from "@rcu/core/shared"
 *
 * const domain = createSharedDomain({ maxThreads: 4 })
 * const worker: WatchedWorker = new Worker(new URL("./reader.js", import.meta.url), { workerData: domain.handle })
 * domain.watch(worker) // frees the worker's reader slot when it exits, even inside a section
 * ```
 *
 * @since 0.1.0
 */
export interface WatchedWorker {
  readonly threadId: number;
  once(event: "exit", listener: () => void): unknown;
}
