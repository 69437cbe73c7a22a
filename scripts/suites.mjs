// Extra test runners that `pnpm test` (scripts/test.mjs) runs after vitest, and whose counts join the final
// `N passed, N failed` line. Each entry: { name, cmd, args, env?, skip?: () => boolean, skipReason? }.
// The command receives RCU_RESULT_FILE and should write { passed, failed, skipped? } there.
export const suites = [
  // @rcu/core/shared: the Promela model of the cross-thread protocol, checked exhaustively by spin (+ mutants).
  { name: "shared-model", cmd: "node", args: ["packages/core/model/check.mjs"] },
  // @rcu/map: the Promela model of publish / retire / resize, checked exhaustively by spin (+ mutants).
  { name: "map-model", cmd: "node", args: ["packages/map/model/check.mjs"] },
  // apps/docs: install chromium if missing, build the site (typedoc + VitePress), then drive it in the browser.
  {
    name: "docs-browser",
    cmd: "bash",
    args: [
      "-c",
      "set -e; apps/docs/test/ensure-chromium.sh; pnpm --filter @rcu/docs docs:build; node apps/docs/test/browser.mjs",
    ],
  },
  // apps/torture: a 20-second torture of every flavour side by side, then the self-test (grace periods ended
  // early on purpose: passes only if violations are reported); then the same two for @rcu/map (--flavor map),
  // briefly. All add their counts to RCU_RESULT_FILE.
  {
    name: "torture",
    cmd: "bash",
    args: [
      "-c",
      "node apps/torture/dist/main.js --seconds 20 --flavor all; a=$?; node apps/torture/dist/main.js --self-test --seconds 8; b=$?; " +
        "node apps/torture/dist/main.js --flavor map --seconds 6; c=$?; node apps/torture/dist/main.js --flavor map --self-test --seconds 4; d=$?; " +
        "exit $(( a || b || c || d ))",
    ],
  },
];
