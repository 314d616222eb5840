import { useEffect, useRef, useState, type FormEvent } from 'react';

/** What the Editor asks: a name (new file, rename, new job) or a choice (delete, discard). */
export type Ask =
  | { kind: 'prompt'; title: string; label: string; initial: string; ok: string; onOk: (value: string) => void }
  | { kind: 'confirm'; title: string; message: string; choices: { label: string; danger?: boolean; action: () => void }[] };

/**
 * A modal <dialog>: the browser's prompt() does not exist in Electron, and confirm() cannot
 * offer "Save" beside "Don't save". Escape or Cancel closes it without doing anything.
 */
export function Dialog({ ask, onClose }: { ask: Ask; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState(ask.kind === 'prompt' ? ask.initial : '');
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    return () => dialog.close();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ask.kind !== 'prompt' || value.trim() === '') return;
    onClose();
    ask.onOk(value.trim());
  };

  return (
    <dialog ref={ref} className="editor-dialog" aria-label={ask.title} onClose={onClose} onCancel={onClose}>
      <form onSubmit={submit} method="dialog">
        <h2>{ask.title}</h2>
        {ask.kind === 'prompt' ? (
          <label>
            {ask.label}
            <input value={value} onChange={(e) => setValue(e.target.value)} autoFocus spellCheck={false} />
          </label>
        ) : (
          <p>{ask.message}</p>
        )}
        <div className="row dialog-buttons">
          {ask.kind === 'prompt' ? (
            <button type="submit">{ask.ok}</button>
          ) : (
            ask.choices.map((choice, index) => (
              <button
                key={choice.label}
                type="button"
                className={choice.danger ? 'danger' : index === 0 ? 'primary' : ''}
                onClick={() => {
                  onClose();
                  choice.action();
                }}
              >
                {choice.label}
              </button>
            ))
          )}
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
