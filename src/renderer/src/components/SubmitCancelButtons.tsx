/**
 * A form's submit and Cancel buttons: while `busy` both are off and the submit button says what
 * is under way, so a second click cannot send the form twice or leave it half done.
 */
export function SubmitCancelButtons({
  label,
  busyLabel,
  busy,
  primary,
  onCancel,
}: {
  label: string;
  busyLabel: string;
  busy: boolean;
  /** The submit button in the primary colour. */
  primary?: boolean;
  onCancel: () => void;
}) {
  return (
    <div className="row">
      <button type="submit" className={primary ? 'primary' : undefined} disabled={busy}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
    </div>
  );
}
