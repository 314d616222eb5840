import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { CLUSTER_INSTANCE_TYPES, clusterCost, ClusterLaunchRequest, DEFAULT_EMR_RELEASE, EMR_HOURLY_USD, MIN_CLUSTER_HOURS, type Cluster, type ClusterList } from '../../../../../shared/cluster-model.ts';
import { instanceTypeInfo, MAX_LIFETIME_HOURS, REGIONS } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { SubmitCancelButtons } from '../../../components/SubmitCancelButtons.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { formatUsd } from '../../../lib/format.ts';
import { useAction, useSteps } from '../../../lib/useAction.ts';
import { useLive } from '../../../lib/useLive.ts';
import { useSettings } from '../../../lib/useSettings.ts';
import '../ec2/ec2.css';

const REFRESH_MS = 30_000;
const LIVE = new Set(['launching', 'STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING']);

function left(seconds: number): string {
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min left`;
}

/** Spark clusters on EMR: launch (with its cost first), the list reconciled with AWS, extend, terminate. */
export function SparkClusters() {
  const client = useClient();
  const load = useCallback(() => client.call('clusters:list'), [client]);
  const { value, error, loading, reload } = useLive({ load, topic: 'clusters:changed', apply: (current: ClusterList | undefined, list: ClusterList) => ({ ...current, clusters: list.clusters }) });
  const [launching, setLaunching] = useState(false);
  // EMR tells no one when a cluster starts or ends: ask again now and then.
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const message = error ?? value?.message;
  const clusters = value?.clusters;

  return (
    <section className="ec2-workers" aria-label="Spark clusters">
      <div className="row spread">
        <h2>Spark clusters</h2>
        <div className="row">
          <button type="button" onClick={() => void reload()} disabled={loading} title="Ask AWS again" aria-label="Refresh Spark clusters">
            ↻
          </button>
          {!launching && (
            <button type="button" onClick={() => setLaunching(true)}>
              Launch…
            </button>
          )}
        </div>
      </div>
      {message && (
        <p className="muted small" role="status">
          {message}
        </p>
      )}
      {launching && <LaunchClusterForm onCancel={() => setLaunching(false)} onLaunched={() => setLaunching(false)} />}
      {!clusters && !message && <p className="muted small">Asking AWS…</p>}
      {clusters && clusters.length === 0 && !launching && <p className="muted small">None running. AWS terminates each cluster at its deadline.</p>}
      <ul className="ec2-list">
        {clusters?.map((cluster) => (
          <ClusterRow key={cluster.id} cluster={cluster} />
        ))}
      </ul>
    </section>
  );
}

function ClusterRow({ cluster }: { cluster: Cluster }) {
  const client = useClient();
  const [confirming, setConfirming] = useState(false);
  const { run, pending: busy, error } = useSteps();
  const [hours, setHours] = useState(1);
  const live = LIVE.has(cluster.state);
  const room = (Date.parse(cluster.latestDeadline) - Date.parse(cluster.deadline)) / 3_600_000;
  const act = async (work: () => Promise<unknown>) => {
    if (await run(work)) setConfirming(false);
  };

  return (
    <li className="ec2-row" data-cluster={cluster.id}>
      <div className="ec2-row-head">
        <span className="worker-name">{cluster.name}</span>
        <span className={`ec2-state${cluster.state === 'RUNNING' || cluster.state === 'WAITING' ? ' ec2-running' : ''}`}>{cluster.state}</span>
      </div>
      <div className="muted small">
        1 + {cluster.coreNodes} × {cluster.instanceType} · {cluster.region} · {cluster.release} · {cluster.clusterId ?? 'no cluster yet'}
        {cluster.adopted && ' · found in AWS'}
      </div>
      <div className="muted small">
        {live ? `${left(cluster.secondsLeft)} (until ${cluster.deadline.slice(0, 16).replace('T', ' ')} UTC) · ` : ''}
        {formatUsd(cluster.costUsd)} so far · {formatUsd(cluster.hourlyUsd)}/h{cluster.priceNote ? ` (${cluster.priceNote})` : ''}
      </div>
      {cluster.message && <p className="muted small">{cluster.message}</p>}
      {live && cluster.clusterId && (
        <div className="row ec2-actions">
          {room > 0 && (
            <>
              <select aria-label="Hours to add" value={hours} onChange={(e) => setHours(Number(e.target.value))} disabled={busy}>
                {[1, 2, 4, 8].filter((h) => h <= room).map((h) => (
                  <option key={h} value={h}>
                    +{h} h
                  </option>
                ))}
              </select>
              <button type="button" disabled={busy || hours > room} onClick={() => void act(() => client.call('clusters:extend', { clusterId: cluster.id, hours }))}>
                Extend
              </button>
            </>
          )}
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Terminate…
          </button>
        </div>
      )}
      {error && !confirming && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Terminate ${cluster.name}?`}
          confirmLabel="Terminate"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void act(() => client.call('clusters:terminate', { clusterId: cluster.id }))}
          onCancel={() => setConfirming(false)}
        >
          <p>The cluster {cluster.clusterId} and everything on its nodes are deleted. Download the results you need first.</p>
        </ConfirmDialog>
      )}
    </li>
  );
}

interface Values {
  name: string;
  region: string;
  coreNodes: string;
  instanceType: string;
  hours: string;
  allowedCidr: string;
  release: string;
}

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
  const id = useId();
  const { settings } = useSettings();
  const [typed, setValues] = useState<Values>({ name: '', region: '', coreNodes: '2', instanceType: 'm6i.xlarge', hours: '4', allowedCidr: '', release: '' });
  const values: Values = { ...typed, region: typed.region || (settings?.regions[0] ?? 'us-east-1') };
  const [problems, setProblems] = useState<string[]>([]);
  const launch = useAction(async (request: unknown) => onLaunched(await client.call('clusters:launch', request as never)));
  const errors = launch.error ? [launch.error] : problems;
  const [addressNote, setAddressNote] = useState<string>();

  useEffect(() => {
    client.call('aws:my-address').then(
      ({ cidr }) => setValues((v) => (v.allowedCidr ? v : { ...v, allowedCidr: cidr })),
      (err: unknown) => setAddressNote(errorMessage(err)),
    );
  }, [client]);

  const set = (field: keyof Values, value: string) => setValues((v) => ({ ...v, [field]: value }));
  const nodes = (Number(values.coreNodes) || 0) + 1;
  const hours = Math.min(Number(values.hours) || 0, MAX_LIFETIME_HOURS);
  const cost = clusterCost(values.instanceType, nodes, hours);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const request = toRequest(values);
    const parsed = ClusterLaunchRequest.safeParse(request);
    if (!parsed.success) {
      launch.setError(undefined);
      setProblems(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`));
      return;
    }
    setProblems([]);
    await launch.run(request);
  };

  const field = (name: keyof Values, label: string, input: ReactNode) => (
    <label className="form-field" htmlFor={`${id}-${name}`}>
      {label}
      {input}
    </label>
  );

  return (
    <form className="add-ssh-form ec2-launch-form" onSubmit={(e) => void submit(e)} aria-label="Launch a Spark cluster">
      <h2>Launch a Spark cluster</h2>
      {field('name', 'Name', <input id={`${id}-name`} value={values.name} onChange={(e) => set('name', e.target.value)} required spellCheck={false} />)}
      {field(
        'region',
        'Region',
        <select id={`${id}-region`} value={values.region} onChange={(e) => set('region', e.target.value)}>
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>,
      )}
      {field(
        'instanceType',
        'Instance type (master and core nodes)',
        <select id={`${id}-instanceType`} value={values.instanceType} onChange={(e) => set('instanceType', e.target.value)}>
          {CLUSTER_INSTANCE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}: {instanceTypeInfo(t)?.vcpu} vCPU, {instanceTypeInfo(t)?.memoryGiB} GiB, {formatUsd((instanceTypeInfo(t)?.hourlyUsd ?? 0) + (EMR_HOURLY_USD[t] ?? 0))}/h
            </option>
          ))}
        </select>,
      )}
      {field('coreNodes', 'Core nodes', <input id={`${id}-coreNodes`} type="number" min={0} max={50} step={1} value={values.coreNodes} onChange={(e) => set('coreNodes', e.target.value)} />)}
      {field('hours', `Lifetime (hours, ${MIN_CLUSTER_HOURS} to ${MAX_LIFETIME_HOURS})`, <input id={`${id}-hours`} type="number" min={MIN_CLUSTER_HOURS} max={MAX_LIFETIME_HOURS} step="any" value={values.hours} onChange={(e) => set('hours', e.target.value)} />)}
      {field('allowedCidr', 'Allowed SSH source', <input id={`${id}-allowedCidr`} value={values.allowedCidr} placeholder="203.0.113.7/32" onChange={(e) => set('allowedCidr', e.target.value)} spellCheck={false} />)}
      {addressNote && !values.allowedCidr && <p className="muted small">{addressNote}</p>}
      {field('release', `EMR release (optional; default: ${DEFAULT_EMR_RELEASE})`, <input id={`${id}-release`} value={values.release} placeholder={DEFAULT_EMR_RELEASE} onChange={(e) => set('release', e.target.value)} spellCheck={false} />)}
      <p className="muted small" aria-live="polite">
        {formatUsd(cost.hourlyUsd)} per hour ({nodes} node{nodes === 1 ? '' : 's'}), {formatUsd(cost.totalUsd)} for {hours} h{cost.note ? ` (${cost.note})` : ''}. AWS terminates it at the end of its lifetime.
      </p>
      {errors.map((message) => (
        <p key={message} className="error small" role="alert">
          {message}
        </p>
      ))}
      <SubmitCancelButtons label="Launch" busyLabel="Launching…" busy={launch.pending} onCancel={onCancel} />
    </form>
  );
}
