import { describe, expect, it } from 'vitest';
import { parsePort } from '../../../src/main/web-host.ts';

describe('workbench web --port', () => {
  it('takes plain port numbers, 0 meaning a free one', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8600')).toBe(8600);
    expect(parsePort('65535')).toBe(65535);
  });

  it('refuses spellings that Number() would read as a port, naming what was given', () => {
    for (const junk of ['', ' 0', '+0', '0x0', '0e0', '8600 ', '1.0', '-1', '65536', '99999', 'abc']) {
      expect(() => parsePort(junk), JSON.stringify(junk)).toThrow(`--port must be a whole number from 0 to 65535 (0 picks a free port), not "${junk}".`);
    }
  });

  it('shows control characters in a refused value as escapes', () => {
    expect(() => parsePort('\u001b[31m')).toThrow('not "\\x1b[31m"');
  });
});
