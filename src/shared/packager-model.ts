import { z } from 'zod';

/**
 * The packager's shapes (tarball build, inspect, test run). Kept apart from model.ts so the
 * packager's types live in one place; contract.ts names the calls that use them.
 */

/** A path inside a package: relative, forward slashes, no `..`. */
export const PackagePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative path inside the package');

/** An id the UI picks for a build, so it can follow its progress and cancel it. */
export const BuildId = z.string().regex(/^[A-Za-z0-9-]{6,64}$/, 'a build id (letters, digits, dashes)');

export const SecretFinding = z.object({
  path: z.string(),
  /** What was found, for people: "an AWS access key id", "a private key" ... */
  kind: z.string(),
  /** Where in the file (1-based line), when it is about the content. */
  line: z.number().int().optional(),
});
export type SecretFinding = z.infer<typeof SecretFinding>;

export const ScanNode = z.object({
  path: z.string(),
  kind: z.enum(['dir', 'file', 'link', 'other']),
  /** Bytes of a file; of a folder, the sum of what it holds that is included. */
  bytes: z.number(),
  /** Why a rule leaves it out (`.workbenchignore: *.csv`, `default: node_modules`). */
  ignored: z.string().optional(),
  /** Unchecked by the user (or inside an unchecked folder). */
  excluded: z.boolean().default(false),
  /** Why it cannot be packed (a link pointing outside, a device ...). */
  problem: z.string().optional(),
});
export type ScanNode = z.infer<typeof ScanNode>;

export const ScanRequest = z
  .object({
    root: z.string().min(1).max(4096),
    /** Paths the user unchecked; a folder takes everything under it. */
    excluded: z.array(PackagePath).max(10_000).default([]),
  })
  .strict();

export const ScanResult = z.object({
  root: z.string(),
  nodes: z.array(ScanNode),
  files: z.number(),
  bytes: z.number(),
  secrets: z.array(SecretFinding),
  /** Entries that make the folder impossible to pack until removed. */
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
  /** The folder's own run.sh, when it has one (an entry point without a generated wrapper). */
  hasRunSh: z.boolean(),
});
export type ScanResult = z.infer<typeof ScanResult>;

const ShellArg = z.string().max(4096);

/**
 * How the map/reduce runner runs a job: its own processes on one machine (`local`), or on
 * Apache Spark through pyspark (`spark`, `--engine spark`), where the job's Python needs pyspark and Java.
 */
export const Engine = z.enum(['local', 'spark']);
export type Engine = z.infer<typeof Engine>;

/** The engines as people read them. */
export const ENGINE_LABEL: Record<Engine, string> = { local: 'Local processes', spark: 'Spark' };

/** What the generated run.sh runs after the user's setup lines. */
export const WrapperSpec = z
  .object({
    /** Setup lines (package installs ...), written as the user typed them. */
    setup: z.string().max(100_000).default(''),
    job: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('mapreduce'),
          script: PackagePath.default('job.py'),
          filter: PackagePath.default('filter.json'),
          mappers: z.number().int().min(1).max(256).default(4),
          reducers: z.number().int().min(1).max(256).default(1),
          /** The runner's engine, written into run.sh's runner call as `--engine spark` (local: nothing written). */
          engine: Engine.default('local'),
          /**
           * The data to read, a local folder in the v2 layout or s3://BUCKET/PREFIX. Absent or
           * empty (or `$DATA_DIR` as typed): DATA_DIR when the package runs, which every run
           * provides. A literal folder or location is written into run.sh as it is.
           */
          dataDir: z
            .string()
            .max(4096)
            .refine((d) => !/[$`]/.test(d) || /^\s*\$(DATA_DIR|\{DATA_DIR\})\s*$/.test(d), 'a folder path without $variables (or none, to read DATA_DIR when the package runs)')
            .optional(),
          /** An S3 bucket to read more input from (the runner needs boto3 for it). */
          bucket: z.string().max(255).optional(),
          /** The output file's name inside output/. */
          outputName: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a file name').default('result.txt'),
        })
        .strict(),
      z.object({ kind: z.literal('command'), argv: z.array(ShellArg).min(1).max(256) }).strict(),
    ]),
  })
  .strict();
export type WrapperSpec = z.input<typeof WrapperSpec>;

export const WrapperText = z.object({
  runSh: z.string(),
  /** The package's command line (argv), run in the unpacked package. */
  command: z.array(z.string()),
  outputDir: z.string(),
  /** Files the wrapper needs inside the package besides the user's: the runner. */
  bundles: z.array(z.string()),
});
export type WrapperText = z.infer<typeof WrapperText>;

/** `workbench.json` inside every package we build: how to run it and where results go. */
export const Manifest = z.object({
  format: z.literal('analysis-workbench-package'),
  version: z.literal(1),
  name: z.string().max(128),
  command: z.array(z.string().max(4096)).min(1).max(256),
  outputDir: PackagePath,
});
export type Manifest = z.infer<typeof Manifest>;

/** A package's name: what its runs are called. */
export const PackageName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a package name of 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const BuildRequest = z
  .object({
    buildId: BuildId,
    root: z.string().min(1).max(4096),
    /** Where to write the .tar.gz on this computer. */
    output: z.string().min(1).max(4096),
    excluded: z.array(PackagePath).max(10_000).default([]),
    /** Secret findings the user chose to keep, by path. */
    overrides: z.array(PackagePath).max(10_000).default([]),
    /** Generate run.sh (and bundle the runner); without it the folder's own run.sh is the entry point. */
    wrapper: WrapperSpec.optional(),
    /** The package's name in workbench.json; default: the folder's name. Renaming the folder then changes nothing. */
    name: PackageName.optional(),
    /** Replace an existing file at `output`; without it the build is refused (CONFLICT). */
    force: z.boolean().default(false),
  })
  .strict();
export type BuildRequest = z.input<typeof BuildRequest>;

export const BuildResult = z.object({
  path: z.string(),
  bytes: z.number(),
  files: z.number(),
  sha256: z.string(),
  seconds: z.number(),
});
export type BuildResult = z.infer<typeof BuildResult>;

export const PackProgress = z.object({
  buildId: z.string(),
  state: z.enum(['packing', 'done', 'cancelled', 'failed']),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  filesDone: z.number(),
  filesTotal: z.number(),
  elapsedS: z.number(),
  /** Seconds left at the current rate; absent until there is a rate to go by. */
  etaS: z.number().optional(),
  message: z.string().optional(),
});
export type PackProgress = z.infer<typeof PackProgress>;

export const TarEntry = z.object({
  path: z.string(),
  type: z.string(),
  bytes: z.number(),
  mode: z.number(),
  linkname: z.string().optional(),
  problem: z.string().optional(),
});
export type TarEntry = z.infer<typeof TarEntry>;

/**
 * What is wrong with a package. `unsafe`: an entry no extractor writes (it climbs out, is a
 * device ...). `entry-point`: how it runs needs something it does not hold (the map/reduce
 * runner, its script, an executable bit) or its manifest cannot be read. Either refuses a run.
 */
export const InspectionProblem = z.object({ kind: z.enum(['unsafe', 'entry-point']), path: z.string(), message: z.string() });
export type InspectionProblem = z.infer<typeof InspectionProblem>;

export const Inspection = z.object({
  path: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  compressed: z.boolean(),
  entries: z.array(TarEntry),
  /** More entries than are listed. */
  truncated: z.boolean(),
  files: z.number(),
  unpackedBytes: z.number(),
  manifest: Manifest.optional(),
  /** How the package is run: the manifest's command, else its run.sh; absent when it has neither. */
  entryPoint: z.object({ command: z.array(z.string()), outputDir: z.string(), from: z.enum(['manifest', 'run.sh']) }).optional(),
  /** The engine the entry point's map/reduce runner call names (`--engine spark`); local when it names none or runs no runner. */
  engine: Engine,
  problems: z.array(InspectionProblem),
  secrets: z.array(SecretFinding),
});
export type Inspection = z.infer<typeof Inspection>;
