/**
 * A small JSON parser that keeps where every value is in the text, so checks of a JSON
 * document (the input filter) can point at the exact value they complain about.
 * Strict JSON only: a syntax error ends the parse with its offset.
 */

interface NodeBase {
  offset: number;
  length: number;
}
export type JsonNode =
  | (NodeBase & { type: 'object'; properties: JsonProperty[] })
  | (NodeBase & { type: 'array'; items: JsonNode[] })
  | (NodeBase & { type: 'string'; value: string })
  | (NodeBase & { type: 'number'; value: number; raw: string })
  | (NodeBase & { type: 'boolean'; value: boolean })
  | (NodeBase & { type: 'null'; value: null });

export interface JsonProperty {
  key: string;
  keyNode: NodeBase;
  value: JsonNode;
}

export type JsonParse = { ok: true; root: JsonNode } | { ok: false; message: string; offset: number };

/**
 * How deep objects and arrays may nest in a document these checks read. Deeper text would
 * exhaust the stack of a recursive parser (this one, and Python's json module on the worker);
 * no document the app reads needs more than a handful of levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of objects and arrays in `text`, and the offset of the first bracket that
 * goes past `limit` (-1 when none does). Counted without parsing, in one loop, so any text can
 * be measured, valid JSON or not; brackets inside strings do not count.
 */
export function nestingDepth(text: string, limit = MAX_JSON_DEPTH): { depth: number; overLimitAt: number } {
  let depth = 0;
  let deepest = 0;
  let overLimitAt = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth > limit && overLimitAt < 0) overLimitAt = i;
    } else if (char === '}' || char === ']') {
      depth = Math.max(0, depth - 1);
    }
  }
  return { depth: deepest, overLimitAt };
}

/** The message for text nested deeper than the limit, naming both numbers: "The filter nests …". */
export function tooDeepMessage(subject: string, depth: number, limit = MAX_JSON_DEPTH): string {
  return `${subject} nests objects and lists ${depth} levels deep; at most ${limit} are allowed`;
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses `text`, refusing (before any recursion) nesting deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string): JsonParse {
  const nesting = nestingDepth(text);
  if (nesting.overLimitAt >= 0) return { ok: false, message: tooDeepMessage('The text', nesting.depth), offset: nesting.overLimitAt };
  let pos = 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skip = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const expect = (char: string) => {
    if (text[pos] !== char) fail(pos >= text.length ? `Expected "${char}" but the text ends` : `Expected "${char}"`);
    pos++;
  };

  function value(): JsonNode {
    skip();
    const start = pos;
    const char = text[pos];
    if (char === '{') return object(start);
    if (char === '[') return array(start);
    if (char === '"') return { type: 'string', value: string(), offset: start, length: pos - start };
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
      if (!match) fail('Expected a number');
      pos += match![0].length;
      return { type: 'number', value: Number(match![0]), raw: match![0], offset: start, length: pos - start };
    }
    for (const [word, node] of [
      ['true', { type: 'boolean', value: true }],
      ['false', { type: 'boolean', value: false }],
      ['null', { type: 'null', value: null }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { ...node, offset: start, length: word.length } as JsonNode;
      }
    }
    return fail(pos >= text.length ? 'Expected a value but the text ends' : 'Expected a value');
  }

  function string(): string {
    expect('"');
    let out = '';
    for (;;) {
      const char = text[pos];
      if (char === undefined) fail('Unterminated string');
      if (char === '"') break;
      if (char! < ' ') fail('Control character in a string');
      if (char === '\\') {
        const escape = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && simple[escape] !== undefined) {
          out += simple[escape];
          pos += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          fail('Invalid escape in a string');
        }
        continue;
      }
      out += char;
      pos++;
    }
    pos++;
    return out;
  }

  function object(start: number): JsonNode {
    pos++;
    const properties: JsonProperty[] = [];
    skip();
    if (text[pos] === '}') {
      pos++;
      return { type: 'object', properties, offset: start, length: pos - start };
    }
    for (;;) {
      skip();
      const keyStart = pos;
      if (text[pos] !== '"') fail('Expected a property name in double quotes');
      const key = string();
      const keyNode = { offset: keyStart, length: pos - keyStart };
      skip();
      expect(':');
      properties.push({ key, keyNode, value: value() });
      skip();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      expect('}');
      return { type: 'object', properties, offset: start, length: pos - start };
    }
  }

  function array(start: number): JsonNode {
    pos++;
    const items: JsonNode[] = [];
    skip();
    if (text[pos] === ']') {
      pos++;
      return { type: 'array', items, offset: start, length: pos - start };
    }
    for (;;) {
      items.push(value());
      skip();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      expect(']');
      return { type: 'array', items, offset: start, length: pos - start };
    }
  }

  try {
    const root = value();
    skip();
    if (pos < text.length) fail('Unexpected text after the JSON value');
    return { ok: true, root };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, message: err.message, offset: err.offset };
    throw err;
  }
}

/** The property named `key` of an object node, if any (the last one wins, as in JSON.parse). */
export function propertyOf(node: JsonNode, key: string): JsonProperty | undefined {
  if (node.type !== 'object') return undefined;
  return node.properties.findLast((p) => p.key === key);
}

/** 1-based line and column of a UTF-16 offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
