import { FleetPanel } from '../fleet/FleetPanel.tsx';
import { LaunchEc2Form } from './LaunchEc2Form.tsx';
import { Ec2WorkerRow } from './Ec2WorkerRow.tsx';
import { useEc2Workers } from './useEc2Workers.ts';

/** The EC2 part of the Workers view: launch form and the workers reconciled with AWS. */
export function Ec2Workers() {
  const { workers, message, loading, reload } = useEc2Workers();
  return (
    <FleetPanel
      title="EC2 workers"
      loading={loading}
      reload={reload}
      message={message}
      count={workers?.length}
      empty="None running. A worker terminates itself at the end of its lifetime."
      launchForm={(close) => <LaunchEc2Form onCancel={close} onLaunched={close} />}
    >
      {workers?.map((worker) => (
        <Ec2WorkerRow key={worker.id} worker={worker} />
      ))}
    </FleetPanel>
  );
}
