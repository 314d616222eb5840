import { describe, expect, it } from 'vitest';
import { jobOutputTail, runJobArgs, type RunJobSpec } from '../../../../../src/main/services/jobs/run-job.ts';

const spec: RunJobSpec = {
  job: 'daily-os',
  runId: '20261207-120000-abcdef',
  tarball: '/w/runs/20261207-120000-abcdef/in/pkg.tar.gz',
  command: 'sh run.sh',
  outputDir: 'output',
  timeoutSeconds: 7200,
  publish: '/w/published/daily-os',
  visibility: 'private',
};

/** The value after `flag` in argv, undefined when the flag is not there. */
const valueOf = (argv: string[], flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);

describe("run-job.sh's arguments, the same for a Test run and a schedule", () => {
  it('passes every value as its own argument, the data folder only when there is one', () => {
    const argv = runJobArgs({ ...spec, dataDir: '/data/sample data', scheduledFor: new Date('2026-12-07T12:00:00Z') });
    expect(argv).toEqual([
      '--job', 'daily-os', '--run-id', '20261207-120000-abcdef', '--code', spec.tarball, '--command', 'sh run.sh',
      '--output-dir', 'output', '--timeout-minutes', '120', '--publish', '/w/published/daily-os', '--visibility', 'private',
      '--data-dir', '/data/sample data', '--scheduled-for', '2026-12-07T12:00:00.000Z',
    ]);
    expect(valueOf(runJobArgs(spec), '--data-dir')).toBeUndefined();
  });

  it('gives a timeout finer than minutes in seconds, and whole minutes as run-job.sh requires them', () => {
    const argv = runJobArgs({ ...spec, timeoutSeconds: 30 });
    expect([valueOf(argv, '--timeout-minutes'), valueOf(argv, '--timeout-seconds')]).toEqual(['1', '30']);
    const long = runJobArgs({ ...spec, timeoutSeconds: 90.4 });
    expect([valueOf(long, '--timeout-minutes'), valueOf(long, '--timeout-seconds')]).toEqual(['2', '90']);
  });

  it("a failure's tail is the job's own last lines, without run-job.sh's notes", () => {
    const log = [
      '[run-job 2026-12-07T12:00:00Z] running: sh run.sh',
      'reading the data',
      '@progress {"phase": "map"}',
      'Traceback: it broke',
      '[run-job 2026-12-07T12:00:01Z] the command ended with exit code 1',
      'run 20261207-120000-abcdef of daily-os: failed; record in /w/published/daily-os/runs/20261207-120000-abcdef.json',
      '',
    ].join('\n');
    expect(jobOutputTail(log, '20261207-120000-abcdef')).toBe('reading the data\nTraceback: it broke');
  });
});
