import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Transport } from '../workers/transport.ts';

const SKIP = /(^|\/)(__pycache__|\.pytest_cache)(\/|$)|\.pyc$/;

/** A fingerprint of resources/worker, so each version of the runtime has its own folder. */
async function fingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !SKIP.test(path))
    .sort();
  for (const path of files) {
    hash.update(`${path}\0`);
    hash.update(await readFile(join(dir, path)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * What runs on a worker (launch.sh, the map/reduce runner) installed once per version at
 * `<root>/runtime/<fingerprint>/`; a run never sees a half-updated runtime.
 */
export class WorkerRuntime {
  private version: Promise<string> | undefined;
  private readonly installed = new Map<string, Promise<string>>();

  /** `sourceDir`: resources/worker on this computer, what is installed. */
  constructor(readonly sourceDir: string) {}

  /** The runtime folder on the worker, uploading it first if this version is not there. */
  ensure(transport: Transport): Promise<string> {
    let done = this.installed.get(transport.root);
    if (!done) {
      done = this.install(transport);
      this.installed.set(transport.root, done);
      done.catch(() => this.installed.delete(transport.root));
    }
    return done;
  }

  private async install(transport: Transport): Promise<string> {
    this.version ??= fingerprint(this.sourceDir);
    const target = posix.join(transport.root, 'runtime', await this.version);
    if (await transport.exists(posix.join(target, '.complete'))) return target;
    const staging = `${target}.partial-${process.pid}-${Date.now()}`;
    await transport.uploadDir(this.sourceDir, staging, { ignore: (path) => SKIP.test(path) });
    await transport.writeFile(posix.join(staging, '.complete'), '');
    const moved = await transport.exec(['mv', '-T', staging, target]);
    // Another app instance may have installed the same version meanwhile: theirs is as good.
    if (moved.code !== 0) await transport.exec(['rm', '-rf', staging]);
    return target;
  }
}
