import type { TransferItem } from '../../../../shared/transfer-model.ts';
import { formatSize } from './file-sort.ts';

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/** `42 s`, `3 min 5 s`, `1 h 20 min`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "12 MB of 40 MB · 8.1 MB/s · 3 s left": what a progress line says. */
export function describeProgress(done: number, total: number, bytesPerSecond: number, eta: number | undefined): string {
  const parts = [total > 0 ? `${formatSize(done)} of ${formatSize(total)}` : formatSize(done)];
  if (bytesPerSecond > 0) parts.push(formatSpeed(bytesPerSecond));
  if (eta !== undefined && bytesPerSecond > 0) parts.push(`${formatEta(eta)} left`);
  return parts.join(' · ');
}

/** The last segment of a path on either side ("/" and "\" both separate on Windows). */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1) || path;
}

export const STATE_LABEL: Record<TransferItem['state'], string> = {
  queued: 'Queued',
  running: 'Transferring',
  waiting: 'Waiting for your answer',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted (app closed)',
};
