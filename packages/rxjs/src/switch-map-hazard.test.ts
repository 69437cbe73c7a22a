/**
 * The classic switchMap disposal hazard, as tests: `switchMap(() => using(...))` disposes the old resource
 * the moment the source switches, while an async consumer that received it still uses it inside a read section.
 * The same check fails for plain `switchMap` (the hazard is observed) and passes for `switchMapDeferred` and
 * `retirePrevious`, on a manual domain (deterministic) and on a real `srcu` domain (real timers).
 */
import type { RcuDomain } from "@rcu/core";
import { createDomain } from "@rcu/core";
import { createManualDomain } from "@rcu/core/testing";
import type { Observable } from "rxjs";
import { NEVER, Subject, concat, map, of, switchMap, using } from "rxjs";
import { describe, expect, it } from "vitest";
import { retirePrevious } from "./retire-previous.js";
import { switchMapDeferred } from "./switch-map-deferred.js";
import { TestResource } from "./test-support/test-resource.js";

interface Use {
  readonly id: string;
  readonly aliveDuringUse: boolean;
}

/** An inner that owns one resource for as long as it is subscribed (RxJS `using`: disposed on unsubscribe). */
function resourceFor(id: string, created: TestResource[]): Observable<TestResource> {
  return using(
    () => {
      const resource = new TestResource(id);
      created.push(resource);
      return resource;
    },
    (resource) => concat(of(resource as TestResource), NEVER),
  );
}

type Pipeline = (domain: RcuDomain, ids: Observable<string>, created: TestResource[]) => Observable<TestResource>;

const pipelines: Record<string, Pipeline> = {
  "switchMap + using (immediate dispose)": (_domain, ids, created) =>
    ids.pipe(switchMap((id) => resourceFor(id, created))),
  "switchMapDeferred + using": (domain, ids, created) =>
    ids.pipe(switchMapDeferred((id) => resourceFor(id, created), { domain })),
  retirePrevious: (domain, ids, created) =>
    ids.pipe(
      map((id) => {
        const resource = new TestResource(id);
        created.push(resource);
        return resource;
      }),
      retirePrevious(domain),
    ),
};

/** The check under test: no consumer used a resource after it was disposed. */
function expectNoUseAfterDispose(uses: readonly Use[]): void {
  expect(uses.filter((u) => !u.aliveDuringUse).map((u) => u.id)).toEqual([]);
}

async function manualScenario(pipeline: Pipeline): Promise<{ uses: Use[]; created: TestResource[]; blocked: boolean }> {
  const domain = createManualDomain();
  const created: TestResource[] = [];
  const uses: Use[] = [];
  const work: Promise<void>[] = [];
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const ids = new Subject<string>();
  const subscription = pipeline(domain, ids, created).subscribe((resource) => {
    // An async consumer: it enters a read section on receipt and holds the resource across an await.
    const guard = domain.readLock();
    work.push(
      (async () => {
        await gate;
        uses.push({ id: resource.id, aliveDuringUse: resource.alive });
        guard.unlock();
      })(),
    );
  });
  ids.next("r1");
  ids.next("r2"); // the switch: r1 is replaced while its consumer still awaits
  const blocked = !domain.advance(); // the grace period cannot end while r1's consumer is inside
  openGate();
  await Promise.all(work);
  domain.endGracePeriod();
  subscription.unsubscribe();
  domain.advance();
  domain.advance();
  return { uses, created, blocked };
}

async function srcuScenario(pipeline: Pipeline): Promise<{ uses: Use[]; created: TestResource[] }> {
  const domain = createDomain({ flavor: "srcu" });
  const created: TestResource[] = [];
  const uses: Use[] = [];
  const work: Promise<void>[] = [];
  const ids = new Subject<string>();
  const subscription = pipeline(domain, ids, created).subscribe((resource) => {
    work.push(
      domain.read(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        uses.push({ id: resource.id, aliveDuringUse: resource.alive });
      }),
    );
  });
  for (const id of ["r1", "r2", "r3"]) {
    ids.next(id);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(work);
  subscription.unsubscribe();
  await domain.close(); // runs every pending release and disposal
  return { uses, created };
}

describe("the switchMap + async consumer hazard", () => {
  describe("manual domain", () => {
    it("is observed with plain switchMap + using: the consumer uses r1 after it was disposed", async () => {
      const { uses } = await manualScenario(pipelines["switchMap + using (immediate dispose)"]!);
      expect(uses).toEqual([
        { id: "r1", aliveDuringUse: false },
        { id: "r2", aliveDuringUse: true },
      ]);
      expect(() => expectNoUseAfterDispose(uses)).toThrow();
    });

    for (const name of ["switchMapDeferred + using", "retirePrevious"]) {
      it(`does not happen with ${name}; every resource is still disposed exactly once`, async () => {
        const { uses, created, blocked } = await manualScenario(pipelines[name]!);
        expectNoUseAfterDispose(uses);
        expect(uses.map((u) => u.id)).toEqual(["r1", "r2"]);
        expect(blocked).toBe(true);
        expect(created.map((r) => [r.id, r.disposeCount])).toEqual([
          ["r1", 1],
          ["r2", 1],
        ]);
      });
    }
  });

  describe("srcu domain, real timers", () => {
    it("is observed with plain switchMap + using", async () => {
      const { uses } = await srcuScenario(pipelines["switchMap + using (immediate dispose)"]!);
      expect(() => expectNoUseAfterDispose(uses)).toThrow();
    });

    for (const name of ["switchMapDeferred + using", "retirePrevious"]) {
      it(`does not happen with ${name}; every resource is still disposed exactly once`, async () => {
        const { uses, created } = await srcuScenario(pipelines[name]!);
        expectNoUseAfterDispose(uses);
        expect(uses.map((u) => u.id)).toEqual(["r1", "r2", "r3"]);
        expect(created.map((r) => [r.id, r.disposeCount])).toEqual([
          ["r1", 1],
          ["r2", 1],
          ["r3", 1],
        ]);
      });
    }
  });
});
