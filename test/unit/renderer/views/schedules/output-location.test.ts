import { describe, expect, it } from 'vitest';
import { parseS3Url, s3ConsoleUrl } from '../../../../../src/renderer/src/views/schedules/output-location.ts';

describe('a scheduled run output location', () => {
  it('links an s3:// folder to its page in the S3 console', () => {
    const s3 = parseS3Url('s3://wb-private/daily-os/data/');
    expect(s3).toEqual({ bucket: 'wb-private', prefix: 'daily-os/data/' });
    expect(s3ConsoleUrl(s3!)).toBe('https://s3.console.aws.amazon.com/s3/buckets/wb-private?prefix=daily-os%2Fdata%2F');
  });

  it('links a whole bucket without a prefix', () => {
    expect(s3ConsoleUrl(parseS3Url('s3://wb-public')!)).toBe('https://s3.console.aws.amazon.com/s3/buckets/wb-public');
  });

  it('keeps a key that looks like URL syntax inside the query', () => {
    expect(s3ConsoleUrl({ bucket: 'b', prefix: 'a&b=c#d/' })).toBe('https://s3.console.aws.amazon.com/s3/buckets/b?prefix=a%26b%3Dc%23d%2F');
  });

  it('is not an S3 location for a local folder', () => {
    expect(parseS3Url('/home/ana/.local/share/analysis-workbench/published/daily-os/data/')).toBeUndefined();
  });
});
