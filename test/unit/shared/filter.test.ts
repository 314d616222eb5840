import { describe, expect, it } from 'vitest';
import { checkFilter, DIMENSIONS, FILTER_SCHEMA, KNOWN_VALUES, sanitise } from '../../../src/shared/filter.ts';

type Allowed = unknown;

/** A filter's text with the given allowed_values per dimension ("*" where not given). */
function filter(values: Partial<Record<(typeof DIMENSIONS)[number], Allowed>> = {}, version: unknown = 1): string {
  const dimensions = DIMENSIONS.map((name) => ({ field_name: name, allowed_values: values[name] ?? '*' }));
  return JSON.stringify({ version, dimensions }, null, 2);
}

/** What a diagnostic points at, as text. */
function marked(text: string, d: { offset: number; length: number }): string {
  return text.slice(d.offset, d.offset + d.length);
}

describe('checkFilter', () => {
  it('accepts a sound filter, and the example filters shipped with the app', () => {
    expect(checkFilter(filter())).toEqual([]);
    expect(checkFilter(filter({ appUpdateChannel: 'nightly', appBuildID: { min: '20140601000000' } }))).toEqual([]);
    expect(checkFilter(filter({ submission_date: { min: '20140701', max: '20140731' } }))).toEqual([]);
    expect(checkFilter(filter({ appName: 'Firefox', appUpdateChannel: ['release', 'beta', 'aurora', 'nightly'] }))).toEqual([]);
  });

  it('reports text that is not JSON at the place it breaks, with line and column', () => {
    const text = '{\n  "version": 1,\n  "dimensions": [,]\n}';
    const [d, ...rest] = checkFilter(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'error', line: 3, column: 18 });
    expect(d!.message).toMatch(/^Not valid JSON: Expected a value/);
  });

  it('refuses nesting deeper than 64 levels, naming the depth and the limit, where a Python runner would crash', () => {
    const deep = '{"version": 1, "dimensions": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    const [d, ...rest] = checkFilter(deep);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'error', line: 1, column: 29 + 64 });
    expect(d!.message).toBe('The filter nests objects and lists 100001 levels deep; at most 64 are allowed; a filter needs 4 (object, "dimensions" list, dimension, allowed_values).');
    // Brackets inside strings are text, not nesting; 64 levels are still read.
    const inStrings = filter({ appName: { min: '['.repeat(1000) + '"{' } });
    expect(checkFilter(inStrings)).toEqual([]);
    const at64 = filter({ appName: { min: '1' } }).replace('"min": "1"', '"min": ' + '['.repeat(60) + ']'.repeat(60));
    expect(checkFilter(at64).map((x) => x.message)).toEqual([expect.stringContaining('"min" must be a string')]);
  });

  it('wants an object', () => {
    expect(checkFilter('[]')).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('A filter is an object') })]);
  });

  it('refuses a wrong or missing version, pointing at the value', () => {
    const text = filter({}, 2);
    const [d] = checkFilter(text);
    expect(d).toMatchObject({ severity: 'error', message: expect.stringContaining('Unsupported filter version 2') });
    expect(marked(text, d!)).toBe('2');
    expect(checkFilter(filter({}, '1'))[0]!.message).toContain('Unsupported filter version "1"');
    expect(checkFilter(JSON.stringify({ dimensions: JSON.parse(filter()).dimensions }))[0]!.message).toContain('no "version"');
  });

  it('reports dimensions missing, naming them', () => {
    const spec = JSON.parse(filter());
    spec.dimensions = spec.dimensions.slice(0, 4);
    const diagnostics = checkFilter(JSON.stringify(spec));
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('has 4 entries, missing appBuildID, submission_date') })]);
    expect(checkFilter('{"version": 1}')[0]!.message).toContain('no "dimensions"');
    expect(checkFilter('{"version": 1, "dimensions": {}}')[0]!.message).toContain('must be a list of six');
  });

  it('reports an extra dimension at the extra entry', () => {
    const spec = JSON.parse(filter());
    spec.dimensions.push({ field_name: 'extra', allowed_values: '*' });
    const text = JSON.stringify(spec);
    const diagnostics = checkFilter(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toContain('An extra dimension');
    expect(marked(text, diagnostics[0]!)).toBe('{"field_name":"extra","allowed_values":"*"}');
  });

  it('warns about dimensions out of order: they are matched by position, not by name', () => {
    const spec = JSON.parse(filter());
    [spec.dimensions[1], spec.dimensions[2]] = [spec.dimensions[2], spec.dimensions[1]];
    const text = JSON.stringify(spec);
    const diagnostics = checkFilter(text);
    expect(diagnostics.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(diagnostics[0]!.message).toContain('position 2 is matched against appName whatever field_name says; "appUpdateChannel" belongs at position 3');
    expect(marked(text, diagnostics[0]!)).toBe('"appUpdateChannel"');
    spec.dimensions[1].field_name = 'os';
    expect(checkFilter(JSON.stringify(spec))[0]!.message).toContain('"os" is not a dimension');
  });

  it('needs field_name and allowed_values in every dimension', () => {
    const spec = JSON.parse(filter());
    delete spec.dimensions[0].field_name;
    delete spec.dimensions[5].allowed_values;
    const messages = checkFilter(JSON.stringify(spec)).map((d) => d.message);
    expect(messages).toEqual([expect.stringContaining('Dimension 1 (reason) needs "field_name": "reason"'), expect.stringContaining('Dimension 6 (submission_date) has no "allowed_values"')]);
    spec.dimensions[0] = 'reason';
    expect(checkFilter(JSON.stringify(spec))[0]!.message).toContain('must be an object');
  });

  it('warns that a list value sanitising changes will match the sanitised name', () => {
    const text = filter({ reason: ['saved-session', 'idle_daily'] });
    const diagnostics = checkFilter(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('"saved-session" will match the sanitised name "saved_session"') });
    expect(marked(text, diagnostics[0]!)).toBe('"saved-session"');
  });

  it('warns that a single value is matched exactly, without sanitising', () => {
    const diagnostics = checkFilter(filter({ reason: 'saved-session' }));
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('never matches the stored "saved_session"') })]);
    expect(checkFilter(filter({ appName: 'Firefox' }))).toEqual([]);
  });

  it('refuses list values that are not strings and an empty list', () => {
    expect(checkFilter(filter({ appVersion: [31] }))[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('write "31" in quotes') });
    expect(checkFilter(filter({ appVersion: [] }))[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('an empty list matches nothing') });
  });

  it('warns that a build-id max of 8 digits excludes the 14-digit ids of that day', () => {
    const text = filter({ appBuildID: { max: '20140701' } });
    const [d, ...rest] = checkFilter(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'warning' });
    expect(d!.message).toContain('"20140701000000" is excluded. Write "20140701999999"');
    expect(marked(text, d!)).toBe('"20140701"');
    // A short min is harmless: every id of that day sorts after it.
    expect(checkFilter(filter({ appBuildID: { min: '20140701' } }))).toEqual([]);
    // Too many digits for a date.
    expect(checkFilter(filter({ submission_date: { max: '2014070100' } }))[0]!.message).toContain('values have 8 digits and "2014070100" has 10');
  });

  it('warns that numbers of different lengths are compared as text', () => {
    const [d] = checkFilter(filter({ appVersion: { min: '9', max: '10' } }));
    expect(d).toMatchObject({ severity: 'warning', message: expect.stringContaining('compared as text, not as numbers: "9" and "10" have different lengths') });
    const [v] = checkFilter(filter({ appVersion: { min: '9.0', max: '31.0' } }));
    expect(v!.message).toContain('"min" sorts after "max" as text, so nothing matches');
    const [w] = checkFilter(filter({ appVersion: { min: '1.0', max: '10.0' } }));
    expect(w!.message).toContain('a version like "2.0" sorts after "10.0" and is excluded');
    expect(checkFilter(filter({ appVersion: { min: '30.0', max: '31.0' } }))).toEqual([]);
  });

  it('refuses range bounds that are not strings, and unknown range keys', () => {
    const [n] = checkFilter(filter({ submission_date: { min: 20140701 } }));
    expect(n).toMatchObject({ severity: 'error', message: expect.stringContaining('"min" must be a string (ranges are compared as text); write "20140701"') });
    const [k] = checkFilter(filter({ submission_date: { from: '20140701' } }));
    expect(k).toMatchObject({ severity: 'error', message: expect.stringContaining('allows only "min" and "max", not "from"') });
  });

  it('refuses allowed_values of another kind', () => {
    expect(checkFilter(filter({ appName: true }))[0]!.message).toContain('must be "*", a string, a list of strings or {"min": …, "max": …}');
  });

  it('warns about keys the runner ignores', () => {
    const spec = JSON.parse(filter());
    spec.comment = 'mine';
    spec.dimensions[0].note = 'x';
    const messages = checkFilter(JSON.stringify(spec)).map((d) => d.message);
    expect(messages).toEqual([expect.stringContaining('"comment" is not part of a filter'), expect.stringContaining('"note" is not part of a dimension')]);
  });

  it('gives 1-based positions whose end follows the start', () => {
    const text = filter({ reason: ['saved-session'] });
    const [d] = checkFilter(text);
    const lines = text.split('\n');
    expect(lines[d!.line - 1]!.slice(d!.column - 1, d!.endColumn - 1)).toBe('"saved-session"');
  });
});

describe('the filter schema', () => {
  it('lists the six dimensions in order, with their known values and the value forms', () => {
    const dims = (FILTER_SCHEMA['properties'] as Record<string, { items: { properties: { field_name: { const: string }; allowed_values: { anyOf: unknown[] } } }[] }>)['dimensions']!;
    expect(dims.items.map((i) => i.properties.field_name.const)).toEqual([...DIMENSIONS]);
    const reason = JSON.stringify(dims.items[0]!.properties.allowed_values);
    for (const value of ['saved-session', 'idle-daily']) expect(reason).toContain(value);
    expect(JSON.stringify(dims.items[1])).toContain('Thunderbird');
    expect(KNOWN_VALUES.appUpdateChannel).toEqual(expect.arrayContaining(['release', 'beta', 'aurora', 'nightly']));
    const forms = dims.items[4]!.properties.allowed_values.anyOf as { const?: string; type?: string }[];
    expect(forms.map((f) => f.const ?? f.type)).toEqual(['*', 'array', 'object', 'string']);
  });

  it('sanitises as the runner does', () => {
    expect(sanitise('saved-session')).toBe('saved_session');
    expect(sanitise('a b/c.d_e')).toBe('a_b/c.d_e');
  });
});
