import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { failureOf, UsageError } from '../../../src/main/cli-usage.ts';
import { RemoteError } from '../../../src/shared/errors.ts';

describe('how the workbench command reports a failure', () => {
  it('a usage error exits 2 with its message, then the help of the command meant', () => {
    expect(failureOf(new UsageError('runs takes no arguments (not "x").', 'Usage: workbench runs [--limit N]'))).toEqual({
      text: 'workbench: runs takes no arguments (not "x").\n\nUsage: workbench runs [--limit N]',
      exitCode: 2,
    });
    expect(failureOf(new UsageError('call needs a call name.'))).toEqual({ text: 'workbench: call needs a call name.', exitCode: 2 });
  });

  it("an option node's parser does not know is a usage error too", () => {
    let thrown: unknown;
    try {
      parseArgs({ args: ['--frobnicate'], options: {}, strict: true });
    } catch (err) {
      thrown = err;
    }
    expect(failureOf(thrown)).toMatchObject({ text: expect.stringMatching(/^workbench: .*--frobnicate/), exitCode: 2 });
  });

  it('a failed call exits 1 with the message the core wrote for the user', () => {
    expect(failureOf(new RemoteError({ code: 'NOT_FOUND', message: 'There is no schedule named nope.', retryable: false }))).toEqual({ text: 'workbench: There is no schedule named nope.', exitCode: 1 });
    expect(failureOf('plain')).toEqual({ text: 'workbench: plain', exitCode: 1 });
  });
});
