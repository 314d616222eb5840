import type { HTMLAttributes, ReactNode } from 'react';

export interface BannerProps extends Omit<HTMLAttributes<HTMLDivElement>, 'className' | 'role'> {
  /** error and warning banners are alerts (read out at once); info ones are a status. */
  level: 'error' | 'warning' | 'info';
  children: ReactNode;
  /** Links or buttons beside the message, before the dismiss button. */
  actions?: ReactNode;
  /** Shows the × that hides the banner; without it the banner stays. */
  onDismiss?: () => void;
}

/** A message across the top of a view or the app, with its actions and a way to dismiss it. */
export function Banner({ level, children, actions, onDismiss, ...rest }: BannerProps) {
  return (
    <div {...rest} className={`banner ${level}`} role={level === 'info' ? 'status' : 'alert'}>
      <span>{children}</span>
      {(actions || onDismiss) && (
        <span className="row">
          {actions}
          {onDismiss && (
            <button type="button" onClick={onDismiss} aria-label="Dismiss">
              ×
            </button>
          )}
        </span>
      )}
    </div>
  );
}
