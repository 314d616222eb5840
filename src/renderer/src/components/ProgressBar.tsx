import { useId } from 'react';
import './components.css';

export interface ProgressBarProps {
  /** Done so far, 0..1; undefined (or not a number) shows an indeterminate bar. */
  value?: number;
  /** What is in progress: the accessible name of the bar. */
  label: string;
  /** Counts, sizes, time left … shown under the bar and read as its description. */
  detail?: string;
}

/** A labelled native <progress> (so assistive technology reads its name and value), themed. */
export function ProgressBar({ value, label, detail }: ProgressBarProps) {
  const id = useId();
  const determinate = value !== undefined && Number.isFinite(value);
  const fraction = determinate ? Math.min(1, Math.max(0, value)) : undefined;
  const percent = fraction === undefined ? undefined : Math.floor(fraction * 100);
  return (
    <div className="progress-bar">
      <div className="progress-bar-head">
        <span id={`${id}-label`}>{label}</span>
        {percent !== undefined && (
          <span className="progress-bar-value" aria-hidden="true">
            {percent}%
          </span>
        )}
      </div>
      {/* Keyed so a bar that turns indeterminate loses its value attribute for sure. */}
      <progress
        key={fraction === undefined ? 'indeterminate' : 'determinate'}
        max={1}
        value={fraction}
        aria-labelledby={`${id}-label`}
        aria-describedby={detail ? `${id}-detail` : undefined}
        aria-valuetext={percent === undefined ? undefined : `${percent}%`}
      />
      {detail && (
        <div id={`${id}-detail`} className="progress-bar-detail">
          {detail}
        </div>
      )}
    </div>
  );
}
