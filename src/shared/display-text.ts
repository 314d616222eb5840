/**
 * Text from outside the app (archive entry names, remote and local file names) shown to a
 * person: in a terminal an ESC sequence would be obeyed, and in any listing a line break,
 * a bidi override (U+202E) or an invisible format character makes a name look like another.
 *
 * `printable` writes every such character as a visible escape and leaves all other text as it
 * is: C0 and C1 controls and DEL become `\xNN`; format characters (bidi marks, embeddings,
 * overrides and isolates, U+061C, zero-width characters, soft hyphen, BOM, tag characters) and
 * the line and paragraph separators U+2028/U+2029 become `\u{XXXX}`.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16).toUpperCase().padStart(4, '0')}}`;
  });
}
