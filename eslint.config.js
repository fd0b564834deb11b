// ESLint (`make lint`) for the browser code: plain scripts, served as they are (no build step).
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  // The project's own code only: not the collected static files, the venv or the installed tools.
  // templates/pwa/sw.js is a Django template (values are filled in when it is served), not JavaScript.
  { ignores: ["node_modules/", ".venv/", "staticfiles/", "templates/"] },
  {
    files: ["static/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      // ES5 syntax: an old phone's browser must be able to parse the scripts, since one syntax error
      // would leave the status banner frozen. Newer built-ins (Promise, Intl) are checked at run time.
      ecmaVersion: 5,
      sourceType: "script",
      globals: { ...globals.builtin, ...globals.browser, L: "readonly" },
    },
    rules: {
      ...js.configs.recommended.rules,
      // ES5 has no `catch {}` without a binding, so an unused catch binding is not a finding.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    files: ["eslint.config.js"],
    ...js.configs.recommended,
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
];
