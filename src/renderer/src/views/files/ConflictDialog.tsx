import { useRef, useState } from 'react';
import type { ConflictPolicy, TransferItem } from '../../../../shared/transfer-model.ts';
import '../../components/dialog.css';
import { escapeWith, useModalDialog } from '../../lib/use-modal-dialog.ts';
import { formatSize } from './file-sort.ts';

export interface ConflictDialogProps {
  item: TransferItem & { pendingConflict: NonNullable<TransferItem['pendingConflict']> };
  /** Where the destination is, for the question: the worker's name or "this computer". */
  where: string;
  /** How many other transfers wait on the same question. */
  othersWaiting: number;
  onAnswer: (choice: ConflictPolicy, applyToAll: boolean) => void;
  /** Stops this transfer instead (the dialog is modal, so the queue's own Cancel is out of reach). */
  onCancelTransfer: () => void;
}

/**
 * "This file already exists": overwrite, skip, rename or resume, optionally for every later
 * conflict too. Skip has the focus, so a stray Enter never replaces anything.
 */
export function ConflictDialog({ item, where, othersWaiting, onAnswer, onCancelTransfer }: ConflictDialogProps) {
  const skipRef = useRef<HTMLButtonElement>(null);
  const [applyToAll, setApplyToAll] = useState(false);
  const { path, existingSize, sourceSize } = item.pendingConflict;
  // A longer file cannot be the start of this one.
  const canResume = existingSize <= sourceSize;
  const ref = useModalDialog(skipRef, [item.id, path]);

  const answer = (choice: ConflictPolicy) => onAnswer(choice, applyToAll);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog conflict-dialog"
      aria-labelledby="conflict-dialog-title"
      // Escape leaves the question open: the transfer waits for an answer (or Cancel transfer).
      onCancel={escapeWith()}
    >
      <h2 id="conflict-dialog-title">This file already exists</h2>
      <div className="confirm-dialog-body">
        <p>
          <code className="path">{path}</code> on {where} already exists.
        </p>
        <p className="muted">
          There: {formatSize(existingSize)}. Being {item.direction === 'upload' ? 'uploaded' : 'downloaded'}: {formatSize(sourceSize)}.
        </p>
        <ul className="conflict-choices muted">
          <li>
            <strong>Overwrite</strong> replaces it once the new copy is complete and verified.
          </li>
          <li>
            <strong>Rename</strong> keeps both: the new copy gets a numbered name.
          </li>
          <li>
            <strong>Resume</strong> treats it as an interrupted copy and sends only the rest; the SHA-256 check confirms it.
          </li>
        </ul>
        <label className="apply-to-all">
          <input type="checkbox" checked={applyToAll} onChange={(e) => setApplyToAll(e.target.checked)} />
          Apply to every conflict of this worker’s transfers{othersWaiting > 0 ? ` (${othersWaiting} more waiting)` : ''}
        </label>
      </div>
      <div className="dialog-buttons">
        <button type="button" className="plain cancel-transfer" onClick={onCancelTransfer}>
          Cancel transfer
        </button>
        <button type="button" ref={skipRef} onClick={() => answer('skip')}>
          Skip
        </button>
        <button type="button" onClick={() => answer('rename')}>
          Rename
        </button>
        <button type="button" onClick={() => answer('resume')} disabled={!canResume} title={canResume ? undefined : 'The existing file is larger than the new one'}>
          Resume
        </button>
        <button type="button" className="danger" onClick={() => answer('overwrite')}>
          Overwrite
        </button>
      </div>
    </dialog>
  );
}
