/**
 * Finds the offset of the first JSON syntax error. Node's own JSON.parse
 * messages sometimes quote the input instead of giving a position, and the
 * input may hold a secret, so trustgate locates the error itself.
 */
export function jsonErrorOffset(text: string): { offset: number; reason: string } {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (reason: string): never => {
    throw new JsonSyntax(i, reason);
  };
  const expectEnd = () => (i >= n ? fail('the file ends early') : undefined);
  const value = (depth: number): void => {
    if (depth > 10_000) fail('the document is nested too deeply');
    ws();
    expectEnd();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        expectEnd();
        if (text[i] !== '"') fail('expected a double-quoted key');
        string();
        ws();
        expectEnd();
        if (text[i] !== ':') fail('expected ":" after a key');
        i++;
        value(depth + 1);
        ws();
        expectEnd();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('expected "," or "}"');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        expectEnd();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('expected "," or "]"');
      }
    } else if (c === '"') {
      string();
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail('invalid number');
      i += m![0].length;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else fail('unexpected character');
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('invalid \\u escape');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('invalid escape');
      } else if (c < 0x20) fail('control character inside a string');
      else i++;
    }
    fail('the file ends inside a string');
  };
  try {
    value(0);
    ws();
    if (i < n) fail('unexpected text after the end of the document');
    return { offset: -1, reason: '' };
  } catch (error) {
    if (error instanceof JsonSyntax) return { offset: error.offset, reason: error.reason };
    throw error;
  }
}

class JsonSyntax {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** A path into a JSON document, as a map key: its segments joined by NUL. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.join('\0');
}

/**
 * Where each of the `wanted` paths is in a JSON text (valid JSON: it has been parsed), in one pass:
 * the offsets of its key (for an object member) and of its value. Schema errors are located with
 * this once per file, however many there are; the walk stops when every wanted path is found.
 */
export function jsonPathOffsets(
  text: string,
  wanted: ReadonlySet<string>,
): Map<string, { key: number; value: number }> {
  const found = new Map<string, { key: number; value: number }>();
  if (wanted.size === 0) return found;
  // Every prefix of a wanted path: only those containers are walked member by member.
  const prefixes = new Set<string>();
  for (const w of wanted) {
    const parts = w === '' ? [] : w.split('\0');
    for (let i = 0; i <= parts.length; i++) prefixes.add(parts.slice(0, i).join('\0'));
  }
  let i = 0;
  const n = text.length;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  /** Past the string that starts at i; returns its raw content. */
  const string = (): string => {
    const start = ++i;
    for (;;) {
      const q = text.indexOf('"', i);
      if (q === -1) {
        i = n;
        return text.slice(start);
      }
      let slashes = 0;
      for (let j = q - 1; j >= start && text.charCodeAt(j) === 92; j--) slashes++;
      i = q + 1;
      if (slashes % 2 === 0) return text.slice(start, q);
    }
  };
  /** Past the value at i, without looking inside it. */
  const skip = () => {
    let depth = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) string();
      else if (c === 123 || c === 91) {
        depth++;
        i++;
      } else if (c === 125 || c === 93) {
        if (depth === 0) return;
        depth--;
        i++;
        if (depth === 0) return;
      } else if (c === 44 && depth === 0) return;
      else i++;
    }
  };
  const value = (key: string, keyAt: number): void => {
    ws();
    if (wanted.has(key)) found.set(key, { key: keyAt, value: i });
    if (found.size === wanted.size) return;
    if (!prefixes.has(key)) {
      skip();
      return;
    }
    const c = text.charCodeAt(i);
    if (c === 123) {
      i++;
      for (;;) {
        ws();
        if (text.charCodeAt(i) === 125 || i >= n) {
          i++;
          return;
        }
        if (text.charCodeAt(i) === 44) {
          i++;
          continue;
        }
        const at = i;
        const raw = string();
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        ws();
        i++; // the colon
        value(key === '' ? name : `${key}\0${name}`, at);
        if (found.size === wanted.size) return;
      }
    } else if (c === 91) {
      i++;
      for (let index = 0; ; ) {
        ws();
        if (text.charCodeAt(i) === 93 || i >= n) {
          i++;
          return;
        }
        if (text.charCodeAt(i) === 44) {
          i++;
          continue;
        }
        const at = i;
        value(key === '' ? String(index) : `${key}\0${index}`, at);
        index++;
        if (found.size === wanted.size) return;
      }
    } else skip();
  };
  value('', 0);
  return found;
}

/** 1-based lines and columns of many offsets, in one pass over the text. */
export function lineColumns(
  text: string,
  offsets: readonly number[],
): Map<number, { line: number; column: number }> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const out = new Map<number, { line: number; column: number }>();
  let line = 1;
  let last = -1;
  let at = 0;
  for (const offset of sorted) {
    for (; at < offset && at < text.length; at++) {
      if (text.charCodeAt(at) === 10) {
        line++;
        last = at;
      }
    }
    out.set(offset, { line, column: offset - last });
  }
  return out;
}
