import { describe, expect, it } from 'vitest';
import { Settings, SettingsPatch } from '../../../src/shared/model.ts';

describe('settings patch', () => {
  it('leaves out the keys it does not name, defaults included', () => {
    expect(SettingsPatch.parse({ theme: 'dark' })).toEqual({ theme: 'dark' });
  });

  it('still changes a defaulted key when it is named', () => {
    expect(SettingsPatch.parse({ autoDownloadResults: false })).toEqual({ autoDownloadResults: false });
  });

  it('fills the default into a settings file written before the key existed', () => {
    const older = { theme: 'light', regions: ['us-east-1'], workerLifetimeHours: 24 };
    expect(Settings.parse(older).autoDownloadResults).toBe(true);
    expect(Settings.parse(older).s3CacheGb).toBe(10);
  });

  it('keeps the S3 cache size unless named, and refuses a negative one', () => {
    expect(SettingsPatch.parse({ theme: 'dark' })).toEqual({ theme: 'dark' });
    expect(SettingsPatch.parse({ s3CacheGb: 0 })).toEqual({ s3CacheGb: 0 });
    expect(() => SettingsPatch.parse({ s3CacheGb: -1 })).toThrow(/a cache size of 0 GiB or more/);
  });
});
