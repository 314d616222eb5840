import { useCallback } from 'react';
import { CLUSTER_INSTANCE_TYPES, clusterCost, ClusterLaunchRequest, DEFAULT_EMR_RELEASE, EMR_HOURLY_USD, MIN_CLUSTER_HOURS, type Cluster, type ClusterList } from '../../../../../shared/cluster-model.ts';
import { instanceTypeInfo, MAX_LIFETIME_HOURS } from '../../../../../shared/ec2-model.ts';
import { CLUSTER_UIS, type ClusterUi } from '../../../../../shared/tunnel-model.ts';
import { useClient } from '../../../api/context.tsx';
import { TunnelLink } from '../../../components/TunnelLink.tsx';
import { formatUsd } from '../../../lib/format.ts';
import { DeadlineClock } from '../fleet/DeadlineClock.tsx';
import { FleetPanel } from '../fleet/FleetPanel.tsx';
import { FleetRow } from '../fleet/FleetRow.tsx';
import { Field, InstanceTypeField, LaunchFormFrame, LifetimeField, NameAndRegion, SshSourceField, useLaunchForm, type LaunchValues } from '../fleet/LaunchForm.tsx';
import { useAwsList } from '../fleet/useAwsList.ts';

const LIVE = new Set(['launching', 'STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING']);

/** A `clusters:changed` event brings the clusters; what AWS said on the last load stays. */
function withClusters(current: ClusterList | undefined, list: ClusterList): ClusterList {
  return { ...current, clusters: list.clusters };
}

/** Spark clusters on EMR: launch (with its cost first), the list reconciled with AWS, extend, terminate. */
export function SparkClusters() {
  const client = useClient();
  const load = useCallback(() => client.call('clusters:list'), [client]);
  const { value, error, loading, reload } = useAwsList({ load, topic: 'clusters:changed', apply: withClusters });
  const clusters = value?.clusters;

  return (
    <FleetPanel
      title="Spark clusters"
      loading={loading}
      reload={reload}
      message={error ?? value?.message}
      count={clusters?.length}
      empty="None running. AWS terminates each cluster at its deadline."
      launchForm={(close) => <LaunchClusterForm onCancel={close} onLaunched={close} />}
    >
      {clusters?.map((cluster) => (
        <ClusterRow key={cluster.id} cluster={cluster} />
      ))}
    </FleetPanel>
  );
}

function ClusterRow({ cluster }: { cluster: Cluster }) {
  const client = useClient();
  const live = LIVE.has(cluster.state);
  // A running cluster's master node is a worker (its id is the cluster's): its page has the connection, terminals and files.
  const master = live && cluster.masterAddress ? `#/workers/${cluster.id}` : undefined;
  return (
    <FleetRow
      data={{ 'data-cluster': cluster.id }}
      name={cluster.name}
      href={master}
      state={cluster.state}
      stateClass={cluster.state === 'RUNNING' || cluster.state === 'WAITING' ? 'ec2-running' : undefined}
      details={
        <>
          1 + {cluster.coreNodes} × {cluster.instanceType} · {cluster.region} · {cluster.release} · {cluster.clusterId ?? 'no cluster yet'} · {formatUsd(cluster.hourlyUsd)}/h
          {cluster.priceNote && ` (${cluster.priceNote})`}
          {cluster.adopted && ' · found in AWS'}
          {live && ` · until ${cluster.deadline.slice(0, 16).replace('T', ' ')} UTC`}
        </>
      }
      clock={<DeadlineClock launchedAt={cluster.launchedAt} deadline={cluster.deadline} hourlyUsd={cluster.hourlyUsd} live={live} finalUsd={cluster.costUsd} ending="AWS terminates it" />}
      message={cluster.message}
      actionable={live && Boolean(cluster.clusterId)}
      extendRoom={(Date.parse(cluster.latestDeadline) - Date.parse(cluster.deadline)) / 3_600_000}
      extend={(hours) => client.call('clusters:extend', { clusterId: cluster.id, hours })}
      terminate={() => client.call('clusters:terminate', { clusterId: cluster.id })}
      actions={
        master && (
          <>
            <button type="button" onClick={() => (location.hash = master)} title={`Open the master node ${cluster.masterAddress ?? ''} in the worker list`}>
              Open
            </button>
            {(Object.keys(CLUSTER_UIS) as ClusterUi[]).map((ui) => (
              <TunnelLink key={ui} label={CLUSTER_UIS[ui].label} open={() => client.call('tunnels:cluster-ui', { clusterId: cluster.id, ui })} />
            ))}
          </>
        )
      }
      terminateNote={`The cluster ${cluster.clusterId} and everything on its nodes are deleted. Download the results you need first.`}
    />
  );
}

interface Values extends LaunchValues {
  coreNodes: string;
  release: string;
}

const TYPES = CLUSTER_INSTANCE_TYPES.map((t) => ({ type: t, text: `${t}: ${instanceTypeInfo(t)?.vcpu} vCPU, ${instanceTypeInfo(t)?.memoryGiB} GiB, ${formatUsd((instanceTypeInfo(t)?.hourlyUsd ?? 0) + (EMR_HOURLY_USD[t] ?? 0))}/h` }));

function toRequest(values: Values): unknown {
  return {
    name: values.name.trim(),
    region: values.region,
    coreNodes: Number(values.coreNodes),
    instanceType: values.instanceType,
    hours: Number(values.hours),
    ...(values.allowedCidr.trim() && { allowedCidr: values.allowedCidr.trim() }),
    ...(values.release.trim() && { release: values.release.trim() }),
  };
}

/** The launch form; the cost per hour and for the hours shows before anything is launched. */
function LaunchClusterForm({ onLaunched, onCancel }: { onLaunched: (cluster: Cluster) => void; onCancel: () => void }) {
  const client = useClient();
  const form = useLaunchForm<Values>({
    initial: { name: '', region: '', coreNodes: '2', instanceType: 'm6i.xlarge', hours: '4', allowedCidr: '', release: '' },
    defaults: (settings) => ({ region: settings?.regions[0] ?? 'us-east-1' }),
    request: toRequest,
    schema: ClusterLaunchRequest,
    launch: async (request: ClusterLaunchRequest) => onLaunched(await client.call('clusters:launch', request)),
  });
  const { id, values, set } = form;
  const nodes = (Number(values.coreNodes) || 0) + 1;
  const hours = Math.min(Number(values.hours) || 0, MAX_LIFETIME_HOURS);
  const cost = clusterCost(values.instanceType, nodes, hours);

  return (
    <LaunchFormFrame form={form} title="Launch a Spark cluster" onCancel={onCancel}>
      <NameAndRegion form={form} />
      <InstanceTypeField form={form} label="Instance type (master and core nodes)" types={TYPES} />
      <Field form={form} name="coreNodes" label="Core nodes">
        <input id={`${id}-coreNodes`} type="number" min={0} max={50} step={1} value={values.coreNodes} onChange={(e) => set('coreNodes', e.target.value)} />
      </Field>
      <LifetimeField form={form} label={`Lifetime (hours, ${MIN_CLUSTER_HOURS} to ${MAX_LIFETIME_HOURS})`} min={MIN_CLUSTER_HOURS} max={MAX_LIFETIME_HOURS} />
      <SshSourceField form={form} />
      <Field form={form} name="release" label={`EMR release (optional; default: ${DEFAULT_EMR_RELEASE})`}>
        <input id={`${id}-release`} value={values.release} placeholder={DEFAULT_EMR_RELEASE} onChange={(e) => set('release', e.target.value)} spellCheck={false} />
      </Field>
      <p className="muted small" aria-live="polite">
        {formatUsd(cost.hourlyUsd)} per hour ({nodes} node{nodes === 1 ? '' : 's'}), {formatUsd(cost.totalUsd)} for {hours} h{cost.note ? ` (${cost.note})` : ''}. AWS terminates it at the end of its lifetime.
      </p>
    </LaunchFormFrame>
  );
}
