import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@rcu/docs", include: ["recipes/**/*.test.ts", "test/**/*.test.ts"] },
});
