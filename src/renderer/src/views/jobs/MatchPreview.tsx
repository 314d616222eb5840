import { useState } from 'react';
import type { MatchPreview as Preview, MatchPreviewRequest } from '../../../../shared/data-source.ts';
import { useClient } from '../../api/context.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAction } from '../../lib/useAction.ts';

export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return 'Under a second';
  if (seconds < 90) return `About ${Math.round(seconds)} s`;
  if (seconds < 5400) return `About ${Math.round(seconds / 60)} min`;
  return `About ${(seconds / 3600).toFixed(1)} h`;
}

function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

const PATHS = { 'same-region': 'within the bucket’s region: requests only', 'other-region': 'from another region', internet: 'over the internet' } as const;

/**
 * "What the filter matches": before a run, the files the chosen filter selects in the chosen
 * data source (listed as the runner lists them), their size, the first keys, the run time on
 * the chosen worker, and for S3 what reading them costs. Asked for by a button: an S3 listing
 * costs requests.
 */
export function MatchPreview({ request, workerName }: { request: MatchPreviewRequest | undefined; workerName: string }) {
  const client = useClient();
  const [preview, setPreview] = useState<{ key: string; value: Preview }>();
  const key = JSON.stringify(request ?? null);
  const action = useAction(async () => {
    if (!request) return;
    setPreview({ key, value: await client.call('jobs:match-preview', request) });
  });
  const shown = preview?.key === key ? preview.value : undefined;
  return (
    <div className="match-preview" aria-label="What the filter matches" role="group">
      <button type="button" onClick={() => void action.run()} disabled={!request || action.pending}>
        {action.pending ? 'Listing…' : 'What the filter matches'}
      </button>
      {action.error && <ErrorText error={action.error} />}
      {shown && !action.error && (
        <div className="small" role="status">
          <p>
            <strong>
              {shown.files} file{shown.files === 1 ? '' : 's'}, {formatBytes(shown.bytes)}
            </strong>{' '}
            ({shown.prefixesListed} folder{shown.prefixesListed === 1 ? '' : 's'} listed). {formatSeconds(shown.estimateSeconds)} on {workerName} ({shown.cores} core{shown.cores === 1 ? '' : 's'}).
          </p>
          {shown.cost && (
            <p>
              Reading from S3 ({shown.cost.bucketRegion}) {PATHS[shown.cost.path]}: about {formatUsd(shown.cost.totalUsd)} ({shown.cost.getRequests} GET and {shown.cost.listRequests} LIST requests {formatUsd(shown.cost.requestsUsd)}
              {shown.cost.path !== 'same-region' && `, data transfer ${formatUsd(shown.cost.transferUsd)}`}).
            </p>
          )}
          {shown.first.length > 0 && (
            <ul className="match-keys" aria-label="First matching files">
              {shown.first.map((k) => (
                <li key={k}>
                  <code>{k}</code>
                </li>
              ))}
              {shown.files > shown.first.length && <li className="muted">… and {shown.files - shown.first.length} more</li>}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
