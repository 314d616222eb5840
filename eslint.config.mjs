import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Shell strings built from input are how injection happens: pass argv instead.
const noShellStrings = { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'Pass argv with execFile/spawn; never build shell strings.' };

/**
 * The renderer's layering: a view (src/renderer/src/views/<view>/) imports only its own folder,
 * components/, lib/, api/ and src/shared, never another view's folder; components/, lib/ and
 * api/ import no view. `depth` is how far below views/<view>/ a file sits, so `../` * (depth + 1)
 * followed by a name leaves the view's folder for a sibling.
 */
const OTHER_VIEW = 'Import it from components/ (React components) or lib/ (hooks, stores, formatting); move it there if two views share it.';
const viewLayering = (depth) => ({
  files: [`src/renderer/src/views/*/${'*/'.repeat(depth)}*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [noShellStrings],
        patterns: [
          { regex: `^(\\.\\./){${depth + 1}}[^.]`, message: `A view does not import another view's folder. ${OTHER_VIEW}` },
          { regex: '(^|/)views/', message: `A view does not import another view's folder. ${OTHER_VIEW}` },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'resources/**', '.bench/**', 'test-results/**', '.venv/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // One sanctioned way out of the app: safeOpenExternal (src/main/shell/safe-open-external.ts).
      'no-restricted-properties': [
        'error',
        { object: 'shell', property: 'openExternal', message: 'Use safeOpenExternal, which allows http(s) only.' },
      ],
      'no-restricted-imports': ['error', { paths: [noShellStrings] }],
    },
  },
  { files: ['bin/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  viewLayering(0),
  viewLayering(1),
  viewLayering(2),
  {
    files: ['src/renderer/src/{components,lib,api}/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noShellStrings], patterns: [{ regex: '(^|/)views/', message: 'components/, lib/ and api/ sit below the views and import none of them.' }] },
      ],
    },
  },
  {
    // The core's layering (docs/ARCHITECTURE.md): services are plain Node, reached through the
    // domains that wire them; only the hosts and src/main/shell speak to Electron.
    files: ['src/main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noShellStrings],
          patterns: [
            { group: ['electron'], message: 'Services import nothing from Electron: take what is needed (safeStorage, notifications) as an interface.' },
            { regex: '(^|/)(domains|shell)/|(^|/)(workbench|events)\\.ts$', message: 'Services sit below the domains, the workbench, the shell and the transports\' EventHub; emit on the EventBus (bus.ts).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/domains/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noShellStrings],
          patterns: [
            { group: ['electron'], message: 'Domains import nothing from Electron: the host passes what is needed through WorkbenchOptions.' },
            { regex: '(^|/)shell/|(^|/)(workbench|events)\\.ts$', message: 'A domain depends on the domains built before it, never on the workbench, the shell or the transports\' EventHub.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron', 'react', 'react-dom'], message: 'src/shared is pure TypeScript: no Node, DOM or Electron imports.' }] }],
    },
  },
);
