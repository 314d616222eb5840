import { readFile, readdir } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * OpenSSH client configuration, read (never written): `Host` blocks with patterns, and the
 * options the workbench uses: HostName, Port, User, IdentityFile, ProxyJump. As in OpenSSH,
 * the first value found for an option wins (IdentityFile accumulates), files are read in
 * order (the app's own first, then the user's ~/.ssh/config), and `Include` is followed.
 * `Match` blocks are not evaluated: their options are ignored.
 */
export interface ConfigBlock {
  /** Host patterns; `undefined` for options before the first Host line (they apply to all). */
  patterns: string[] | undefined;
  /** True for a Match block (ignored). */
  match: boolean;
  options: [keyword: string, value: string][];
}

export interface ResolvedHost {
  /** The name the user gave (alias or address). */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Jump hosts in order, as `[user@]host[:port]`. */
  proxyJump: string[];
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** Splits `a "b c" d` into words, honouring double quotes. */
function words(value: string): string[] {
  return [...value.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

export function parseSshConfig(text: string): ConfigBlock[] {
  const blocks: ConfigBlock[] = [{ patterns: undefined, match: false, options: [] }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toLowerCase();
    const value = m[2]!;
    if (keyword === 'host') blocks.push({ patterns: words(value), match: false, options: [] });
    else if (keyword === 'match') blocks.push({ patterns: [], match: true, options: [] });
    else blocks.at(-1)!.options.push([keyword, unquote(value)]);
  }
  return blocks;
}

/** OpenSSH's wildcard match: `*` any run, `?` one character, case-insensitive. */
function wildcard(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

/** A Host line applies when some pattern matches and no negated (`!`) pattern does. */
export function hostMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns.flatMap((p) => p.split(','))) {
    if (pattern.startsWith('!')) {
      if (wildcard(pattern.slice(1), host)) return false;
    } else if (wildcard(pattern, host)) {
      matched = true;
    }
  }
  return matched;
}

export interface ConfigSource {
  path: string;
  /** Relative Include paths are resolved against this folder (~/.ssh for user files). */
  includeBase: string;
}

/** Reads one config file and its Includes into blocks; a missing file is no blocks. */
export async function loadSshConfig(source: ConfigSource, depth = 0): Promise<ConfigBlock[]> {
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch {
    return [];
  }
  const out: ConfigBlock[] = [];
  for (const block of parseSshConfig(text)) {
    const kept: ConfigBlock = { ...block, options: [] };
    out.push(kept);
    for (const [keyword, value] of block.options) {
      if (keyword !== 'include' || depth > 8) {
        kept.options.push([keyword, value]);
        continue;
      }
      for (const pattern of words(value)) {
        for (const path of await expandInclude(pattern, source.includeBase)) {
          const included = await loadSshConfig({ path, includeBase: source.includeBase }, depth + 1);
          // Included blocks apply only where the including block applies; keep them after it.
          out.push(...included.map((b) => (b.patterns === undefined ? { ...b, patterns: block.patterns, match: block.match } : b)));
        }
      }
    }
  }
  return out;
}

async function expandInclude(pattern: string, base: string): Promise<string[]> {
  const path = pattern.startsWith('~/') ? join(homedir(), pattern.slice(2)) : isAbsolute(pattern) ? pattern : join(base, pattern);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  const dir = dirname(path);
  const entries = await readdir(dir).catch(() => []);
  return entries.filter((entry) => wildcard(name, entry)).sort().map((entry) => join(dir, entry));
}

/** %h, %r, %u, %d, %% and a leading ~ in HostName and IdentityFile values. */
function expandTokens(value: string, tokens: { h: string; r: string }): string {
  const home = homedir();
  const expanded = value.replace(/%([hrud%])/g, (_, t: string) =>
    t === 'h' ? tokens.h : t === 'r' ? tokens.r : t === 'u' ? userInfo().username : t === 'd' ? home : '%',
  );
  return expanded.startsWith('~/') ? join(home, expanded.slice(2)) : expanded;
}

/** What connecting to `alias` means under these configs (first value wins, as in OpenSSH). */
export function resolveHost(alias: string, configs: ConfigBlock[][], defaults: { user: string; port?: number }): ResolvedHost {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const blocks of configs) {
    for (const block of blocks) {
      if (block.match) continue;
      if (block.patterns !== undefined && !hostMatches(block.patterns, alias)) continue;
      for (const [keyword, value] of block.options) {
        if (keyword === 'identityfile') identityFiles.push(value);
        else if (!first.has(keyword)) first.set(keyword, value);
      }
    }
  }
  const user = first.get('user') ?? defaults.user;
  const hostName = expandTokens(first.get('hostname') ?? alias, { h: alias, r: user });
  const port = Number(first.get('port') ?? defaults.port ?? 22);
  const jump = first.get('proxyjump');
  return {
    alias,
    hostName,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
    user,
    identityFiles: identityFiles.map((f) => expandTokens(f, { h: hostName, r: user })),
    proxyJump: jump && jump.toLowerCase() !== 'none' ? jump.split(',').map((j) => j.trim()).filter(Boolean) : [],
  };
}

/** `[user@]host[:port]` (a ProxyJump hop) into its parts; `[v6]:port` allowed. */
export function parseDestination(text: string): { user?: string; host: string; port?: number } {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  let rest = at >= 0 ? text.slice(at + 1) : text;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1]!;
    port = bracket[2] ? Number(bracket[2]) : undefined;
  } else if (/^[^:]+:\d+$/.test(rest)) {
    const [h, p] = rest.split(':');
    rest = h!;
    port = Number(p);
  }
  return { ...(user ? { user } : {}), host: rest, ...(port ? { port } : {}) };
}
