/**
 * Runs the domain contract (test-support/domain-contract.ts) against every flavour available in this package.
 */
import { createDomain } from "./domain.js";
import { describeFlavor } from "./test-support/domain-contract.js";
import { createManualDomain } from "./testing.js";

describeFlavor("loop", (options) => createDomain({ ...options, flavor: "loop" }));
describeFlavor("srcu", (options) => createDomain({ ...options, flavor: "srcu" }));
describeFlavor("manual", (options) => createManualDomain(options));
describeFlavor("manual (async factory)", async (options) => {
  await Promise.resolve();
  return createManualDomain(options);
});
