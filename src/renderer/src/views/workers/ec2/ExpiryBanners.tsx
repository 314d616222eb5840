import { useEffect, useState } from 'react';
import type { Ec2Warning } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { DownloadWorkerResults } from '../../jobs/DownloadWorkerResults.tsx';
import { askForNotifications, mayAskForNotifications, notifyOnDesktop } from './desktop-notifications.ts';

/**
 * In-app banners for the warnings 60 and 15 minutes before an EC2 worker kills itself, and
 * (in the browser host) desktop notifications for them. `data-expiry-warning` is the worker's
 * id as `workers:list` has it.
 */
export function ExpiryBanners() {
  const client = useClient();
  const [warnings, setWarnings] = useState<Ec2Warning[]>([]);
  const [mayAsk, setMayAsk] = useState(mayAskForNotifications);

  useEffect(
    () =>
      client.subscribe('ec2:warning', (warning) => {
        // The newest warning of a worker replaces its older one.
        setWarnings((current) => [...current.filter((w) => w.workerId !== warning.workerId), warning]);
        notifyOnDesktop(warning, () => (location.hash = `#/workers/${warning.workerId}`));
      }),
    [client],
  );

  const dismiss = (workerId: string) => setWarnings((current) => current.filter((w) => w.workerId !== workerId));

  return warnings.map((warning) => (
    <div key={warning.workerId} className="banner warning" role="alert" data-expiry-warning={warning.workerId}>
      <span>{warning.message}</span>
      <span className="row">
        {mayAsk && (
          <button type="button" className="link-button" onClick={() => void askForNotifications().finally(() => setMayAsk(mayAskForNotifications()))}>
            Notify me on the desktop
          </button>
        )}
        <DownloadWorkerResults workerId={warning.workerId} />
        <button type="button" onClick={() => dismiss(warning.workerId)} aria-label="Dismiss">
          ×
        </button>
      </span>
    </div>
  ));
}
