import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Manifest, type Inspection, type SecretFinding, type TarEntry } from '../../../shared/packager-model.ts';
import { findingsInBuffer, SECRET_SCAN_BYTES } from './secrets.ts';
import { isPlainFile, PackageCheck } from './package-rules.ts';
import { fileChunks, openArchive, readStart, readTar } from './tar-read.ts';
import { entryEngine, entryPointProblems } from './entry-point.ts';
import { MANIFEST_NAME } from './wrapper.ts';

const MAX_LISTED = 5000;
/** A hostile archive can hold a million bad entries; the first thousand make the point. */
const MAX_FINDINGS = 1000;
const MAX_MANIFEST = 64 * 1024;
/** Scripts whose start is kept to check the entry point (run.sh always, others up to this many). */
const MAX_SCRIPTS = 64;
const SCRIPT_BYTES = 64 * 1024;

export async function sha256OfFile(source: string | FileHandle): Promise<string> {
  const handle = typeof source === 'string' ? await openArchive(source) : source;
  const hash = createHash('sha256');
  try {
    for await (const chunk of fileChunks(handle)) hash.update(chunk);
  } finally {
    if (typeof source === 'string') await handle.close();
  }
  return hash.digest('hex');
}

/**
 * What a tarball holds and how it would run: its entries with sizes, its entry point (the
 * manifest's command, else run.sh), and the same problems the packer refuses (unsafe entries,
 * secrets), by the package rules every extractor applies. Streams the archive once; only the
 * first bytes of each file are kept, to search. A package past the size limit is read no
 * further than the entry that takes it there.
 */
export async function inspectTarball(pathArg: string): Promise<Inspection> {
  const path = resolve(pathArg);
  const handle = await openArchive(path);
  try {
    return await inspectOpen(path, handle);
  } finally {
    await handle.close();
  }
}

async function inspectOpen(path: string, handle: FileHandle): Promise<Inspection> {
  const entries: TarEntry[] = [];
  const problems: Inspection['problems'] = [];
  const secrets: SecretFinding[] = [];
  const check = new PackageCheck();
  let files = 0;
  let total = 0;
  let stopped = false;
  let manifestProblem: string | undefined;
  let manifest: Manifest | undefined;
  let hasRunSh = false;
  // For the entry-point checks: every plain file's mode, and the start of each script.
  const modes = new Map<string, number>();
  const texts = new Map<string, string>();
  const { compressed } = await readTar(handle, async (header, body) => {
    if (header.path === '' && header.type === 'directory') return;
    total += 1;
    const problem = check.problem(header);
    if (problem && problems.length < MAX_FINDINGS) problems.push({ kind: 'unsafe', path: header.raw, message: `${header.raw} ${problem}` });
    if (entries.length < MAX_LISTED) {
      entries.push({ path: header.raw, type: header.type, bytes: header.size, mode: header.mode, ...(header.linkname !== undefined && { linkname: header.linkname }), ...(problem && { problem }) });
    }
    if (check.overLimit) {
      stopped = true;
      return 'stop';
    }
    if (!isPlainFile(header)) return;
    files += 1;
    if (header.path === 'run.sh' && !problem) hasRunSh = true;
    if (!problem) modes.set(header.path, header.mode);
    const start = await readStart(body, SECRET_SCAN_BYTES);
    if (!problem && (header.path === 'run.sh' || (texts.size < MAX_SCRIPTS && isScript(header.path, start)))) texts.set(header.path, start.subarray(0, SCRIPT_BYTES).toString('utf8'));
    if (secrets.length < MAX_FINDINGS) secrets.push(...findingsInBuffer(header.path, start));
    if (header.path === MANIFEST_NAME) {
      const parsed = header.size <= MAX_MANIFEST ? parseManifest(start) : undefined;
      if (parsed) manifest = parsed;
      else manifestProblem = `${MANIFEST_NAME} is not a valid package manifest: rebuild the package with the Packager or "workbench pack", or remove ${MANIFEST_NAME} so that run.sh is the entry point`;
    }
  }, path);
  if (manifestProblem) problems.push({ kind: 'entry-point', path: MANIFEST_NAME, message: manifestProblem });
  const entryPoint = manifest
    ? { command: manifest.command, outputDir: manifest.outputDir, from: 'manifest' as const }
    : hasRunSh
      ? { command: ['sh', 'run.sh'], outputDir: 'output', from: 'run.sh' as const }
      : undefined;
  // What the entry point needs is only judged in a package whose entries are all safe.
  if (entryPoint && problems.length === 0) problems.push(...entryPointProblems(entryPoint.command, { modes, texts }));
  return {
    path,
    bytes: (await handle.stat()).size,
    sha256: await sha256OfFile(handle),
    compressed,
    entries,
    truncated: stopped || total > entries.length,
    files,
    unpackedBytes: check.unpackedBytes,
    ...(manifest && { manifest }),
    ...(entryPoint && { entryPoint }),
    engine: entryPoint ? entryEngine(entryPoint.command, { modes, texts }) : 'local',
    problems,
    secrets,
  };
}

/** A shell script (by name or #! line), kept to see what an entry point that runs it needs. */
function isScript(path: string, start: Buffer): boolean {
  return path.endsWith('.sh') || (start[0] === 0x23 && start[1] === 0x21);
}

function parseManifest(data: Buffer): Manifest | undefined {
  try {
    const parsed = Manifest.safeParse(JSON.parse(data.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
