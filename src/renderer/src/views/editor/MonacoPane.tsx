import { useEffect, useRef } from 'react';
import type { EditorStore, Tab } from './editor-store.ts';
import { monaco, monacoTheme } from './monaco.ts';

/** Cursor and scroll position per file, so switching tabs returns to where you were. */
const viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();

export interface PaneCommands {
  save: () => void;
  run: () => void;
}

/** One Monaco editor showing the active tab's model; keys bound here win over Monaco's own. */
export function MonacoPane({ store, tab, commands }: { store: EditorStore; tab: Tab; commands: PaneCommands }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const latest = useRef(commands);
  useEffect(() => {
    latest.current = commands;
  });

  useEffect(() => {
    const instance = monaco.editor.create(host.current!, {
      model: null,
      theme: monacoTheme(),
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      scrollBeyondLastLine: false,
      tabSize: 4,
      insertSpaces: true,
      renderWhitespace: 'selection',
      fixedOverflowWidgets: true,
    });
    editor.current = instance;
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => latest.current.save());
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.run());
    // The app's theme is data-theme on <html>; follow it as it changes.
    const observer = new MutationObserver(() => monaco.editor.setTheme(monacoTheme()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      observer.disconnect();
      instance.dispose();
      editor.current = null;
    };
  }, []);

  const model = store.model(tab.path);
  const { path, notice } = tab;
  const readOnly = !store.editable(tab);
  useEffect(() => {
    const instance = editor.current;
    if (!instance || !model) return;
    instance.setModel(model);
    instance.updateOptions({ readOnly, readOnlyMessage: { value: notice ?? 'This file is read-only.' } });
    const state = viewStates.get(path);
    if (state) instance.restoreViewState(state);
    instance.focus();
    return () => {
      if (!model.isDisposed()) viewStates.set(path, instance.saveViewState());
    };
  }, [path, notice, readOnly, model]);

  return <div className="monaco-host" ref={host} data-testid="monaco" data-path={tab.path} />;
}
