#!/usr/bin/env node
// Model-checks packages/core/model/shared-grace.pml with spin, exhaustively (SAFETY: assertions and invalid end
// states, i.e. a process blocked forever): the grace-period protocol, the polled API across threads (WAITFOR) and
// the robust spinlock (LOCK_MODEL). Each configuration must verify with 0 errors; each mutant must be
// caught (errors > 0) — proof that the model can fail.
// The runner is scripts/spin-check.mjs.
import { checkModel } from "../../../scripts/spin-check.mjs";

const configs = [
  { name: "2 readers (one nesting) + 1 writer, 2 sections, 2 synchronize calls", defs: [], expect: "verified" },
  {
    name: "2 readers + 2 racing writers, 1 section, 1 synchronize call each",
    defs: ["-DNW=2", "-DCALLS=1", "-DSECTIONS=1"],
    expect: "verified",
  },
  { name: "mutant ONE_PHASE (no first wait) is caught", defs: ["-DONE_PHASE"], expect: "caught" },
  { name: "mutant NO_WAKE (readers never wake the writer) is caught", defs: ["-DNO_WAKE"], expect: "caught" },
  { name: "mutant ONE_PHASE with 2 writers is caught", defs: ["-DNW=2", "-DCALLS=1", "-DONE_PHASE"], expect: "caught" },
  {
    name: "waitFor(getState()) in a second thread while the writer synchronizes back to back: every waiter resolves",
    defs: ["-DWAITFOR", "-DNR=1"],
    expect: "verified",
  },
  {
    name: "mutant LOST_WAKE (request() finds the cookie done and skips the driver) is caught",
    defs: ["-DWAITFOR", "-DNR=1", "-DLOST_WAKE"],
    expect: "caught",
  },
  {
    name: "robust lock: 3 threads, one dies anywhere inside; exclusive, consistent, nobody wedged",
    defs: ["-DLOCK_MODEL"],
    expect: "verified",
  },
  {
    name: "robust lock: 4 threads, 3 operations each",
    defs: ["-DLOCK_MODEL", "-DNT=4", "-DOPS=3"],
    expect: "verified",
  },
  {
    name: "mutant NO_RECOVER (waiters ignore the holder's death) is caught",
    defs: ["-DLOCK_MODEL", "-DNO_RECOVER"],
    expect: "caught",
  },
  {
    name: "mutant STEAL_LIVE (take the lock over without a liveness check) is caught",
    defs: ["-DLOCK_MODEL", "-DSTEAL_LIVE"],
    expect: "caught",
  },
];

checkModel({ label: "model", model: new URL("./shared-grace.pml", import.meta.url).pathname, configs });
