// Extra test runners that `pnpm test` (scripts/test.mjs) runs after vitest, and whose counts join the final
// `N passed, N failed` line. Each entry: { name, cmd, args, env?, skip?: () => boolean, skipReason? }.
// The command receives RCU_RESULT_FILE and should write { passed, failed, skipped? } there.
export const suites = [];
