import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@rcu/bench", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
