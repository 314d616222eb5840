import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from '../../../../../src/main/services/ssh/shell-quote.ts';

const run = promisify(execFile);

const AWKWARD = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  "'",
  '"double"',
  'line\nbreak',
  '\n',
  '-rf',
  '--',
  '$HOME',
  '`id`',
  '$(id)',
  'back\\slash',
  'a\\',
  'glob*?[a]',
  'semi;colon&amp|pipe>redirect<',
  'tab\there',
  '~user',
  'ünïcødé 文件 🚀',
  '!history',
  '{brace,expansion}',
  '#comment',
  '\r\u0007\u001b[31m',
];

/** What `sh` (dash on Debian) actually receives as $1 .. $n. */
async function throughShell(shell: string, words: string[]): Promise<string[]> {
  // printf prints each argument followed by NUL, which no argument can contain.
  const { stdout } = await run(shell, ['-c', `printf '%s\\0' ${shellCommand(words)}`], { encoding: 'buffer' });
  return stdout.toString('utf8').split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('wraps in single quotes and escapes only single quotes', () => {
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('-n')).toBe("'-n'");
    expect(shellQuote('$x\n`y`')).toBe("'$x\n`y`'");
  });

  it('refuses NUL, which no path can contain', () => {
    expect(() => shellQuote('a\0b')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  for (const shell of ['sh', 'bash']) {
    it(`round-trips awkward words through ${shell} unchanged, one argument each`, async () => {
      expect(await throughShell(shell, AWKWARD)).toEqual(AWKWARD);
    });
  }

  it('round-trips random printable and control characters through sh', async () => {
    const words = Array.from({ length: 50 }, () =>
      Array.from(randomBytes(24), (b) => String.fromCharCode(b % 127 === 0 ? 1 : b % 127)).join(''),
    );
    words.push("'''\\''\"\"\n\n'");
    expect(await throughShell('sh', words)).toEqual(words);
  });

  it('keeps a leading dash an argument, so `--` before it is all a command needs', async () => {
    const { stdout } = await run('sh', ['-c', `ls -d -- ${shellQuote('-not-an-option')} 2>&1 || true`]);
    expect(stdout).toContain('-not-an-option');
    expect(stdout).toMatch(/No such file/);
  });
});
