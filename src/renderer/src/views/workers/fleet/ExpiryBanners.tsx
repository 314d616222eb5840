import { useEffect, useState } from 'react';
import { warningTitle, type Ec2Warning } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { Banner } from '../../../components/Banner.tsx';
import { notifyOnDesktop } from '../../../lib/desktop-notifications.ts';
import { NotifyMeButton } from '../../../components/NotifyMeButton.tsx';
import { DownloadWorkerResults } from '../../../components/DownloadWorkerResults.tsx';

/** The warnings shown: before an EC2 worker kills itself, and before AWS terminates a Spark cluster. */
const TOPICS = ['ec2:warning', 'clusters:warning'] as const;

/**
 * In-app banners for the warnings 60 and 15 minutes before an EC2 worker or a Spark cluster
 * ends, and (in the browser host) desktop notifications for them. `data-expiry-warning` is the
 * worker's id as `workers:list` has it (a cluster's master is the worker of the cluster's id).
 */
export function ExpiryBanners() {
  const client = useClient();
  const [warnings, setWarnings] = useState<Ec2Warning[]>([]);

  useEffect(() => {
    const show = (warning: Ec2Warning) => {
      // The newest warning of a worker replaces its older one.
      setWarnings((current) => [...current.filter((w) => w.workerId !== warning.workerId), warning]);
      notifyOnDesktop({
        title: warningTitle(warning),
        body: warning.message,
        // One per worker: a newer warning replaces the older one on the desktop too.
        tag: `workbench-expiry-${warning.workerId}`,
        onClick: () => (location.hash = `#/workers/${warning.workerId}`),
      });
    };
    const stops = TOPICS.map((topic) => client.subscribe(topic, show));
    return () => stops.forEach((stop) => stop());
  }, [client]);

  const dismiss = (workerId: string) => setWarnings((current) => current.filter((w) => w.workerId !== workerId));

  return warnings.map((warning) => (
    <Banner
      key={warning.workerId}
      level="warning"
      data-expiry-warning={warning.workerId}
      onDismiss={() => dismiss(warning.workerId)}
      actions={
        <>
          <NotifyMeButton />
          <DownloadWorkerResults workerId={warning.workerId} />
        </>
      }
    >
      {warning.message}
    </Banner>
  ));
}
