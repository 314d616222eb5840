/** Why something failed, read out at once (role alert); nothing when there is no error. */
export function ErrorText({ error }: { error: string | undefined }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}
