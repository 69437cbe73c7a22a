#!/usr/bin/env node
// Model-checks packages/map/model/shared-map.pml with spin, exhaustively (SAFETY: assertions and invalid end
// states). Each configuration must verify with 0 errors; each mutant must be caught (errors > 0) — proof that the
// model can fail.
// The runner is scripts/spin-check.mjs.
import { checkModel } from "../../../scripts/spin-check.mjs";

const configs = [
  { name: "reader (2 sections) + writer (replace, insert, replace, delete) + resizer", defs: [], expect: "verified" },
  { name: "reader (3 sections) + writer + resizer", defs: ["-DSECTIONS=3"], expect: "verified" },
  { name: "mutant NO_GRACE (unlinked records freed at once) is caught", defs: ["-DNO_GRACE"], expect: "caught" },
  {
    name: "mutant CUT_FIRST (cut from the old chain before linking into the new) is caught",
    defs: ["-DCUT_FIRST"],
    expect: "caught",
  },
  {
    name: "mutant NO_RECHECK (a miss trusts the first STATE load) is caught",
    defs: ["-DNO_RECHECK"],
    expect: "caught",
  },
];

checkModel({ label: "map-model", model: new URL("./shared-map.pml", import.meta.url).pathname, configs });
