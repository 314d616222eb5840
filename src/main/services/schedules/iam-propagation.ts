import { retryAfter } from '../../retry.ts';

/**
 * IAM is eventually consistent: a role or instance profile made a moment ago may not be usable
 * by EventBridge Scheduler or EC2 for some seconds ("The execution role you provide must allow
 * AWS EventBridge Scheduler to assume the role", "Invalid IAM Instance Profile"). Those answers
 * are retried a bounded number of times; any other error, or the last attempt's, is thrown.
 */
const PROPAGATION = /execution role you provide must allow|not authorized to perform: iam:PassRole|Invalid IAM Instance Profile|iamInstanceProfile\.(arn|name) is invalid/i;

/** Waits between attempts: about a minute in all, as AWS documents propagation taking. */
export const PROPAGATION_DELAYS_MS = [2_000, 4_000, 8_000, 16_000, 30_000];

export function isIamPropagationError(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (e.name === 'ValidationException' || e.name === 'InvalidParameterValue' || e.name === 'AccessDeniedException') && PROPAGATION.test(e.message ?? '');
}

export function whileIamPropagates<T>(work: () => Promise<T>, delaysMs: readonly number[] = PROPAGATION_DELAYS_MS, sleep?: (ms: number) => Promise<unknown>): Promise<T> {
  return retryAfter(work, delaysMs, isIamPropagationError, sleep);
}
