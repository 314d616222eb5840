import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';

/** Left out of every package unless `.workbenchignore` re-includes them with `!`. */
export const DEFAULT_IGNORES = ['.git/', 'node_modules/', '__pycache__/', 'output/', '.venv/', '*.pyc'];
export const IGNORE_FILE = '.workbenchignore';

export type IgnoreRules = (path: string, isDir: boolean) => string | undefined;

/**
 * The folder's ignore rules: the defaults, then its `.workbenchignore` (gitignore syntax).
 * Answers why a path is ignored (for the tree's tooltip), or undefined when it is packed.
 */
export async function loadIgnoreRules(root: string): Promise<IgnoreRules> {
  const text = await readFile(join(root, IGNORE_FILE), 'utf8').catch(() => '');
  const userLines = text.split(/\r?\n/);
  const all = ignore().add(DEFAULT_IGNORES).add(userLines);
  const defaults = ignore().add(DEFAULT_IGNORES);
  return (path, isDir) => {
    const probe = isDir ? `${path}/` : path;
    if (!all.ignores(probe)) return undefined;
    if (defaults.ignores(probe)) return `default rule (${DEFAULT_IGNORES.find((r) => ignore().add(r).ignores(probe)) ?? 'built in'})`;
    const rule = userLines.find((line) => line.trim() !== '' && !line.startsWith('#') && ignore().add(line).ignores(probe));
    return `${IGNORE_FILE}${rule ? `: ${rule.trim()}` : ''}`;
  };
}
