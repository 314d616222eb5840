import { describe, expect, it } from 'vitest';
import { splitFieldErrors } from '../../../../src/renderer/src/lib/field-errors.ts';

const FIELDS = ['name', 'host', 'user', 'port', 'workDir'] as const;

describe('BAD_INPUT messages in the Add SSH host form', () => {
  it('puts each field’s message beside that field', () => {
    const message = 'workers:add-ssh: name: a short name: letters, digits, ".", "-" or "_", no spaces; port: Too big: expected number to be <=65535';
    expect(splitFieldErrors(message, FIELDS)).toEqual({
      fields: { name: 'a short name: letters, digits, ".", "-" or "_", no spaces', port: 'Too big: expected number to be <=65535' },
      form: undefined,
    });
  });

  it('keeps what names no known field for the whole form', () => {
    expect(splitFieldErrors('workers:add-ssh: input: Unrecognized key: "x"', FIELDS)).toEqual({ fields: {}, form: 'input: Unrecognized key: "x"' });
    expect(splitFieldErrors('The host refused the connection.', FIELDS)).toEqual({ fields: {}, form: 'The host refused the connection.' });
  });
});
