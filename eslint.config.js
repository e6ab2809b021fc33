import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** One `no-restricted-imports` rule per layer: the table in ARCHITECTURE.md, at error level. */
const layer = (files, patterns, paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});
const noElectron = {
  group: ['electron', 'electron/*'],
  message: 'Only src-main/app and the preload may use Electron.',
};
const mainOnlyNative = ['better-sqlite3', 'fastify', '@fastify/*', 'ws', 'mqtt', 'aedes', '@roamhq/wrtc'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    files: [
      'src-main/**/*.ts',
      'bench/**/*.ts',
      'bench/**/*.mjs',
      'tests/**/*.ts',
      'tests/**/*.mjs',
      'scripts/**/*.mjs',
      '*.config.{js,ts}',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}', 'tests/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'error',
      'vue/block-lang': ['error', { script: { lang: 'ts' } }],
      'vue/component-api-style': ['error', ['script-setup']],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  layer(
    ['src-shared/contract/**'],
    [{ regex: '^(?!zod$|\\./)', message: 'The contract may import only zod and its own files.' }],
  ),
  layer(
    ['src-main/core/**'],
    [
      noElectron,
      { group: mainOnlyNative, message: 'core is pure TypeScript: transports and storage live in services.' },
      {
        regex: '(^|/)(services|app|web|embedded|simulator|preload)(/|$)',
        message: 'core must not import outer layers.',
      },
      { regex: 'src-renderer', message: 'main code must not import the renderer.' },
    ],
  ),
  layer(
    ['src-main/services/**', 'src-main/embedded/**', 'src-main/simulator/**', 'src-main/web/**'],
    [
      noElectron,
      {
        regex: '(^|/)(app|preload)(/|$)',
        message: 'services, embedded, simulator and web must not import the Electron app layer.',
      },
      { regex: 'src-renderer', message: 'main code must not import the renderer.' },
    ],
  ),
  layer(['src-main/app/**'], [{ regex: 'src-renderer', message: 'main code must not import the renderer.' }]),
  layer(
    ['src-main/preload/**'],
    [
      {
        regex: '^(?!electron$|\\.\\./\\.\\./src-shared/contract/channels$)',
        message: 'The sandboxed preload may import only electron and the channel list.',
      },
    ],
  ),
  layer(
    ['src-renderer/**'],
    [
      { group: ['electron', 'electron/*'], message: 'The renderer reaches main only through its bridge.' },
      { regex: 'src-main', message: 'The renderer must not import main code; use the contract.' },
      { group: mainOnlyNative, message: 'The renderer holds no sockets or storage of its own.' },
    ],
    nodeBuiltins.map((name) => ({ name, message: 'The renderer runs without Node.' })),
  ),
  prettier,
);
