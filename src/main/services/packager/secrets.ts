import { open } from 'node:fs/promises';
import type { SecretFinding } from '../../../shared/packager-model.ts';

/** How much of each file is searched: keys sit in config files, not deep in data. */
export const SECRET_SCAN_BYTES = 256 * 1024;

const ENV_FILE = /(^|\/)(\.env(\.[^/]*)?|[^/]+\.env)$/;
const SECRET_NAME = /(SECRET|TOKEN|PASSW(OR)?D|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)/i;

const CONTENT_RULES: { kind: string; pattern: RegExp }[] = [
  { kind: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'an AWS secret access key', pattern: /aws_secret_access_key[ \t]*[=:][ \t]*["']?[A-Za-z0-9/+=]{40}\b/i },
  { kind: 'a private key', pattern: /-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/ },
];

/** Findings from where a file is: credentials files and SSH folders are secret whatever they hold. */
export function pathFindings(path: string): SecretFinding[] {
  if (/(^|\/)\.aws\/credentials$/.test(path)) return [{ path, kind: 'an AWS credentials file' }];
  if (/(^|\/)\.ssh\//.test(path)) return [{ path, kind: 'a file from an .ssh folder' }];
  return [];
}

/**
 * Findings in the start of a file's text: key patterns, and secret-looking values in .env
 * files. Each pattern runs once over the whole text (line numbers only for a hit): this runs
 * over every file of a package, so it must cost little more than reading them.
 */
export function contentFindings(path: string, text: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const rule of CONTENT_RULES) {
    const match = rule.pattern.exec(text);
    if (match) found.push({ path, kind: rule.kind, line: lineAt(text, match.index) });
  }
  if (ENV_FILE.test(path)) {
    const lines = text.split('\n');
    const at = lines.findIndex((line) => {
      const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S.*)$/.exec(line);
      return assignment !== null && SECRET_NAME.test(assignment[1]!);
    });
    if (at >= 0) {
      const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(lines[at]!)![1]!;
      found.push({ path, kind: `a secret in an env file (${name})`, line: at + 1 });
    }
  }
  return found;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Looks like text: no NUL in the first bytes (binary data is not searched). */
function isText(data: Buffer): boolean {
  return !data.subarray(0, 8192).includes(0);
}

export function findingsInBuffer(path: string, data: Buffer): SecretFinding[] {
  return [...pathFindings(path), ...(isText(data) ? contentFindings(path, data.toString('latin1')) : [])];
}

/** Secrets in one file on disk, by its path in the package and its content. */
export async function findSecretsInFile(path: string, source: string): Promise<SecretFinding[]> {
  const handle = await open(source, 'r');
  try {
    const data = Buffer.alloc(SECRET_SCAN_BYTES);
    const { bytesRead } = await handle.read(data, 0, data.length, 0);
    return findingsInBuffer(path, data.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
