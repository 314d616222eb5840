import { describe, expect, it } from 'vitest';
import { baseName, describeProgress, formatEta, formatSpeed } from '../../../../../src/renderer/src/views/files/transfer-format.ts';

describe('transfer progress text', () => {
  it('says time left in seconds, minutes or hours', () => {
    expect(formatEta(0.4)).toBe('0 s');
    expect(formatEta(42)).toBe('42 s');
    expect(formatEta(185)).toBe('3 min 5 s');
    expect(formatEta(4800)).toBe('1 h 20 min');
  });

  it('leaves out speed and time left until there is a speed', () => {
    expect(describeProgress(0, 0, 0, undefined)).toBe('0 B');
    expect(describeProgress(512, 2048, 0, undefined)).toBe('512 B of 2.0 KB');
    expect(describeProgress(1024 * 1024, 4 * 1024 * 1024, 1024 * 1024, 3)).toBe('1.0 MB of 4.0 MB · 1.0 MB/s · 3 s left');
    expect(formatSpeed(1536.4)).toBe('1.5 KB/s');
  });

  it('names a file by the last part of its path, on either kind of system', () => {
    expect(baseName('/home/me/report "1".csv')).toBe('report "1".csv');
    expect(baseName('/home/me/data dir/')).toBe('data dir');
    expect(baseName('C:\\Users\\me\\data.bin')).toBe('data.bin');
    expect(baseName('/')).toBe('/');
  });
});
