import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@rcu/torture", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
