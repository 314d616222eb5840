import { useState } from 'react';
import { ExternalLink } from '../../components/ExternalLink.tsx';
import { copyText } from '../../lib/clipboard.ts';
import { parseS3Url, s3ConsoleUrl } from './output-location.ts';

/**
 * Where a scheduled run's output went. An s3:// folder links to the S3 console; a folder on this
 * computer has no view to open it in (Files browses workers, Results lists runs), so its path
 * can be copied for a file manager or a shell.
 */
export function OutputLocation({ location }: { location: string }) {
  const [copied, setCopied] = useState<string>();
  const s3 = parseS3Url(location);
  if (s3) {
    return (
      <ExternalLink href={s3ConsoleUrl(s3)} title={`${location} in the AWS console (opens in the browser)`}>
        <code>{location}</code>
      </ExternalLink>
    );
  }
  const copy = () =>
    copyText(location).then(
      () => setCopied('Copied'),
      () => setCopied('Copy refused: select the path instead'),
    );
  return (
    <span className="row output-path">
      <code title={location}>{location}</code>
      <button type="button" className="link-button" onClick={() => void copy()} aria-label={`Copy the path ${location}`}>
        {copied ?? 'Copy path'}
      </button>
    </span>
  );
}
