// One flat config for the whole repo: typescript-eslint's type-checked rules through the project service,
// import hygiene (no cycles, no deep imports into another package's files) and plain-JS rules for the
// `.mjs` scripts, fixtures and workers.
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

// A package is used through its entry points (`@rcu/core`, `@rcu/core/testing`, `@rcu/core/shared`, ...),
// never through its build output or sources: those paths are not part of any published contract.
const deepImports = {
  patterns: [
    {
      group: ["@rcu/*/dist/*", "@rcu/*/src/*", "**/packages/*/dist/**", "**/packages/*/src/**"],
      message: "Import the package's public entry point (e.g. '@rcu/core' or '@rcu/core/testing') instead.",
    },
  ],
};

export default defineConfig(
  globalIgnores([
    "**/dist/**",
    "**/coverage/**",
    "**/.turbo/**",
    "apps/docs/docs/.vitepress/cache/**",
    "apps/docs/docs/.vitepress/dist/**",
    "apps/docs/docs/api/**",
    "**/*.js",
  ]),
  js.configs.recommended,
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", deepImports],
    },
  },
  {
    // Code passed to the browser by playwright's page.evaluate runs there, not in Node.
    files: ["apps/docs/test/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    plugins: { "import-x": importX },
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ alwaysTryTypes: true })],
      "import-x/extensions": [".ts", ".mts", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".mts"] },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/ban-ts-comment": ["error", { "ts-expect-error": "allow-with-description" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-self-import": "error",
      "no-restricted-imports": ["error", deepImports],
    },
  },
  {
    files: ["**/*.test.ts", "**/*.test-d.ts", "**/*.contract.ts"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
