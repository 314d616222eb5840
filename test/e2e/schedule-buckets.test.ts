/// <reference lib="dom" />
import { join } from 'node:path';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';
import { openAwsScheduleForm, saveBuckets, useScheduleSetup } from './aws-schedule-form.ts';

const moto = useMoto();
const setup = useScheduleSetup(moto, { prefix: 'schedule-buckets', tarballName: 'os-distribution.tar.gz', buckets: ['wb-code', 'wb-private', 'wb-public'] });

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(setup.root, 'app')), page: { viewport: { width: 1400, height: 1100 } } });

describe("the Schedule form checks an AWS job's buckets before saving (moto S3)", () => {
  it("shows a public job's file address and its bucket's state, and refuses a job whose log would land in a bucket anyone can read", async () => {
    await saveBuckets(page, workbench.origin, { private: 'wb-private', public: 'wb-public', code: 'wb-code' });

    const form = await openAwsScheduleForm(page, workbench.origin, 'os-public', setup.tarball);
    await form.getByText('Public (checked for raw data first)').click();

    const buckets = form.getByRole('region', { name: 'Buckets' });
    await eventually(() => buckets.textContent()).toContain("A published file's address: https://wb-public.s3.us-east-1.amazonaws.com/os-public/data/FILE");
    expect(await buckets.textContent()).toContain('Output to wb-public: not public (Block Public Access is off). Published files will not be reachable by others until it is public.');
    expect(await buckets.textContent()).toContain('Log and run records to wb-private: not public');
    await screenshot(page, 'schedule-buckets-public');

    // The private bucket made readable by anyone: the public job's log would be public too.
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::wb-private/*' }] };
    await setup.s3.send(new PutBucketPolicyCommand({ Bucket: 'wb-private', Policy: JSON.stringify(policy) }));
    await form.getByText('Private', { exact: true }).click();
    await form.getByText('Public (checked for raw data first)').click();
    const alert = buckets.getByRole('alert');
    await eventually(() => alert.textContent()).toMatch(/^wb-private is readable by anyone \(.*its policy lets anyone read objects\), so this public job's log and run records would be public\./);
    await screenshot(page, 'schedule-buckets-refused');
    await form.getByRole('button', { name: 'Schedule' }).click();
    await eventually(() => form.locator('[role=alert]').filter({ hasText: 'readable by anyone' }).count()).toBeGreaterThan(1);
    await page.goto(`${workbench.origin}/#/schedules`);
    expect(await page.locator('tr[data-schedule="os-public"]').count()).toBe(0);
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
