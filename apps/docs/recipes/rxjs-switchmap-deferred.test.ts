import { expect, test } from "vitest";
import { main } from "./rxjs-switchmap-deferred.js";

test("rxjs-switchmap-deferred: switchMap closes a decoder in use, switchMapDeferred does not", async () => {
  const { naive, deferred } = await main();
  expect(naive).toEqual(["decoder h264 used after close", "av1(frame)"]);
  expect(deferred).toEqual(["h264(frame)", "av1(frame)"]);
});
