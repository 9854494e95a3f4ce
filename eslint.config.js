// ESLint for every package: the recommended JavaScript and TypeScript rules (syntax-aware, no type
// information, so `npm test` stays fast), with the few exceptions this code base relies on.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'data/**', 'demo/**', '.bench/**', '**/*.d.ts', 'packages/client/src/schema.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain JavaScript (the bin launchers, configs) runs on Node.
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], languageOptions: { globals: globals.node } },
  // The console runs in the browser.
  {
    files: ['packages/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    rules: {
      // Names starting with _ are deliberately unused (callback positions, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters in patterns are deliberate: NUL bytes and other C0 characters are refused input.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**', 'testkit/**', 'e2e/**', 'bench/**', 'scripts/**'],
    rules: {
      // Tests, benchmarks and demo scripts read untyped JSON answers.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
