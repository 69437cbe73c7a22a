/**
 * `runLoad`: the built-in load generator. `concurrency` workers share one keep-alive `http.Agent` and each
 * loops: GET http://127.0.0.1:<port>/render?id=<n>, read the whole response, record its latency. It stops
 * issuing when the time is up, `maxRequests` were issued, or `signal` aborts, and resolves once every request
 * in flight has finished (so the server can close with no request cut off). 127.0.0.1 only.
 */
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { LatencyRecorder } from "./latency-recorder.js";

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly port: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Most requests to issue. */
  readonly maxRequests: number;
  /** How long to keep issuing (ms). */
  readonly durationMs: number;
  /** Stops issuing early (Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}

/** Live and final counters of a load run. */
export interface LoadProgress {
  /** Requests issued. */
  issued: number;
  /** Responses with status 200. */
  ok: number;
  /** Errors and non-200 responses. */
  failed: number;
  /** Latency of every 200 response (ms). */
  readonly latency: LatencyRecorder;
}

/**
 * Drives the service; returns the live counters at once and a promise that settles when the load is done.
 *
 * @example
 * const { progress, done } = runLoad({ port, concurrency: 32, maxRequests: 100_000, durationMs: 5_000 })
 * await done
 * progress.latency.percentile(99)
 */
export function runLoad(options: LoadOptions): { readonly progress: LoadProgress; readonly done: Promise<void> } {
  const progress: LoadProgress = { issued: 0, ok: 0, failed: 0, latency: new LatencyRecorder() };
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const stopAt = performance.now() + options.durationMs;
  const shouldStop = (): boolean =>
    options.signal?.aborted === true || progress.issued >= options.maxRequests || performance.now() >= stopAt;

  async function worker(): Promise<void> {
    while (!shouldStop()) {
      progress.issued += 1;
      const path = `/render?id=${progress.issued}`;
      const started = performance.now();
      try {
        const status = await get(agent, options.port, path);
        if (status === 200) {
          progress.ok += 1;
          progress.latency.record(performance.now() - started);
        } else {
          progress.failed += 1;
        }
      } catch {
        progress.failed += 1;
      }
    }
  }

  const workers: Promise<void>[] = [];
  for (let i = 0; i < options.concurrency; i++) workers.push(worker());
  const done = Promise.all(workers).then(() => {
    agent.destroy();
  });
  return { progress, done };
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request({ agent, host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      res.on("error", reject);
      res.on("end", () => {
        resolve(res.statusCode ?? 0);
      });
      res.resume();
    });
    req.setTimeout(10_000, () => {
      req.destroy(new Error(`GET ${path} timed out after 10 s`));
    });
    req.on("error", reject);
    req.end();
  });
}
