import { useRef, type ReactNode } from 'react';
import './dialog.css';
import { escapeWith, useModalDialog } from '../lib/use-modal-dialog.ts';
import { ErrorText } from './ErrorText.tsx';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Red confirm button, for things that cannot be undone. */
  danger?: boolean;
  busy?: boolean;
  /** The confirm button is off until the user has done what the body asks (e.g. ticked every item). */
  confirmDisabled?: boolean;
  error?: string | undefined;
  /** Focus starts on the confirm button, so Enter confirms: for a question whose yes is harmless. */
  focusConfirm?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A modal question on the native <dialog>: it traps focus, closes on Escape and returns focus
 * to where it was, so every confirmation in the app is keyboard accessible the same way.
 * Focus starts on Cancel (a stray Enter must not delete anything) unless `focusConfirm` says the yes is harmless.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger, busy, confirmDisabled, error, focusConfirm, onConfirm, onCancel }: ConfirmDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const ref = useModalDialog(focusConfirm ? confirmRef : cancelRef);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="confirm-dialog-title"
      onCancel={escapeWith(onCancel)}
    >
      <h2 id="confirm-dialog-title">{title}</h2>
      <div className="confirm-dialog-body">{children}</div>
      <ErrorText error={error} />
      <div className="dialog-buttons">
        <button type="button" ref={cancelRef} onClick={onCancel}>
          Cancel
        </button>
        <button type="button" ref={confirmRef} className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy || confirmDisabled}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
