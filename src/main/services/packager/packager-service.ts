import { lstatSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { BuildRequest, ScanRequest, type BuildResult, type Engine, type Inspection, type PackProgress, type ScanResult, type SecretFinding, type WrapperSpec, type WrapperText } from '../../../shared/packager-model.ts';
import type { EventBus } from '../../bus.ts';
import { inspectTarball } from './inspect.ts';
import { packageEntries } from './package-entries.ts';
import { FREE_SPACE_MARGIN, humanBytes } from './package-rules.ts';
import { freeBytes } from './safe-extract.ts';
import { scanTree, type PackFile } from './scan.ts';
import { sparkPathFolder } from './spark-run.ts';
import { findingsInBuffer, findSecretsInFile, SECRET_SCAN_BYTES } from './secrets.ts';
import { writeTarGz } from './tar-write.ts';
import { generateWrapper } from './wrapper.ts';

const PROGRESS_EVERY_MS = 100;
const SECRET_SEARCH_CONCURRENCY = 8;

export interface PackagerOptions {
  bus: EventBus;
  /** resources/worker/mapreduce: bundled into packages that run a map/reduce job. */
  runnerDir: string;
  now?: () => number;
}

/** What a Test run runs of a package, once it is unpacked on a worker. */
export interface PreparedPackage {
  name: string;
  command: string[];
  /** The package's output folder, relative to where it was unpacked. */
  outputDir: string;
  /** The engine its runner call names: a Spark package needs pyspark and Java where it runs. */
  engine: Engine;
}

/**
 * Builds reproducible job tarballs from a folder, inspects any tarball, and checks packages
 * before a Test run. Secrets block a build until each is unchecked or overridden by path.
 */
export class PackagerService {
  private readonly builds = new Map<string, AbortController>();
  private readonly secretCache = new Map<string, { size: number; mtimeMs: number; findings: SecretFinding[] }>();
  private readonly now: () => number;

  constructor(private readonly options: PackagerOptions) {
    this.now = options.now ?? Date.now;
  }

  async scan(raw: unknown): Promise<ScanResult> {
    const request = ScanRequest.parse(raw);
    const tree = await scanTree(request.root, request.excluded);
    return {
      root: tree.root,
      nodes: tree.nodes,
      files: tree.files.length,
      bytes: tree.files.reduce((sum, f) => sum + f.bytes, 0),
      secrets: await this.secretsIn(tree.files),
      problems: tree.problems,
      hasRunSh: tree.files.some((f) => f.path === 'run.sh'),
    };
  }

  generateWrapper(spec: WrapperSpec): WrapperText {
    return generateWrapper(spec);
  }

  async build(raw: BuildRequest): Promise<BuildResult> {
    const request = BuildRequest.parse(raw);
    if (this.builds.has(request.buildId)) throw new WorkbenchError('BAD_INPUT', `A build ${request.buildId} is already running.`);
    const output = resolve(request.output);
    if (!/\.(tar\.gz|tgz)$/.test(output)) throw new WorkbenchError('BAD_INPUT', `The tarball's name must end in .tar.gz or .tgz, not ${basename(output)}.`);
    const inside = relative(resolve(request.root), output);
    if (!inside.startsWith('..') && !isAbsolute(inside)) throw new WorkbenchError('BAD_INPUT', 'Save the tarball outside the folder being packed.');
    const outDir = await stat(join(output, '..')).catch(() => undefined);
    if (!outDir?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `The folder for ${output} does not exist.`);
    // An existing file is replaced only when asked to; checked again just before the new one takes its name.
    const refuseExisting = () => {
      const existing = lstatSync(output, { throwIfNoEntry: false });
      if (!existing) return;
      if (!existing.isFile()) throw new WorkbenchError('BAD_INPUT', `${output} exists and is not a file; choose another name for the tarball.`);
      if (!request.force) throw new WorkbenchError('CONFLICT', `${output} already exists: choose another file, or build again allowing it to be replaced (--force for workbench pack).`);
    };
    refuseExisting();

    const tree = await scanTree(request.root, request.excluded);
    if (tree.problems.length > 0) {
      throw new WorkbenchError('FORBIDDEN', `Cannot pack ${tree.root}: ${tree.problems.map((p) => p.message).join(' ')} Uncheck or fix each.`);
    }
    // Secrets are searched in what is read for packing (one read per file, not two), and a
    // build that found any the user did not override is discarded before it gets its name.
    const overridden = new Set(request.overrides);
    const blocking: SecretFinding[] = [];
    const refuseSecrets = () => {
      if (blocking.length === 0) return;
      const list = blocking.map((s) => `${s.path} (${s.kind})`).join(', ');
      throw new WorkbenchError('FORBIDDEN', `Likely secrets in the package: ${list}. Uncheck each file, or override it by path if it is safe to ship.`);
    };
    // Without a name, the folder's (slugged): a name given keeps the package the same when the folder is renamed.
    const name = request.name ?? basename(tree.root).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 128);
    const { entries } = await packageEntries(tree, {
      name: name || 'package',
      runnerDir: this.options.runnerDir,
      ...(request.wrapper && { wrapper: generateWrapper(request.wrapper) }),
    });

    for (const file of tree.files) {
      // Empty files are not read while packing; their path alone can be a finding.
      if (file.bytes === 0 && !overridden.has(file.path)) blocking.push(...findingsInBuffer(file.path, Buffer.alloc(0)));
    }
    const files = entries.filter((e) => e.kind === 'file');
    const total = { bytes: files.reduce((sum, e) => sum + e.bytes, 0), files: files.length };
    const controller = new AbortController();
    this.builds.set(request.buildId, controller);
    const started = this.now();
    let last = 0;
    const progress = (state: PackProgress['state'], bytesDone: number, filesDone: number, message?: string) => {
      const elapsedS = (this.now() - started) / 1000;
      const rate = bytesDone / Math.max(elapsedS, 1e-3);
      const etaS = state === 'packing' && bytesDone > 0 && elapsedS > 0.2 ? (total.bytes - bytesDone) / rate : undefined;
      const event: PackProgress = { buildId: request.buildId, state, bytesDone, bytesTotal: total.bytes, filesDone, filesTotal: total.files, elapsedS, ...(etaS !== undefined && { etaS }), ...(message && { message }) };
      this.options.bus.emit('packager:progress', event, request.buildId);
    };
    try {
      progress('packing', 0, 0);
      const result = await writeTarGz(entries, {
        output,
        signal: controller.signal,
        onFileHead: (path, head) => {
          if (!overridden.has(path)) blocking.push(...findingsInBuffer(path, head.subarray(0, SECRET_SCAN_BYTES)));
        },
        beforeCommit: () => {
          refuseSecrets();
          refuseExisting();
        },
        onProgress: (bytesDone, filesDone) => {
          if (this.now() - last < PROGRESS_EVERY_MS) return;
          last = this.now();
          progress('packing', bytesDone, filesDone);
        },
      });
      progress('done', total.bytes, total.files);
      return { path: output, bytes: result.bytes, files: total.files, sha256: result.sha256, seconds: (this.now() - started) / 1000 };
    } catch (err) {
      const cancelled = err instanceof WorkbenchError && err.code === 'CANCELLED';
      progress(cancelled ? 'cancelled' : 'failed', 0, 0, (err as Error).message);
      throw err;
    } finally {
      this.builds.delete(request.buildId);
    }
  }

  /** Stops a build; its partial tarball is removed. False when no such build is running. */
  cancel(buildId: string): boolean {
    const controller = this.builds.get(buildId);
    controller?.abort();
    return controller !== undefined;
  }

  inspect(path: string): Promise<Inspection> {
    return inspectTarball(path);
  }

  /**
   * What a Test run of the package will run, refusing unsafe packages before anything is
   * written anywhere; with `unpackOn` (a folder on this computer the run will unpack it under),
   * also one that would not fit on that disk, and a Spark package when no Python here has pyspark. The run itself is resources/worker/run-job.sh's,
   * as a scheduled run's is: it unpacks the package again with its own checks (safe_extract.py).
   */
  async checkForRun(tarball: string, unpackOn?: string): Promise<PreparedPackage> {
    const info = await lstat(tarball).catch(() => undefined);
    if (!info?.isFile()) throw new WorkbenchError('NOT_FOUND', `There is no tarball ${tarball}.`);
    const inspection = await inspectTarball(tarball);
    if (inspection.problems.length > 0) {
      throw new WorkbenchError('FORBIDDEN', `Refused to run ${basename(tarball)}: ${inspection.problems.map((p) => p.message).join('; ')}.`);
    }
    if (!inspection.entryPoint) throw new WorkbenchError('BAD_INPUT', `${basename(tarball)} has no entry point: no workbench.json and no run.sh.`);
    if (unpackOn !== undefined) {
      // A Spark package runs here only with a Python that has pyspark (and Java): said now, not in the run's log.
      if (inspection.engine === 'spark') await sparkPathFolder(basename(tarball));
      // The same room the extractors leave: FREE_SPACE_MARGIN stays free.
      const where = await nearestFolder(unpackOn);
      const free = await freeBytes(where);
      if (inspection.unpackedBytes > free - FREE_SPACE_MARGIN) {
        throw new WorkbenchError('FORBIDDEN', `Refused to run ${basename(tarball)}: it unpacks to ${humanBytes(inspection.unpackedBytes)}, and the disk under ${where} has ${humanBytes(Math.max(free, 0))} free; free up space or run it on another worker.`);
      }
    }
    const name = inspection.manifest?.name ?? basename(tarball).replace(/\.(tar\.gz|tgz|tar)$/, '');
    return { name, command: inspection.entryPoint.command, outputDir: inspection.entryPoint.outputDir, engine: inspection.engine };
  }

  /** Secrets in the files, searched a few at a time; unchanged files come from the cache. */
  private async secretsIn(files: readonly PackFile[]): Promise<SecretFinding[]> {
    const found: SecretFinding[][] = new Array(files.length);
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        found[i] = await this.secretsOf(files[i]!);
      }
    };
    await Promise.all(Array.from({ length: SECRET_SEARCH_CONCURRENCY }, worker));
    return found.flat();
  }

  private async secretsOf(file: PackFile): Promise<SecretFinding[]> {
    const cached = this.secretCache.get(file.source);
    let findings = cached && cached.size === file.bytes && cached.mtimeMs === file.mtimeMs ? cached.findings : undefined;
    if (!findings) {
      findings = await findSecretsInFile(file.path, file.source);
      this.secretCache.set(file.source, { size: file.bytes, mtimeMs: file.mtimeMs, findings });
    }
    // A link packed as a copy has its own path in the package.
    return findings.map((f) => ({ ...f, path: file.path }));
  }
}

/** `dir`, or the nearest folder above it that exists (a run folder not made yet is on its parent's disk). */
async function nearestFolder(dir: string): Promise<string> {
  let at = resolve(dir);
  while (!(await stat(at).catch(() => undefined))?.isDirectory() && dirname(at) !== at) at = dirname(at);
  return at;
}
