import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { useSteps } from '../../../lib/useAction.ts';
import { ExtendControl } from './ExtendControl.tsx';
import './fleet.css';

export interface FleetRowProps {
  /** The row's data attributes (`data-ec2-worker`, `data-cluster`: its id). */
  data: Record<`data-${string}`, string>;
  name: string;
  /** The worker's page, when it is a place to work (a link on its name). */
  href?: string | undefined;
  state: string;
  /** Extra class of the state badge (`ec2-running` colours a running one). */
  stateClass?: string;
  /** Past its deadline but still running: the row turns red and its message is an alert. */
  overdue?: boolean;
  /** What it is and where: type, region, address, ids. */
  details: ReactNode;
  /** Time left and cost (a DeadlineClock). */
  clock?: ReactNode;
  message?: string | undefined;
  /** Extend and Terminate… are offered (it exists in AWS and has not ended). */
  actionable: boolean;
  /** Hours its deadline may still move (undefined: extending is not offered now). */
  extendRoom?: number | undefined;
  /** Extends it by `hours` (the contract call). */
  extend: (hours: number) => Promise<unknown>;
  /** Terminates it (the contract call). */
  terminate: () => Promise<unknown>;
  /** What the terminate dialog says is lost. */
  terminateNote: ReactNode;
  /** More buttons beside Extend and Terminate…. */
  actions?: ReactNode;
}

/** One EC2 worker or Spark cluster: state, details, countdown and cost, extend, terminate (confirmed). */
export function FleetRow({ data, name, href, state, stateClass, overdue = false, details, clock, message, actionable, extendRoom, extend, terminate, terminateNote, actions }: FleetRowProps) {
  const [confirming, setConfirming] = useState(false);
  const { run, pending: busy, error } = useSteps();
  const act = async (work: () => Promise<unknown>) => {
    if (await run(work)) setConfirming(false);
  };

  return (
    <li className={`ec2-row${overdue ? ' overdue' : ''}`} {...data}>
      <div className="ec2-row-head">
        {href ? (
          <a className="worker-name" href={href}>
            {name}
          </a>
        ) : (
          <span className="worker-name">{name}</span>
        )}
        <span className={`ec2-state${stateClass ? ` ${stateClass}` : ''}`}>{state}</span>
      </div>
      <div className="muted small">{details}</div>
      {clock}
      {message && (
        <p className={overdue ? 'error small' : 'muted small'} role={overdue ? 'alert' : undefined}>
          {message}
        </p>
      )}
      {actionable && (
        <div className="row ec2-actions">
          {actions}
          {extendRoom !== undefined && <ExtendControl room={extendRoom} busy={busy} onExtend={(hours) => void act(() => extend(hours))} />}
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
          title={`Terminate ${name}?`}
          confirmLabel="Terminate"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void act(terminate)}
          onCancel={() => setConfirming(false)}
        >
          <p>{terminateNote}</p>
        </ConfirmDialog>
      )}
    </li>
  );
}
