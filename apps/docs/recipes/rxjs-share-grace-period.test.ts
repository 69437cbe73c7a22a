import { expect, test } from "vitest";
import { main } from "./rxjs-share-grace-period.js";

test("rxjs-share-grace-period: the shared connection lives until its readers are done, and is reused meanwhile", async () => {
  const { plain, graceful } = await main();
  // plain share(): torn down at refCount 0 while the first reader still uses it; the second subscriber reconnects
  expect(plain.opened).toBe(2);
  expect(plain.log).toEqual(["connection 2 used after close", "connection 1 used after close"]);
  expect(plain.allClosedAtEnd).toBe(true);
  // gracePeriod: one connection, never used after close
  expect(graceful.opened).toBe(1);
  expect(graceful.log).toEqual(["#1: select 2", "#1: select 1"]);
  expect(graceful.allClosedAtEnd).toBe(true); // torn down after its readers were done
});
