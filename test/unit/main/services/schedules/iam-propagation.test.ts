import { describe, expect, it } from 'vitest';
import { isIamPropagationError, whileIamPropagates } from '../../../../../src/main/services/schedules/iam-propagation.ts';

const notYet = Object.assign(new Error('The execution role you provide must allow AWS EventBridge Scheduler to assume the role.'), { name: 'ValidationException' });
const badProfile = Object.assign(new Error("Value (arn:aws:iam::1:instance-profile/x) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"), { name: 'InvalidParameterValue' });
const realRefusal = Object.assign(new Error('The StartDate you specify cannot be earlier than 5 minutes ago.'), { name: 'ValidationException' });

describe('retrying while a new IAM role propagates', () => {
  it('knows the answers AWS gives for a role or profile it does not see yet, and no others', () => {
    expect(isIamPropagationError(notYet)).toBe(true);
    expect(isIamPropagationError(badProfile)).toBe(true);
    expect(isIamPropagationError(realRefusal)).toBe(false);
  });

  it('retries those a bounded number of times, waiting between attempts', async () => {
    const waits: number[] = [];
    let attempts = 0;
    const value = await whileIamPropagates(
      async () => {
        attempts += 1;
        if (attempts < 3) throw notYet;
        return 'made';
      },
      [5, 6, 7],
      async (ms) => void waits.push(ms),
    );
    expect([value, attempts, waits]).toEqual(['made', 3, [5, 6]]);
  });

  it('gives up after the last attempt, and never retries anything else', async () => {
    let attempts = 0;
    const always = () => ((attempts += 1), Promise.reject(notYet));
    await expect(whileIamPropagates(always, [1, 1], async () => undefined)).rejects.toBe(notYet);
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(whileIamPropagates(() => ((attempts += 1), Promise.reject(realRefusal)), [1, 1], async () => undefined)).rejects.toBe(realRefusal);
    expect(attempts).toBe(1);
  });
});
