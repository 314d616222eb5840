import { useEffect, useState } from 'react';
import { warningTitle, type Ec2Warning } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { Banner } from '../../../components/Banner.tsx';
import { DownloadWorkerResults } from '../../../components/DownloadWorkerResults.tsx';
import { NotifyMeButton } from '../../../components/NotifyMeButton.tsx';
import { notifyOnDesktop } from '../../../lib/desktop-notifications.ts';
import { useSteps } from '../../../lib/useAction.ts';
import { ExtendControl } from './ExtendControl.tsx';

type Client = ReturnType<typeof useClient>;

/** What is warned of, and the call that moves its deadline: an EC2 worker's or a Spark cluster's. */
const KINDS = [
  { topic: 'ec2:warning', extend: (client: Client, id: string, hours: number) => client.call('ec2:extend', { workerId: id, hours }) },
  { topic: 'clusters:warning', extend: (client: Client, id: string, hours: number) => client.call('clusters:extend', { clusterId: id, hours }) },
] as const;

interface Shown {
  warning: Ec2Warning;
  extend: (hours: number) => Promise<unknown>;
}

/**
 * In-app banners for the warnings 60 and 15 minutes before an EC2 worker or a Spark cluster
 * ends, and (in the browser host) desktop notifications for them. `data-expiry-warning` is the
 * worker's id as `workers:list` has it (a cluster's master is the worker of the cluster's id).
 */
export function ExpiryBanners() {
  const client = useClient();
  const [shown, setShown] = useState<Shown[]>([]);

  useEffect(() => {
    const stops = KINDS.map(({ topic, extend }) =>
      client.subscribe(topic, (warning: Ec2Warning) => {
        // The newest warning of a worker replaces its older one.
        const next = { warning, extend: (hours: number) => extend(client, warning.workerId, hours) };
        setShown((current) => [...current.filter((s) => s.warning.workerId !== warning.workerId), next]);
        notifyOnDesktop({
          title: warningTitle(warning),
          body: warning.message,
          // One per worker: a newer warning replaces the older one on the desktop too.
          tag: `workbench-expiry-${warning.workerId}`,
          onClick: () => (location.hash = `#/workers/${warning.workerId}`),
        });
      }),
    );
    return () => stops.forEach((stop) => stop());
  }, [client]);

  const dismiss = (workerId: string) => setShown((current) => current.filter((s) => s.warning.workerId !== workerId));

  return shown.map(({ warning, extend }) => <ExpiryBanner key={warning.workerId} warning={warning} extend={extend} onDismiss={() => dismiss(warning.workerId)} />);
}

/** One warning: its message, Extend (which, done, closes the banner: the deadline moved), Download results. */
function ExpiryBanner({ warning, extend, onDismiss }: Shown & { onDismiss: () => void }) {
  const { run, pending, error } = useSteps();
  const extendBy = async (hours: number) => {
    if (await run(() => extend(hours))) onDismiss();
  };
  return (
    <Banner
      level="warning"
      data-expiry-warning={warning.workerId}
      onDismiss={onDismiss}
      actions={
        <>
          <NotifyMeButton />
          <ExtendControl busy={pending} onExtend={(hours) => void extendBy(hours)} buttonClass="link-button" />
          <DownloadWorkerResults workerId={warning.workerId} />
        </>
      }
    >
      {warning.message}
      {error && (
        <span className="error" role="status">
          {' '}
          {error}
        </span>
      )}
    </Banner>
  );
}
