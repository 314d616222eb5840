import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../../src/shared/errors.ts';
import { errorMessage } from '../../../../src/renderer/src/lib/errors.ts';

describe('errorMessage', () => {
  it("shows the core's message for a failed call, as the user is meant to read it", () => {
    expect(errorMessage(new RemoteError({ code: 'NOT_FOUND', message: 'No worker named gpu-1. Add it under Workers.', retryable: false }))).toBe('No worker named gpu-1. Add it under Workers.');
  });

  it('shows the text of whatever else was thrown', () => {
    expect(errorMessage('The clipboard refused the text.')).toBe('The clipboard refused the text.');
    expect(errorMessage({ toString: () => 'a plain object' })).toBe('a plain object');
  });
});
