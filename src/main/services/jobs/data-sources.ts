import { opendir, readdir, readFile, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, posix, relative, sep } from 'node:path';
import { z } from 'zod';
import { GetBucketLocationCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { DataSource, dataLocation, estimateSeconds, MatchPreviewRequest, parseS3Url, SavedDataSources, transferCost, type MatchPreview, type UploadProgress } from '../../../shared/data-source.ts';
import { WorkbenchError } from '../../../shared/errors.ts';
import { allowsAny, DIRECTORY_LEVELS, fileMatches, filterMatchers, type LevelMatch } from '../../../shared/filter-match.ts';
import { awsClientConfig } from '../credentials/aws-clients.ts';
import { awsError } from '../credentials/aws-errors.ts';
import type { CredentialsService } from '../credentials/credentials-service.ts';
import type { DocumentSpec, DocumentStore } from '../store/document-store.ts';
import type { Transport } from '../workers/transport.ts';

export const DATA_SOURCES_DOCUMENT: DocumentSpec<DataSource[]> = {
  name: 'data-sources',
  version: 1,
  schema: SavedDataSources,
  defaults: () => [],
  holds: 'the list of saved data sources (add them again under Settings → Data sources)',
};

/** Where a worker runs, for the estimate and the transfer cost. */
export interface WorkerPlace {
  cores: number;
  /** The AWS region of an EC2 worker; undefined for this computer and SSH workers (reads cross the internet). */
  region?: string | undefined;
}

export interface DataSourceServiceOptions {
  store: DocumentStore;
  credentials: CredentialsService;
  /** Cores and region of a worker ('local' is this computer). */
  workerPlace: (workerId: string) => Promise<WorkerPlace>;
  env?: NodeJS.ProcessEnv;
  /** A folder on a remote worker, listed there by the runner itself (listOnWorker). */
  workerFolder?: (workerId: string, path: string, filter: string) => Promise<{ files: number; bytes: number; first: string[]; prefixesListed: number }>;
  /** The filter.json of a job (example or folder), for a preview that names no filter. */
  jobFilter?: (job: NonNullable<MatchPreviewRequest['job']>) => Promise<string>;
  /** Tests count the S3 calls a listing makes. */
  onS3Client?: (client: S3Client) => void;
}

/** One S3 listing of a run's input: what it found and how many ListObjectsV2 calls it took. */
interface Listing {
  keys: { key: string; size: number }[];
  prefixesListed: number;
  listCalls: number;
}

/**
 * Saved data sources (Settings lists them) and "what the filter matches" for a source: the
 * files a run would read, found the way the runner finds them (resources/worker/mapreduce/
 * inputs.py): level by level, descending only into folders or prefixes the filter allows.
 * S3 is listed with the active AWS profile and region of Settings.
 */
export class DataSourceService {
  constructor(private readonly options: DataSourceServiceOptions) {}

  list(): Promise<DataSource[]> {
    return this.options.store.read(DATA_SOURCES_DOCUMENT);
  }

  /** Saves a source after checking it can be read: the folder exists here, the S3 location can be listed. */
  async add(source: DataSource): Promise<DataSource[]> {
    await this.check(source);
    return this.options.store.update(DATA_SOURCES_DOCUMENT, (all) => {
      const where = dataLocation(source);
      if (source.name && all.some((s) => s.name === source.name && dataLocation(s) !== where)) {
        throw new WorkbenchError('CONFLICT', `A data source named "${source.name}" is saved already; give this one another name.`);
      }
      return [...all.filter((s) => dataLocation(s) !== where), source];
    });
  }

  async remove(location: string): Promise<DataSource[]> {
    return this.options.store.update(DATA_SOURCES_DOCUMENT, (all) => all.filter((s) => dataLocation(s) !== location));
  }

  /** Throws, saying what to fix, unless the source can be read from this computer. */
  async check(source: DataSource): Promise<void> {
    if (source.kind === 'folder') {
      const info = await stat(source.path).catch(() => undefined);
      if (!info?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `There is no folder ${source.path} on this computer; give the folder that holds the data set (its first level is the reason, such as saved_session).`);
      return;
    }
    const { bucket, prefix } = this.s3Location(source.url);
    await this.withS3(`list s3://${bucket}/${prefix}`, async (s3) => {
      await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    });
  }

  /**
   * Copies a local data set (every file, same relative keys) to `url`, after a listing proves the
   * bucket is there and readable; a failed PUT stops the copy and says which key and why.
   */
  async upload(localDir: string, url: string, progress: (p: UploadProgress) => void): Promise<UploadProgress> {
    const { bucket, prefix } = this.s3Location(url);
    const files: { path: string; key: string; size: number }[] = [];
    const info = await stat(localDir).catch(() => undefined);
    if (!info?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `There is no data set at ${localDir}; generate it first (workbench sample-data).`);
    for (const entry of await readdir(localDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      files.push({ path, key: `${prefix}${relative(localDir, path).split(sep).join('/')}`, size: (await stat(path)).size });
    }
    files.sort((a, b) => (a.key < b.key ? -1 : 1));
    const state: UploadProgress = { to: url, files: 0, filesTotal: files.length, bytes: 0, bytesTotal: files.reduce((s, f) => s + f.size, 0) };
    return this.withS3(`write to s3://${bucket}/${prefix}`, async (s3) => {
      await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
      progress({ ...state });
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const file = files[next++] as (typeof files)[number];
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: await readFile(file.path), ContentLength: file.size }));
          state.files += 1;
          state.bytes += file.size;
          progress({ ...state });
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, files.length) }, worker));
      return { ...state };
    });
  }

  /** What the filter matches in the source, with the run-time estimate on the worker and, for S3, the transfer cost. */
  async preview(input: MatchPreviewRequest): Promise<MatchPreview> {
    const request = MatchPreviewRequest.parse(input);
    let matchers: LevelMatch[];
    const filter = request.filter ?? (request.job && (await this.options.jobFilter?.(request.job)));
    if (filter === undefined) throw new WorkbenchError('BAD_INPUT', 'Give the filter, or the job whose filter.json applies.');
    try {
      matchers = filterMatchers(filter);
    } catch (err) {
      throw new WorkbenchError('BAD_INPUT', (err as Error).message);
    }
    const place = await this.options.workerPlace(request.worker);
    const cores = Math.max(1, Math.floor(place.cores));
    if (request.source.kind === 'folder') {
      if (request.worker !== 'local') {
        if (!this.options.workerFolder) throw new WorkbenchError('BAD_INPUT', `A folder on a worker is not listed from here; the run lists ${request.source.path} there.`);
        const there = await this.options.workerFolder(request.worker, request.source.path, filter);
        return { ...there, first: there.first.slice(0, request.first), cores, estimateSeconds: estimateSeconds(there.bytes, cores) };
      }
      const found = await listFolder(request.source.path, matchers);
      const bytes = found.files.reduce((sum, f) => sum + f.size, 0);
      return { files: found.files.length, bytes, first: found.files.slice(0, request.first).map((f) => f.key), prefixesListed: found.prefixesListed, cores, estimateSeconds: estimateSeconds(bytes, cores) };
    }
    const { bucket, prefix } = this.s3Location(request.source.url);
    return this.withS3(`list s3://${bucket}/${prefix}`, async (s3, ref) => {
      const listing = await listS3(s3, bucket, prefix, matchers);
      const bytes = listing.keys.reduce((sum, k) => sum + k.size, 0);
      const region = await bucketRegion(s3, bucket).catch((err: unknown) => {
        throw awsError(err, `read the region of bucket ${bucket}`, ref);
      });
      return {
        files: listing.keys.length,
        bytes,
        first: listing.keys.slice(0, request.first).map((k) => k.key),
        prefixesListed: listing.prefixesListed,
        cores,
        estimateSeconds: estimateSeconds(bytes, cores),
        cost: transferCost(listing.keys.length, bytes, listing.listCalls, region, place.region),
      };
    });
  }

  private s3Location(url: string): { bucket: string; prefix: string } {
    const parsed = parseS3Url(url);
    if (!parsed) throw new WorkbenchError('BAD_INPUT', `${url} is not an S3 location; write it as s3://BUCKET/PREFIX.`);
    return parsed;
  }

  private async withS3<T>(what: string, use: (s3: S3Client, ref: string) => Promise<T>): Promise<T> {
    const profile = await this.options.credentials.describe();
    const region = await this.options.credentials.region(profile.ref);
    const s3 = new S3Client(awsClientConfig(region, await this.options.credentials.provider(profile.ref), this.options.env));
    this.options.onS3Client?.(s3);
    try {
      return await use(s3, profile.ref);
    } catch (err) {
      throw s3Error(err, what, profile.ref, region);
    } finally {
      s3.destroy();
    }
  }
}

/** The S3 failures a data source meets, in words that say what to fix. */
function s3Error(err: unknown, what: string, ref: string, region: string): WorkbenchError {
  if (err instanceof WorkbenchError) return err;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.name ?? e.Code ?? '';
  const bucket = /s3:\/\/([^/]+)/.exec(what)?.[1] ?? '';
  if (code === 'NoSuchBucket') return new WorkbenchError('NOT_FOUND', `There is no bucket ${bucket} (asked in ${region}); check the bucket's name.`, { cause: err });
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
    return new WorkbenchError('BAD_INPUT', `The bucket ${bucket} is in another region than ${region}; set the region of the AWS profile in Settings → AWS to the bucket's region.`, { cause: err });
  }
  return awsError(err, what, ref);
}

/**
 * The bucket's region, from HeadBucket (allowed by s3:ListBucket, which a reader has anyway),
 * else from GetBucketLocation, which needs a permission of its own.
 */
async function bucketRegion(s3: S3Client, bucket: string): Promise<string> {
  const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  if (head.BucketRegion) return head.BucketRegion;
  const answer = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
  // No constraint means us-east-1; "EU" is the old name of eu-west-1.
  const constraint = answer.LocationConstraint as string | undefined;
  return !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
}

/**
 * Lists the v2 layout under `prefix` level by level with "/" as delimiter: at each of the four
 * folder levels only the common prefixes the filter allows are listed further (each whole once
 * every level below passes any value), and at the bottom the data files whose build id and date pass. Keys are returned whole (as the runner names them), sorted.
 */
export async function listS3(s3: S3Client, bucket: string, prefix: string, matchers: LevelMatch[]): Promise<Listing> {
  const keys: { key: string; size: number }[] = [];
  let prefixesListed = 0;
  let listCalls = 0;
  const listOne = async (at: string, level: number, flat: boolean): Promise<string[]> => {
    prefixesListed += 1;
    const below: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: at, ...(!flat && { Delimiter: '/' }), ...(token && { ContinuationToken: token }) }));
      listCalls += 1;
      if (flat) {
        // Every folder level below passes any value: the keys themselves say where they are.
        for (const object of page.Contents ?? []) {
          const parts = (object.Key ?? '').slice(at.length).split('/');
          if (parts.length !== DIRECTORY_LEVELS - level + 1) continue;
          if (parts.slice(0, -1).some((name) => name === '' || name === '.' || name === '..')) continue;
          if (fileMatches(matchers, parts.at(-1) as string)) keys.push({ key: object.Key as string, size: object.Size ?? 0 });
        }
      } else if (level < DIRECTORY_LEVELS) {
        for (const common of page.CommonPrefixes ?? []) {
          const name = (common.Prefix ?? '').slice(at.length, -1);
          if (name && (matchers[level] as LevelMatch)(name)) below.push(common.Prefix as string);
        }
      } else {
        for (const object of page.Contents ?? []) {
          const name = (object.Key ?? '').slice(at.length);
          if (fileMatches(matchers, name)) keys.push({ key: object.Key as string, size: object.Size ?? 0 });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return below;
  };
  let level = [prefix];
  for (let depth = 0; depth <= DIRECTORY_LEVELS; depth += 1) {
    // Once every folder level below passes any value, each prefix is listed whole (a page per
    // 1,000 keys) instead of folder by folder, as the runner does.
    const flat = depth < DIRECTORY_LEVELS && matchers.slice(depth, DIRECTORY_LEVELS).every(allowsAny);
    const next: string[] = [];
    // A few listings at once: each level's prefixes are independent.
    for (let i = 0; i < level.length; i += 8) {
      const pages = await Promise.all(level.slice(i, i + 8).map((at) => listOne(at, depth, flat)));
      for (const below of pages) next.push(...below);
    }
    if (flat) break;
    level = next;
  }
  keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { keys, prefixesListed, listCalls };
}

/** The same walk on disk: folders the filter refuses are not opened. */
export async function listFolder(root: string, matchers: LevelMatch[]): Promise<{ files: { key: string; size: number }[]; prefixesListed: number }> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `There is no folder ${root} on this computer; give the folder that holds the data set.`);
  const files: { key: string; size: number }[] = [];
  let prefixesListed = 0;
  const walk = async (dir: string, rel: string, level: number): Promise<void> => {
    prefixesListed += 1;
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (level < DIRECTORY_LEVELS && (matchers[level] as LevelMatch)(entry.name)) await walk(path, `${rel}${entry.name}/`, level + 1);
      } else if (entry.isFile() && level === DIRECTORY_LEVELS && fileMatches(matchers, entry.name)) {
        files.push({ key: `${rel}${entry.name}`, size: (await stat(path)).size });
      }
    }
  };
  await walk(root, '', 0);
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files, prefixesListed };
}

/** This computer's cores. */
export function localCores(): number {
  return cpus().length || 1;
}

/** Variables that name AWS credentials; cleared where a profile decides, since boto3 prefers them to AWS_PROFILE. */
const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The environment of a runner on this computer that reads S3 with the active profile and region
 * of Settings: a shared-file profile by name (AWS_PROFILE; boto3 reads the same files), keys
 * entered in the app as AWS_ACCESS_KEY_ID/… of that process only, the environment's keys as they
 * are. Never given to a remote worker.
 */
export async function runnerS3Env(credentials: CredentialsService): Promise<Record<string, string | undefined>> {
  const profile = await credentials.describe();
  const region = await credentials.region(profile.ref);
  const env: Record<string, string | undefined> = { AWS_REGION: region, AWS_DEFAULT_REGION: region };
  if (profile.ref.startsWith('profile:')) {
    for (const name of KEY_VARIABLES) env[name] = undefined;
    env['AWS_PROFILE'] = profile.ref.slice('profile:'.length);
  } else if (profile.ref.startsWith('stored:')) {
    const keys = await (await credentials.provider(profile.ref))();
    env['AWS_PROFILE'] = undefined;
    env['AWS_ACCESS_KEY_ID'] = keys.accessKeyId;
    env['AWS_SECRET_ACCESS_KEY'] = keys.secretAccessKey;
    env['AWS_SESSION_TOKEN'] = keys.sessionToken;
  }
  return env;
}

const ListOnly = z.object({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), first: z.array(z.string()), prefixesListed: z.number().int().nonnegative() });

/**
 * What a filter matches in a folder ON a worker: the runner there lists it (`--list-only`, the
 * same walk as a run's), from a scratch folder of the worker's own that is removed afterwards.
 */
export async function listOnWorker(transport: Transport, runtimeDir: string, path: string, filter: string, workerName: string): Promise<z.infer<typeof ListOnly>> {
  const dir = posix.join(transport.root, 'tmp', `match-${randomBytes(6).toString('hex')}`);
  await transport.mkdir(dir);
  try {
    await transport.writeFile(posix.join(dir, 'filter.json'), filter);
    await transport.writeFile(posix.join(dir, 'job.py'), '');
    const answer = await transport.exec(['env', `PYTHONPATH=${runtimeDir}`, 'python3', '-m', 'mapreduce.job', posix.join(dir, 'job.py'), '--input-filter', posix.join(dir, 'filter.json'), '--data-dir', path, '--list-only'], { timeoutMs: 120_000 });
    if (answer.code !== 0) {
      const why = answer.stderr.trim().split('\n').at(-1)?.replace(/^error: /, '') ?? `exit ${answer.code}`;
      throw new WorkbenchError('NOT_FOUND', `${workerName} could not list ${path}: ${why}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.stdout.trim().split('\n').at(-1) ?? '');
    } catch {
      parsed = undefined;
    }
    const listing = ListOnly.safeParse(parsed);
    if (!listing.success) throw new WorkbenchError('INTERNAL', `The runner on ${workerName} answered the listing with something else than its summary line.`);
    return listing.data;
  } finally {
    await transport.exec(['rm', '-rf', '--', dir], { timeoutMs: 30_000 }).catch(() => undefined);
  }
}
