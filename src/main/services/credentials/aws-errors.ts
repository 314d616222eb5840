import { WorkbenchError } from '../../../shared/errors.ts';

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'OptInRequired']);
const BAD_CREDENTIALS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'AuthFailure', 'InvalidAccessKeyId', 'UnrecognizedClientException']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'ServiceUnavailable', 'InternalError', 'InsufficientInstanceCapacity']);

/** A profile reference as words: "profile default", "the environment's keys", "the keys ci". */
export function profileLabel(ref: string): string {
  if (ref === 'env') return "the environment's keys";
  if (ref.startsWith('profile:')) return `profile ${ref.slice('profile:'.length)}`;
  return `the keys ${ref.slice('stored:'.length)}`;
}

/**
 * An AWS SDK failure as a message for the user: what AWS refused and what to do about it.
 * `what` names the action ("launch the worker"); `ref` the profile used.
 */
export function awsError(err: unknown, what: string, ref?: string): WorkbenchError {
  if (err instanceof WorkbenchError) return err;
  const e = (err ?? {}) as SdkError;
  const code = e.name ?? e.Code ?? 'Error';
  const text = (e.message ?? String(err)).trim();
  const detail = /[.!?]$/.test(text) ? text : `${text}.`;
  const using = ref ? ` with ${profileLabel(ref)}` : '';
  if (code === 'CredentialsProviderError' || /could not load credentials|unable to load credentials/i.test(detail)) {
    return new WorkbenchError('AUTH_FAILED', `No AWS credentials${using}: ${detail} Choose or set up a profile in Settings → AWS.`, { cause: err });
  }
  if (DENIED.has(code)) {
    return new WorkbenchError('PERMISSION_DENIED', `AWS denied the request to ${what}${using} (${code}): ${detail} Ask your AWS administrator for this permission, or use another profile.`, { cause: err });
  }
  if (EXPIRED.has(code) || /expired/i.test(detail)) {
    return new WorkbenchError('AUTH_FAILED', `The AWS credentials${using} have expired (${code}). Refresh them (for SSO: aws sso login), then try again; the workbench picks up new credentials without a restart.`, { cause: err });
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new WorkbenchError('AUTH_FAILED', `AWS did not accept the credentials${using} (${code}): ${detail} Check the access key in Settings → AWS.`, { cause: err });
  }
  if (THROTTLED.has(code) || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new WorkbenchError('UNAVAILABLE', `AWS could not ${what} right now (${code}): ${detail} Try again in a moment.`, { cause: err });
  }
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(detail)) {
    return new WorkbenchError('UNAVAILABLE', `Could not reach AWS to ${what}: ${detail}`, { cause: err });
  }
  return new WorkbenchError('BAD_INPUT', `AWS refused to ${what} (${code}): ${detail}`, { cause: err });
}
