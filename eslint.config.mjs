// ESLint (flat config) for our own JavaScript: the pages' modules in static/js, the
// benchmarks' JS in bench/ and the node tests in tests/js. static/vendor is third-party
// (copied from node_modules by `make deps`) and is not ours to lint. Run: `make lint-js`.
import js from '@eslint/js';
import globals from 'globals';

const ours = {
  // No `var`; what is never reassigned is a const.
  'no-var': 'error',
  'prefer-const': 'error',
  // An unused catch binding is how "ignore this failure" is spelled (catch (e) { /* ... */ }).
  'no-unused-vars': ['error', { caughtErrors: 'none' }],
  'no-undef': 'error',
  eqeqeq: ['error', 'always', { null: 'ignore' }],
};

export default [
  { ignores: ['static/vendor/**', 'node_modules/**', '.venv/**', 'dist/**'] },
  js.configs.recommended,
  {
    // The pages' ES modules: browser globals, plus the socket.io client the templates
    // load as a classic script before them (window.io).
    files: ['static/js/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, io: 'readonly' },
    },
    rules: ours,
  },
  {
    // The proof-of-work solver is a classic Web Worker script; node loads it with
    // require() (tests/chat/test_proof_of_work.py, bench/), hence `module`.
    files: ['static/js/pow-worker.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.worker, module: 'readonly' },
    },
  },
  {
    // The benchmarks' node scripts (CommonJS load generators).
    files: ['bench/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: ours,
  },
  {
    // bench/pow_hash_browser.py's worker: the solver's functions come from importScripts.
    files: ['bench/pow_hash_worker.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.worker, solve: 'readonly', solveSubtle: 'readonly', platformSubtle: 'readonly' },
    },
  },
  {
    files: ['tests/js/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: ours,
  },
];
