import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@rcu/demo", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
