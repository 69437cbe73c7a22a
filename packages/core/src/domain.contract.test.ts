/**
 * Runs the domain contract (test-support/domain-contract.ts) against every flavour, registered here in one place.
 */
import { Worker } from "node:worker_threads";
import { expect } from "vitest";
import { createDomain } from "./domain.js";
import { createSharedDomain } from "./shared.js";
import { describeFlavor } from "./test-support/domain-contract.js";
import { createManualDomain } from "./testing.js";

describeFlavor("loop", (options) => createDomain({ ...options, flavor: "loop" }));
describeFlavor("srcu", (options) => createDomain({ ...options, flavor: "srcu" }));
describeFlavor("manual", (options) => createManualDomain(options));
describeFlavor("manual (async factory)", async (options) => {
  await Promise.resolve();
  return createManualDomain(options);
});

const IDLE_READER = new URL("../test/fixtures/shared-idle-reader.mjs", import.meta.url);

// `shared` with a real second thread attached: a worker enters short read sections during the test.
describeFlavor("shared", async (options) => {
  const domain = createSharedDomain({ ...options, maxThreads: 4 });
  const worker = new Worker(IDLE_READER, { workerData: { handle: domain.handle, ms: 400 } });
  domain.watch(worker);
  worker.unref();
  const { slot } = await new Promise<{ slot: number }>((resolve) => worker.once("message", resolve));
  expect(slot).not.toBe(domain.slot); // a second thread really holds a reader slot
  return domain;
});
