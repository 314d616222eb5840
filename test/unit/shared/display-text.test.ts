import { describe, expect, it } from 'vitest';
import { printable } from '../../../src/shared/display-text.ts';

describe('printable', () => {
  it('leaves ordinary names alone, whatever their script', () => {
    for (const name of ['run.sh', 'data/part-0001.csv', 'résumé.txt', 'данные.json', 'ملف.txt', '数据.csv', 'emoji 🎉.png', 'a\\b', '']) {
      expect(printable(name)).toBe(name);
    }
  });

  it('shows terminal escape sequences and other C0 controls as \\xNN', () => {
    expect(printable('\x1b[2J\x1b]0;pwned\x07evil.sh')).toBe('\\x1b[2J\\x1b]0;pwned\\x07evil.sh');
    expect(printable('a\nb\rc\td\0e')).toBe('a\\x0ab\\x0dc\\x09d\\x00e');
  });

  it('shows DEL and the C1 controls (CSI U+009B included) as \\xNN', () => {
    expect(printable('a\x7fb')).toBe('a\\x7fb');
    expect(printable('\u009b2J\u0085')).toBe('\\x9b2J\\x85');
  });

  it('shows bidi marks, overrides, isolates and the Arabic letter mark as \\u{XXXX}', () => {
    expect(printable('invoice\u202Efdp.exe')).toBe('invoice\\u{202E}fdp.exe');
    expect(printable('\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u061C')).toBe(
      '\\u{200E}\\u{200F}\\u{202A}\\u{202B}\\u{202C}\\u{202D}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{061C}',
    );
  });

  it('shows invisible format characters and line separators, so two names never look the same', () => {
    expect(printable('run\u200B.sh')).toBe('run\\u{200B}.sh');
    expect(printable('\uFEFFa\u00ADb')).toBe('\\u{FEFF}a\\xadb');
    expect(printable('a\u2028b\u2029c')).toBe('a\\u{2028}b\\u{2029}c');
    expect(printable('tag\u{E0041}')).toBe('tag\\u{E0041}');
    expect(printable('run\u200B.sh')).not.toBe(printable('run.sh'));
  });

  it('gives one line of text for any input', () => {
    let every = '';
    for (let code = 0; code < 0x3000; code += 1) every += String.fromCodePoint(code);
    const shown = printable(every);
    for (const ch of ['\n', '\r', '\u0085', '\u2028', '\u2029', '\x1b', '\u202E']) expect(shown).not.toContain(ch);
  });
});
