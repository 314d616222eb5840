import type * as Monaco from 'monaco-editor/editor';

/** The functions the runner calls, as the runner calls them (see resources/worker/mapreduce). */
const SNIPPETS = [
  {
    label: 'map',
    detail: 'map(key, dims, value, context): called for every record',
    body: 'def map(key, dims, value, context):\n    # dims: [reason, appName, appUpdateChannel, appVersion, appBuildID, submission_date]\n    ${1:payload = json.loads(value)}\n    context.write(${2:key}, ${3:1})\n',
  },
  {
    label: 'reduce',
    detail: "reduce(key, values, context): called once per key with all of the key's values",
    body: 'def reduce(key, values, context):\n    context.write(key, ${1:sum(values)})\n',
  },
  {
    label: 'combine',
    detail: 'combine(key, values, context): shrinks values before reduce; writes replace them',
    body: 'def combine(key, values, context):\n    context.write(key, ${1:sum(values)})\n',
  },
  {
    label: 'setup_reduce',
    detail: 'setup_reduce(context): called once before reduce; what it writes comes first',
    body: 'def setup_reduce(context):\n    ${1:context.write("key", "value")}\n',
  },
];

export function registerPythonSnippets(monaco: typeof Monaco): void {
  monaco.languages.registerCompletionItemProvider('python', {
    provideCompletionItems(model, position) {
      const word = model.getWordUntilPosition(position);
      const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
      return {
        suggestions: SNIPPETS.map((s) => ({
          label: s.label,
          kind: monaco.languages.CompletionItemKind.Snippet,
          detail: s.detail,
          documentation: s.detail,
          insertText: s.body,
          insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
          range,
        })),
      };
    },
  });
}
