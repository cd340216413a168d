import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';
import demandlab from './tests/lint/layers.mjs';

export default ts.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'public/data/',
      'public/tfjs-wasm/',
      '.gpu/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-implied-eval': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    // ARCHITECTURE.md's layers, and no import cycles anywhere in src/.
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    plugins: { demandlab },
    rules: { 'demandlab/no-cycle': 'error', 'demandlab/layers': 'error' },
  },
  {
    // core/ is pure logic shared by node, the worker and the page: no DOM, no Svelte.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['svelte', 'svelte/*', '**/ui/**', '**/charts/**', 'd3', 'd3-*'] },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage'],
    },
  },
);
