import { defineConfig } from "vitest/config";

// One whole-repo run (what `pnpm test` and CI use); every package keeps its own project file.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "bench/vitest.config.ts"],
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**/*.ts"],
      exclude: ["**/*.test.ts", "**/*.test-d.ts", "**/*.contract.ts"],
      reporter: ["text-summary"],
    },
  },
});
