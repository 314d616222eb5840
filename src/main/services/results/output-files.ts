import { createReadStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { WorkbenchError } from '../../../shared/errors.ts';
import { outputPath } from '../jobs/run-outputs.ts';

export interface OutputFile {
  name: string;
  bytes: number;
}

/**
 * The regular files under `dir`, as names relative to it ("a/b.csv"), sorted; links are not
 * followed (a link planted in a published folder does not lead the app elsewhere). Empty when
 * the folder does not exist.
 */
export async function listFiles(dir: string): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, ...rel.split('/').filter(Boolean)), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      throw err;
    });
    for (const entry of entries) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) out.push({ name, bytes: (await lstat(join(dir, ...name.split('/')))).size });
    }
  };
  await walk('');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `dir/name` for a name from a listing, refused when it would lead out of `dir`. */
export function fileIn(dir: string, name: string): string {
  return join(dir, ...outputPath('.', name).split('/').filter((p) => p !== '.'));
}

/**
 * The first `maxBytes` of a file as text; a `.gz` file is read unpacked (published output is
 * often gzipped), only as far as needed, so a file of gigabytes is never read whole.
 */
export async function readStart(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) throw new WorkbenchError('NOT_FOUND', `${basename(path)} is not in ${dirname(path)}; open the run again.`);
  if (!path.endsWith('.gz')) {
    const handle = await open(path, 'r');
    try {
      const data = Buffer.alloc(Math.min(maxBytes, info.size));
      const { bytesRead } = await handle.read(data, 0, data.length, 0);
      return { text: data.subarray(0, bytesRead).toString('utf8'), truncated: info.size > maxBytes };
    } finally {
      await handle.close();
    }
  }
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  const gunzip = createGunzip();
  const source = createReadStream(path);
  source.on('error', (err) => gunzip.destroy(err));
  try {
    for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      kept += chunk.length;
      if (kept > maxBytes) {
        truncated = true;
        break;
      }
    }
  } catch (err) {
    throw new WorkbenchError('BAD_INPUT', `${basename(path)} is not a readable gzip file (${(err as Error).message}).`);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return { text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'), truncated };
}
