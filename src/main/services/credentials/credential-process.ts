import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { WorkbenchError } from '../../../shared/errors.ts';
import { profileLabel } from './aws-errors.ts';

// Node's child_process.exec failure, which the SDK's credential_process provider passes on as
// its message: "Command failed: <the whole command line>\n<everything the command printed to stderr>".
const COMMAND_FAILED = /^Command failed: ([^\n]*)/;

/** The program a command line runs, without its arguments (which may be secrets). */
export function commandName(commandLine: string): string {
  const line = commandLine.trim();
  const quoted = /^(["'])(.*?)\1/.exec(line);
  if (quoted) return quoted[2] ?? '';
  return line.split(/\s+/)[0] ?? '';
}

/**
 * The provider, except that a failing credential_process is reported by a fixed message naming
 * only its program. The SDK's own error holds the full command line and the program's stderr,
 * either of which may carry a secret (a token, a password, a key being printed for debugging),
 * so neither reaches the page, the log, nor an error's cause.
 */
export function hidingProcessOutput(provider: AwsCredentialIdentityProvider, ref: string): AwsCredentialIdentityProvider {
  return async (props) => {
    try {
      return await provider(props);
    } catch (err) {
      const failed = COMMAND_FAILED.exec(err instanceof Error ? err.message : String(err));
      if (!failed) throw err;
      throw new WorkbenchError(
        'AUTH_FAILED',
        `The credential_process of ${profileLabel(ref)} failed, so there are no credentials to use. Run it in a terminal to see why: ${commandName(failed[1] ?? '')}`,
      );
    }
  };
}
