/**
 * BAD_INPUT messages from the core read `call-name: field: what is wrong; other: ...` (see
 * describeZodError in main). The form shows each part beside its field; whatever names no
 * field we know stays a message for the whole form.
 */
export interface FieldErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  form: string | undefined;
}

export function splitFieldErrors<F extends string>(message: string, fields: readonly F[]): FieldErrors<F> {
  const body = message.replace(/^[a-z]+:[a-z-]+:\s*/, '');
  const result: FieldErrors<F> = { fields: {}, form: undefined };
  const rest: string[] = [];
  for (const part of body.split(/;\s+/)) {
    const match = /^([A-Za-z]+):\s*(.+)$/s.exec(part);
    const field = match?.[1] as F | undefined;
    if (match && field && fields.includes(field)) {
      result.fields[field] ??= match[2]!;
    } else {
      rest.push(part);
    }
  }
  if (rest.length > 0) result.form = rest.join('; ');
  return result;
}
