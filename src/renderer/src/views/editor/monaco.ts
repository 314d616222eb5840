/**
 * Monaco, bundled: the editor core, its features, and only the two languages jobs are written
 * in (Python, JSON). Workers are emitted by Vite as files of our own origin, so they run under
 * the CSP's `worker-src 'self'` with nothing fetched from a CDN.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/python/register';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';
import { FILTER_SCHEMA, FILTER_SCHEMA_URI } from '../../../../shared/filter.ts';
import { registerPythonSnippets } from './snippets.ts';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

jsonDefaults.setDiagnosticsOptions({
  validate: true,
  // The runner reads strict JSON: comments and trailing commas are errors there too.
  allowComments: false,
  trailingCommas: 'error',
  enableSchemaRequest: false,
  schemas: [{ uri: FILTER_SCHEMA_URI, fileMatch: ['filter.json', '*.filter.json'], schema: FILTER_SCHEMA }],
});

registerPythonSnippets(monaco);

/** The app's theme (data-theme on <html>) as Monaco's. */
export function monacoTheme(): string {
  return document.documentElement.dataset['theme'] === 'dark' ? 'vs-dark' : 'vs';
}

export function languageOf(path: string): string {
  if (path.endsWith('.py')) return 'python';
  if (path.endsWith('.json')) return 'json';
  return 'plaintext';
}

export { monaco };
