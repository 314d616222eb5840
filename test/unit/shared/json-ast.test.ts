import { describe, expect, it } from 'vitest';
import { nestingDepth, parseJson } from '../../../src/shared/json-ast.ts';

describe('parseJson', () => {
  it('refuses text nested past 64 levels instead of overflowing the stack, pointing at the first bracket too deep', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(parseJson(deep)).toEqual({ ok: false, message: 'The text nests objects and lists 100000 levels deep; at most 64 are allowed', offset: 64 });
    const at64 = '{"a":'.repeat(32) + '['.repeat(32) + ']'.repeat(32) + '}'.repeat(32);
    expect(parseJson(at64).ok).toBe(true);
  });
});

describe('nestingDepth', () => {
  it('counts brackets outside strings only, escaped quotes included', () => {
    expect(nestingDepth('{"a": "[[[{{{\\"[[["}')).toEqual({ depth: 1, overLimitAt: -1 });
    expect(nestingDepth('[[1], [[2]]]', 2)).toEqual({ depth: 3, overLimitAt: 7 });
    expect(nestingDepth('not json at all ]]]')).toEqual({ depth: 0, overLimitAt: -1 });
  });
});
