import { DIMENSIONS, sanitise } from './filter.ts';

/**
 * Which stored files an input filter selects, with the runner's semantics
 * (resources/worker/mapreduce/filters.py and inputs.py): six per-level predicates matched BY
 * POSITION against reason/appName/appUpdateChannel/appVersion/<appBuildID>.<submission_date>.v2.log.<id>.<lzma|xz|gz>.
 */

export type LevelMatch = (value: string) => boolean;

/** The predicate of a level whose allowed_values is "*": one function, so a listing can tell it apart. */
const ANY: LevelMatch = () => true;

/** Whether a level passes every value ("*"), as the runner's InputFilter.allows_any says. */
export function allowsAny(match: LevelMatch | undefined): boolean {
  return match === ANY;
}

/** Folder levels above the data files. */
export const DIRECTORY_LEVELS = 4;

const FILE_NAME = /^([^.]+)\.([^.]+)\.v2\.log\.(.+)\.(lzma|xz|gz)$/;

/** `[appBuildID, submission_date]` of a data file's name, or undefined when it is not one. */
export function parseDataFileName(name: string): [string, string] | undefined {
  const m = FILE_NAME.exec(name);
  return m ? [m[1] as string, m[2] as string] : undefined;
}

/** The six predicates of a filter's JSON text; throws an Error saying what is wrong in it. */
export function filterMatchers(text: string): LevelMatch[] {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new Error(`The filter is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const dims = (spec as { dimensions?: unknown } | null)?.dimensions;
  if (typeof spec !== 'object' || spec === null || (spec as { version?: unknown }).version !== 1 || !Array.isArray(dims) || dims.length !== DIMENSIONS.length) {
    throw new Error(`The filter must be {"version": 1, "dimensions": [six dimensions: ${DIMENSIONS.join(', ')}]}.`);
  }
  return dims.map((dim: unknown, i) => {
    const where = `dimension ${i + 1} (${DIMENSIONS[i]})`;
    if (typeof dim !== 'object' || dim === null || !('allowed_values' in dim)) throw new Error(`The filter's ${where} has no allowed_values.`);
    const allowed = (dim as { allowed_values: unknown }).allowed_values;
    if (allowed === '*') return ANY;
    if (typeof allowed === 'string') return (value: string) => value === allowed;
    if (Array.isArray(allowed)) {
      if (!allowed.every((v) => typeof v === 'string')) throw new Error(`The filter's ${where} lists a value that is not a string.`);
      const accepted = new Set(allowed.map((v: string) => sanitise(v)));
      return (value: string) => accepted.has(value);
    }
    if (typeof allowed === 'object' && allowed !== null) {
      const { min, max } = allowed as { min?: unknown; max?: unknown };
      if ((min !== undefined && typeof min !== 'string') || (max !== undefined && typeof max !== 'string')) throw new Error(`The filter's ${where} range bounds must be strings.`);
      return (value: string) => (min === undefined || value >= min) && (max === undefined || value <= max);
    }
    throw new Error(`The filter's ${where} allowed_values must be "*", a string, a list of strings or {"min", "max"}.`);
  });
}

/** Whether a data file's name at the bottom level passes the last two dimensions. */
export function fileMatches(matchers: LevelMatch[], name: string): boolean {
  const parsed = parseDataFileName(name);
  return parsed !== undefined && (matchers[4] as LevelMatch)(parsed[0]) && (matchers[5] as LevelMatch)(parsed[1]);
}
