import type { TransferItem, TransferSnapshot } from '../../../../shared/transfer-model.ts';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { ConflictDialog } from './ConflictDialog.tsx';
import { formatSize } from './file-sort.ts';
import { baseName, describeProgress, STATE_LABEL } from './transfer-format.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAction } from '../../lib/useAction.ts';

const ACTIVE = new Set<TransferItem['state']>(['queued', 'running', 'waiting']);
const RETRYABLE = new Set<TransferItem['state']>(['failed', 'cancelled', 'interrupted']);

const settle = (work: Promise<unknown>) => work;

/**
 * The transfer queue beside the file browser: totals, each item with its progress, speed and time
 * left, cancel and retry, and the conflict question of the first item waiting on one.
 */
export function TransferPanel({ snapshot, workers }: { snapshot: TransferSnapshot | undefined; workers: WorkerInfo[] }) {
  const client = useClient();
  // Cancel, retry and conflict answers: the queue's events show what they did, a failure shows here.
  const { run: act, error } = useAction(settle);
  if (!snapshot || snapshot.items.length === 0) return null;

  const workerName = (id: string) => workers.find((w) => w.id === id)?.name ?? id;
  const { items, total } = snapshot;
  const finished = items.filter((i) => i.state === 'done' || i.state === 'failed' || i.state === 'cancelled').length;
  const interrupted = items.filter((i) => i.state === 'interrupted');
  const waiting = items.filter((i): i is TransferItem & { pendingConflict: NonNullable<TransferItem['pendingConflict']> } => i.state === 'waiting' && !!i.pendingConflict);
  const question = waiting[0];
  const active = total.running + total.queued + total.waiting;
  const counts = [total.running && `${total.running} running`, total.queued && `${total.queued} queued`, total.waiting && `${total.waiting} waiting`].filter(Boolean).join(' · ');

  return (
    <div className="transfer-panel">
      <div className="transfer-panel-head">
        <h2>Transfers</h2>
        <button type="button" className="plain" onClick={() => act(client.call('transfers:clear-finished'))} disabled={finished === 0}>
          Clear finished
        </button>
      </div>
      {active > 0 && (
        <ProgressBar
          label={`All transfers${counts ? ` (${counts})` : ''}`}
          value={total.bytesTotal > 0 ? total.bytesDone / total.bytesTotal : undefined}
          detail={describeProgress(total.bytesDone, total.bytesTotal, total.bytesPerSecond, total.etaSeconds)}
        />
      )}
      {interrupted.length > 0 && (
        <div className="banner warning transfer-interrupted">
          <span>
            {interrupted.length === 1 ? 'A transfer was' : `${interrupted.length} transfers were`} interrupted when the app closed. Resuming continues from the
            bytes already there.
          </span>
          <button type="button" className="plain" onClick={() => act(Promise.all(interrupted.map((i) => client.call('transfers:retry', { id: i.id }))))}>
            Resume all
          </button>
        </div>
      )}
      <ErrorText error={error} />
      <ul className="transfer-list" aria-label="Transfer queue">
        {items.map((item) => (
          <TransferRow
            key={item.id}
            item={item}
            worker={workerName(item.workerId)}
            onCancel={() => act(client.call('transfers:cancel', { id: item.id }))}
            onRetry={() => act(client.call('transfers:retry', { id: item.id }))}
          />
        ))}
      </ul>
      {question && (
        <ConflictDialog
          key={`${question.id}:${question.pendingConflict.path}`}
          item={question}
          where={question.direction === 'upload' ? workerName(question.workerId) : 'this computer'}
          othersWaiting={waiting.length - 1}
          onAnswer={(choice, applyToAll) => act(client.call('transfers:resolve-conflict', { id: question.id, choice, applyToAll }))}
          onCancelTransfer={() => act(client.call('transfers:cancel', { id: question.id }))}
        />
      )}
    </div>
  );
}

function TransferRow({ item, worker, onCancel, onRetry }: { item: TransferItem; worker: string; onCancel: () => void; onRetry: () => void }) {
  const source = item.direction === 'upload' ? item.localPath : item.remotePath;
  const name = baseName(source);
  const arrow = item.direction === 'upload' ? '↑' : '↓';
  const to = item.direction === 'upload' ? `to ${worker}: ${item.remotePath}` : `from ${worker} to ${item.localPath}`;
  const showBar = item.state === 'running' || item.state === 'waiting' || (item.state === 'queued' && item.bytesTotal > 0);
  return (
    <li className="transfer-item" data-state={item.state} aria-label={`${item.direction === 'upload' ? 'Upload' : 'Download'} ${name}`}>
      <div className="transfer-item-head">
        <span className="transfer-arrow" aria-hidden="true">
          {arrow}
        </span>
        <span className="transfer-name" title={source}>
          {name}
          {item.kind === 'folder' ? '/' : ''}
        </span>
        <span className="transfer-state">{STATE_LABEL[item.state]}</span>
      </div>
      <div className="transfer-where muted" title={to}>
        {to}
      </div>
      {showBar && (
        <ProgressBar
          label={item.currentFile && item.kind === 'folder' ? baseName(item.currentFile) : name}
          value={item.bytesTotal > 0 ? item.bytesDone / item.bytesTotal : undefined}
          detail={describeProgress(item.bytesDone, item.bytesTotal, item.bytesPerSecond, item.etaSeconds)}
        />
      )}
      {item.state === 'done' && <div className="muted transfer-summary">{summary(item)}</div>}
      {item.error && <div className="error transfer-error">{item.error.message}</div>}
      <div className="transfer-actions">
        {(ACTIVE.has(item.state) || item.state === 'interrupted') && (
          <button type="button" className="plain" aria-label={`Cancel ${name}`} onClick={onCancel}>
            Cancel
          </button>
        )}
        {RETRYABLE.has(item.state) && (
          <button type="button" className="plain" aria-label={`${item.state === 'interrupted' ? 'Resume' : 'Retry'} ${name}`} onClick={onRetry}>
            {item.state === 'interrupted' ? 'Resume' : 'Retry'}
          </button>
        )}
      </div>
    </li>
  );
}

function summary(item: TransferItem): string {
  const parts = [formatSize(item.bytesTotal)];
  if (item.bytesReused) parts.push(`${formatSize(item.bytesReused)} resumed or skipped`);
  if (item.result) {
    if (item.kind === 'folder') parts.push(`${item.result.written} file${item.result.written === 1 ? '' : 's'}`);
    if (item.result.skipped > 0) parts.push(`${item.result.skipped} skipped`);
    if (item.result.unsupported.length > 0) parts.push(`${item.result.unsupported.length} links or special files left out`);
  }
  return `${parts.join(' · ')} · verified (SHA-256)`;
}
