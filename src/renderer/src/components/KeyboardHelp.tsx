import { useEffect, useRef, useState } from 'react';
import { SHORTCUTS } from '../keyboard-shortcuts.ts';
import './dialog.css';
import { escapeWith, useModalDialog } from '../lib/use-modal-dialog.ts';

/** Typing there, a ? is a character, not a request for help. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches('input, textarea, select') || target.closest('.xterm, .monaco-editor') !== null;
}

/** The list of shortcuts as a modal dialog. */
function KeyboardHelpDialog({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const ref = useModalDialog(closeRef);
  return (
    <dialog ref={ref} className="confirm-dialog keyboard-help" aria-labelledby="keyboard-help-title" onCancel={escapeWith(onClose)}>
      <h2 id="keyboard-help-title">Keyboard shortcuts</h2>
      <div className="confirm-dialog-body">
        {SHORTCUTS.map((group) => (
          <section key={group.where} aria-label={group.where}>
            <h3>{group.where}</h3>
            <dl>
              {group.keys.map((k) => (
                <div key={k.keys} className="shortcut">
                  <dt>
                    {/* "A / B": two ways to do it, each its own key cap. */}
                    {k.keys.split(' / ').map((key) => (
                      <kbd key={key}>{key}</kbd>
                    ))}
                  </dt>
                  <dd>{k.what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <p className="muted small">On macOS, Cmd stands for Ctrl.</p>
      </div>
      <div className="dialog-buttons">
        <button type="button" ref={closeRef} onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** The status bar's "Keyboard (?)" button, and ? pressed anywhere but in a text field, open the list. */
export function KeyboardHelp() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '?' || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || typingIn(event.target)) return;
      if (document.querySelector('dialog[open]')) return;
      event.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <button type="button" className="link-button keyboard-help-button" onClick={() => setOpen(true)} title="Keyboard shortcuts (?)">
        Keyboard (?)
      </button>
      {open && <KeyboardHelpDialog onClose={() => setOpen(false)} />}
    </>
  );
}
