import { nestingDepth, parseJson, positionAt, propertyOf, tooDeepMessage, type JsonNode } from './json-ast.ts';

/**
 * The telemetry input filter (`filter.json`), as the runner in resources/worker/mapreduce/
 * filters.py reads it: version 1 and six dimensions matched BY POSITION against the six
 * levels of a stored file's path. Here: its JSON Schema (completion and basic checks in the
 * editor) and `checkFilter`, which finds the traps of the format a schema cannot express.
 */

export const DIMENSIONS = ['reason', 'appName', 'appUpdateChannel', 'appVersion', 'appBuildID', 'submission_date'] as const;
export type DimensionName = (typeof DIMENSIONS)[number];

/** Values seen in telemetry data, offered as completions (any other string is allowed). */
export const KNOWN_VALUES: Record<DimensionName, string[]> = {
  reason: ['saved-session', 'idle-daily', 'main', 'environment-change', 'shutdown'],
  appName: ['Firefox', 'Fennec', 'Thunderbird', 'B2G', 'MetroFirefox'],
  appUpdateChannel: ['release', 'beta', 'aurora', 'nightly', 'esr'],
  appVersion: [],
  appBuildID: [],
  submission_date: [],
};

/** Digits a value of these dimensions has: a build id is YYYYMMDDhhmmss, a date YYYYMMDD. */
const DIGITS: Partial<Record<DimensionName, number>> = { appBuildID: 14, submission_date: 8 };

const DESCRIPTIONS: Record<DimensionName, string> = {
  reason: 'Why the ping was sent (stored sanitised: saved-session is stored as saved_session).',
  appName: 'The application (Firefox, Fennec, Thunderbird …).',
  appUpdateChannel: 'The update channel (release, beta, aurora, nightly).',
  appVersion: 'The application version, e.g. "31.0". Compared as text in a range.',
  appBuildID: 'The 14-digit build id YYYYMMDDhhmmss. Compared as text in a range: give all 14 digits.',
  submission_date: 'The day the server received the ping, YYYYMMDD. Compared as text in a range.',
};

/** Characters the storage layout keeps in a path level; the rest became `_`. */
export function sanitise(value: string): string {
  return value.replace(/[^A-Za-z0-9_/.]/g, '_');
}

type Schema = Record<string, unknown>;

function allowedValuesSchema(name: DimensionName): Schema {
  const known = KNOWN_VALUES[name];
  const anyString = known.length > 0 ? { anyOf: [{ enum: known }, { type: 'string' }] } : { type: 'string' };
  return {
    description: '"*" for anything, a list of values (each sanitised first), one exact value, or {"min", "max"} (inclusive, compared as text).',
    anyOf: [
      { const: '*', description: 'Any value.' },
      { type: 'array', items: anyString, minItems: 1, description: 'Any of these values; each is sanitised (characters outside A-Z a-z 0-9 _ / . become _) before matching.' },
      {
        type: 'object',
        properties: { min: { type: 'string', description: 'Lowest value, inclusive, compared as text.' }, max: { type: 'string', description: 'Highest value, inclusive, compared as text.' } },
        additionalProperties: false,
        description: 'A range, compared as text (not as numbers).',
      },
      { ...anyString, description: 'Exactly this value (not sanitised).' },
    ],
    defaultSnippets: [
      { label: '"*"', body: '*' },
      { label: 'a list', body: [known[0] ?? '$1'] },
      { label: '{"min", "max"}', body: { min: '$1', max: '$2' } },
    ],
  };
}

function dimensionSchema(name: DimensionName, index: number): Schema {
  return {
    type: 'object',
    description: `Dimension ${index + 1}: ${DESCRIPTIONS[name]}`,
    properties: {
      field_name: { const: name, description: `Must be "${name}": dimensions are matched by position, not by name.` },
      allowed_values: allowedValuesSchema(name),
    },
    required: ['field_name', 'allowed_values'],
    additionalProperties: false,
    defaultSnippets: [{ label: name, body: { field_name: name, allowed_values: '*' } }],
  };
}

/** The JSON Schema of filter.json, for the editor's JSON language service. */
export const FILTER_SCHEMA_URI = 'workbench://schemas/filter.json';
export const FILTER_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Telemetry input filter',
  type: 'object',
  properties: {
    version: { const: 1, description: 'The filter format version: 1.' },
    dimensions: {
      type: 'array',
      description: `Six dimensions, in this order: ${DIMENSIONS.join(', ')}.`,
      items: DIMENSIONS.map(dimensionSchema),
      minItems: DIMENSIONS.length,
      maxItems: DIMENSIONS.length,
      additionalItems: false,
      defaultSnippets: [{ label: 'all six dimensions', body: DIMENSIONS.map((name) => ({ field_name: name, allowed_values: '*' })) }],
    },
  },
  required: ['version', 'dimensions'],
  additionalProperties: false,
  defaultSnippets: [{ label: 'filter', body: { version: 1, dimensions: DIMENSIONS.map((name) => ({ field_name: name, allowed_values: '*' })) } }],
};

export interface FilterDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** UTF-16 offset and length in the text; lines and columns are 1-based, end exclusive. */
  offset: number;
  length: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Checks a filter's text as the runner will read it; empty when it is sound. */
export function checkFilter(text: string): FilterDiagnostic[] {
  const out: FilterDiagnostic[] = [];
  const report = (severity: FilterDiagnostic['severity'], at: { offset: number; length: number }, message: string) => {
    const start = positionAt(text, at.offset);
    const end = positionAt(text, at.offset + at.length);
    out.push({ severity, message, offset: at.offset, length: at.length, line: start.line, column: start.column, endLine: end.line, endColumn: end.column });
  };
  const nesting = nestingDepth(text);
  if (nesting.overLimitAt >= 0) {
    report('error', { offset: nesting.overLimitAt, length: 1 }, `${tooDeepMessage('The filter', nesting.depth)}; a filter needs 4 (object, "dimensions" list, dimension, allowed_values).`);
    return out;
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    report('error', { offset: parsed.offset, length: Math.min(1, text.length - parsed.offset) }, `Not valid JSON: ${parsed.message}.`);
    return out;
  }
  const root = parsed.root;
  if (root.type !== 'object') {
    report('error', root, 'A filter is an object: {"version": 1, "dimensions": [...]}.');
    return out;
  }
  const whole = { offset: root.offset, length: 1 };
  for (const p of root.properties) {
    if (p.key !== 'version' && p.key !== 'dimensions') report('warning', p.keyNode, `"${p.key}" is not part of a filter; the runner ignores it.`);
  }
  const version = propertyOf(root, 'version');
  if (!version) report('error', whole, 'The filter has no "version"; add "version": 1.');
  else if (version.value.type !== 'number' || version.value.value !== 1) report('error', version.value, `Unsupported filter version ${sourceOf(text, version.value)}; the runner reads version 1 only.`);

  const dims = propertyOf(root, 'dimensions');
  if (!dims) {
    report('error', whole, `The filter has no "dimensions"; list six: ${DIMENSIONS.join(', ')}.`);
    return out;
  }
  if (dims.value.type !== 'array') {
    report('error', dims.value, `"dimensions" must be a list of six dimension objects (${DIMENSIONS.join(', ')}).`);
    return out;
  }
  const items = dims.value.items;
  checkOrder(items, dims.value, report);
  items.slice(0, DIMENSIONS.length).forEach((item, index) => checkDimension(item, DIMENSIONS[index]!, index, report));
  return out;
}

type Report = (severity: FilterDiagnostic['severity'], at: { offset: number; length: number }, message: string) => void;

function sourceOf(text: string, node: JsonNode): string {
  return text.slice(node.offset, node.offset + node.length);
}

function fieldName(item: JsonNode): string | undefined {
  const name = propertyOf(item, 'field_name')?.value;
  return name?.type === 'string' ? name.value : undefined;
}

/** Count and order: the runner matches by position, so a misplaced name filters the wrong level. */
function checkOrder(items: JsonNode[], list: JsonNode, report: Report): void {
  const names = items.map(fieldName);
  if (items.length < DIMENSIONS.length) {
    const missing = DIMENSIONS.filter((d) => !names.includes(d));
    const which = missing.length > 0 ? `missing ${missing.join(', ')}` : `expected ${DIMENSIONS.length}`;
    report('error', { offset: list.offset, length: 1 }, `"dimensions" has ${items.length} entries, ${which}. The runner needs all six, in order: ${DIMENSIONS.join(', ')}.`);
  }
  items.slice(DIMENSIONS.length).forEach((extra) => {
    report('error', extra, `An extra dimension: a filter has exactly six (${DIMENSIONS.join(', ')}); remove this one.`);
  });
}

function checkDimension(item: JsonNode, expected: DimensionName, index: number, report: Report): void {
  const where = `Dimension ${index + 1} (${expected})`;
  if (item.type !== 'object') {
    report('error', item, `${where} must be an object: {"field_name": "${expected}", "allowed_values": "*"}.`);
    return;
  }
  for (const p of item.properties) {
    if (p.key !== 'field_name' && p.key !== 'allowed_values') report('warning', p.keyNode, `"${p.key}" is not part of a dimension; the runner ignores it.`);
  }
  const name = propertyOf(item, 'field_name');
  if (!name || name.value.type !== 'string' || name.value.value === '') {
    report('error', name?.value ?? { offset: item.offset, length: 1 }, `${where} needs "field_name": "${expected}".`);
  } else if (name.value.value !== expected) {
    const actual = name.value.value;
    const belongs = DIMENSIONS.indexOf(actual as DimensionName);
    const hint = belongs >= 0 ? `"${actual}" belongs at position ${belongs + 1}` : `"${actual}" is not a dimension`;
    report('warning', name.value, `Out of order: position ${index + 1} is matched against ${expected} whatever field_name says; ${hint}. Use the order ${DIMENSIONS.join(', ')}.`);
  }
  const allowed = propertyOf(item, 'allowed_values');
  if (!allowed) {
    report('error', { offset: item.offset, length: 1 }, `${where} has no "allowed_values"; use "*" to allow anything.`);
    return;
  }
  checkAllowed(allowed.value, expected, where, report);
}

function checkAllowed(value: JsonNode, dimension: DimensionName, where: string, report: Report): void {
  if (value.type === 'string') {
    if (value.value !== '*' && sanitise(value.value) !== value.value) {
      report('warning', value, `A single value is matched exactly, without sanitising, so "${value.value}" never matches the stored "${sanitise(value.value)}". Write a list, ["${value.value}"], or "${sanitise(value.value)}".`);
    }
    return;
  }
  if (value.type === 'array') {
    if (value.items.length === 0) report('warning', value, `${where}: an empty list matches nothing.`);
    for (const item of value.items) {
      if (item.type !== 'string') report('error', item, `${where}: list values must be strings; write "${item.type === 'number' ? item.raw : '…'}" in quotes.`);
      else if (sanitise(item.value) !== item.value) report('warning', item, `"${item.value}" will match the sanitised name "${sanitise(item.value)}" (characters outside A-Z a-z 0-9 _ / . become _).`);
    }
    return;
  }
  if (value.type === 'object') {
    checkRange(value, dimension, where, report);
    return;
  }
  report('error', value, `${where}: "allowed_values" must be "*", a string, a list of strings or {"min": …, "max": …}.`);
}

function checkRange(range: JsonNode & { type: 'object' }, dimension: DimensionName, where: string, report: Report): void {
  const bounds: { min?: JsonNode & { type: 'string' }; max?: JsonNode & { type: 'string' } } = {};
  for (const p of range.properties) {
    if (p.key !== 'min' && p.key !== 'max') {
      report('error', p.keyNode, `${where}: a range allows only "min" and "max", not "${p.key}".`);
    } else if (p.value.type !== 'string') {
      const shown = p.value.type === 'number' ? `"${p.value.raw}"` : 'a string';
      report('error', p.value, `${where}: "${p.key}" must be a string (ranges are compared as text); write ${shown}.`);
    } else {
      bounds[p.key] = p.value;
    }
  }
  const digits = DIGITS[dimension];
  for (const bound of [bounds.min, bounds.max]) {
    if (!bound || digits === undefined || !/^\d+$/.test(bound.value) || bound.value.length === digits) continue;
    const isMax = bound === bounds.max;
    // A short min is harmless (every longer value with that prefix sorts after it); a short
    // max excludes the very values it seems to include.
    if (!isMax && bound.value.length < digits) continue;
    const effect =
      bound.value.length < digits
        ? `every ${digits}-digit value starting with ${bound.value} sorts after it, so "${bound.value.padEnd(digits, '0')}" is excluded. Write "${bound.value.padEnd(digits, '9')}"`
        : `write ${digits} digits`;
    report('warning', bound, `Compared as text, not as a number: ${dimension} values have ${digits} digits and "${bound.value}" has ${bound.value.length}; ${effect}.`);
  }
  const { min, max } = bounds;
  if (!min || !max) return;
  const whole = { offset: range.offset, length: range.length };
  if (/^\d+$/.test(min.value) && /^\d+$/.test(max.value) && min.value.length !== max.value.length) {
    report('warning', whole, `"min" and "max" are compared as text, not as numbers: "${min.value}" and "${max.value}" have different lengths, so values between them as numbers fall outside as text. Give both the same number of digits.`);
  } else if (min.value > max.value) {
    report('warning', whole, `${where}: "min" sorts after "max" as text, so nothing matches.`);
  } else if (versionLike(min.value) && versionLike(max.value) && majorOf(min.value).length < majorOf(max.value).length) {
    const between = `${Number(majorOf(min.value)) + 1}.0`;
    report('warning', whole, `Versions are compared as text, not as numbers: between "${min.value}" and "${max.value}", a version like "${between}" sorts after "${max.value}" and is excluded. List the versions instead, or keep both bounds to the same number of digits before the dot.`);
  }
}

function versionLike(value: string): boolean {
  return /^\d+(\.\w+)*$/.test(value);
}

function majorOf(value: string): string {
  return value.split('.')[0]!;
}
