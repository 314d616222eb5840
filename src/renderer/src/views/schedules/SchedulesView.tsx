import { useEffect, useState } from 'react';
import type { AlarmState, ScheduleView } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';
import { Banner } from '../../components/Banner.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ScheduleForm } from './ScheduleForm.tsx';
import { ScheduleHistory } from './ScheduleHistory.tsx';
import { ScheduleTable } from './ScheduleTable.tsx';
import { useSchedules } from './useSchedules.ts';
import './schedules.css';
import { errorMessage } from '../../lib/errors.ts';
import { useAction } from '../../lib/useAction.ts';

/** "+new" is not a job name (names are slugs), so it can never hide a schedule. */
const NEW = '+new';

function parse(param: string | undefined): { mode: 'list' | 'new' | 'history' | 'edit'; name?: string } {
  if (!param) return { mode: 'list' };
  if (param === NEW || param.startsWith(`${NEW}?`)) return { mode: 'new' };
  const [name, sub] = param.split('/');
  return sub === 'edit' ? { mode: 'edit', name } : { mode: 'history', name };
}

/** #/schedules/+new?tarball=PATH opens the form with a package filled in (the Package view links here). */
function tarballFrom(param: string | undefined): string | undefined {
  const query = param?.split('?')[1];
  return query ? (new URLSearchParams(query).get('tarball') ?? undefined) : undefined;
}

export function SchedulesView({ param }: { param: string | undefined }) {
  const client = useClient();
  const { schedules, error } = useSchedules();
  const { mode, name } = parse(param);
  const [busy, setBusy] = useState<string>();
  const [message, setMessage] = useState<{ level: 'info' | 'error'; text: string }>();
  const [deleting, setDeleting] = useState<ScheduleView>();
  // What the app made for an AWS job alone goes with it unless the user keeps it.
  const [removeAwsResources, setRemoveAwsResources] = useState(true);
  const { run: remove, error: deleteError, setError: setDeleteError } = useAction(async (gone: string, withResources: boolean) => {
    await client.call('schedules:delete', { name: gone, removeAwsResources: withResources });
    setDeleting(undefined);
    if (name === gone) location.hash = '#/schedules';
  });
  const [policy, setPolicy] = useState<string>();
  const [alarms, setAlarms] = useState<Record<string, AlarmState>>();
  const awsNames = (schedules ?? []).filter((s) => s.backend === 'aws').map((s) => s.name).join(',');

  // Read again whenever the AWS schedules change; an AWS that cannot be reached shows no states.
  useEffect(() => {
    if (!awsNames) return;
    let live = true;
    client.call('schedules:alarm-states').then((states) => live && setAlarms(states), () => undefined);
    return () => {
      live = false;
    };
  }, [client, awsNames]);

  useEffect(() => {
    client.call('schedules:backends').then((b) => setPolicy(b.catchUpPolicy), () => undefined);
  }, [client]);

  const act = async (s: ScheduleView, work: () => Promise<string | undefined>) => {
    setBusy(s.name);
    setMessage(undefined);
    try {
      const text = await work();
      if (text) setMessage({ level: 'info', text });
    } catch (err) {
      setMessage({ level: 'error', text: errorMessage(err) });
    } finally {
      setBusy(undefined);
    }
  };
  const runNow = (s: ScheduleView) =>
    act(s, async () => {
      const { runId } = await client.call('schedules:run-now', { name: s.name });
      location.hash = `#/schedules/${encodeURIComponent(s.name)}`;
      return `Started run ${runId} of ${s.name}.`;
    });
  const toggle = (s: ScheduleView, enabled: boolean) => act(s, async () => (await client.call('schedules:set-enabled', { name: s.name, enabled }), undefined));
  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(deleting.name);
    await remove(deleting.name, deleting.backend === 'aws' && removeAwsResources);
    setBusy(undefined);
  };

  const editing = mode === 'edit' ? schedules?.find((s) => s.name === name) : undefined;
  const backToList = () => (location.hash = '#/schedules');

  return (
    <div className="schedules-view">
      {mode !== 'new' && (
        <div className="schedules-toolbar row">
          <a className="button primary" href={`#/schedules/${NEW}`}>
            New schedule
          </a>
          {mode !== 'list' && <a href="#/schedules">All schedules</a>}
        </div>
      )}
      {message && (
        <Banner level={message.level === 'error' ? 'error' : 'info'} onDismiss={() => setMessage(undefined)}>
          {message.text}
        </Banner>
      )}
      <ErrorText error={error} />
      {mode === 'new' && <ScheduleForm tarball={tarballFrom(param)} onSaved={(s) => (location.hash = `#/schedules/${encodeURIComponent(s.name)}`)} onCancel={backToList} />}
      {mode === 'edit' && editing && <ScheduleForm key={editing.name} existing={editing} onSaved={(s) => (location.hash = `#/schedules/${encodeURIComponent(s.name)}`)} onCancel={backToList} />}
      {mode === 'edit' && schedules && !editing && <p className="error">There is no schedule named {name}.</p>}
      {schedules && schedules.length === 0 && mode === 'list' && (
        <div className="empty-state">
          <h2>No schedules</h2>
          <p>Jobs that run daily, weekly or monthly from a code tarball and publish their output are listed here.</p>
          <a className="button primary" href={`#/schedules/${NEW}`}>
            Schedule a job
          </a>
        </div>
      )}
      {schedules && schedules.length > 0 && mode !== 'new' && mode !== 'edit' && (
        <ScheduleTable schedules={schedules} selected={name} busy={busy} alarms={alarms} onToggle={(s, on) => void toggle(s, on)} onRunNow={(s) => void runNow(s)} onDelete={(s) => {
            setRemoveAwsResources(true);
            setDeleting(s);
          }} />
      )}
      {mode === 'history' && name && <ScheduleHistory key={name} name={name} />}
      {policy && mode === 'list' && <p className="muted small catch-up-policy">{policy}</p>}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          danger
          busy={busy === deleting.name}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onCancel={() => {
            setDeleting(undefined);
            setDeleteError(undefined);
          }}
        >
          <p>
            It stops running{deleting.backend === 'aws' ? ', and its EventBridge schedule and CloudWatch alarm are removed' : ''}. Output already published, logs and run records are kept.
          </p>
          {deleting.backend === 'aws' && (
            <label className="checkbox">
              <input type="checkbox" checked={removeAwsResources} onChange={(e) => setRemoveAwsResources(e.target.checked)} /> Also remove its own IAM role (and instance profile), and its code in S3 (the tarballs, worker kits and Spark driver under {deleting.name}/code/ in the code bucket); the last Spark schedule also takes the app's EMR Serverless application with it
            </label>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
