// Lint for the widget: the browser sources (bundled by esbuild) and the node-side build script and tests.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        ...globals.browser,
        __WIDGET_VERSION__: "readonly", // replaced by esbuild's `define` (build.mjs)
      },
    },
  },
  {
    files: ["build.mjs", "eslint.config.js", "test/**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
];
