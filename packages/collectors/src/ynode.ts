import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';

/** Entries per YAML map node: analysers ask for the same keys many times. */
const entryCache = new WeakMap<object, [string, Y, Y][]>();

/**
 * A read-only view of a YAML node that resolves aliases and `<<` merge keys,
 * and knows its own source position. CI files lean on anchors; this lets the
 * analysers read them as CI systems do while keeping exact lines.
 */
export class Y {
  constructor(
    readonly node: unknown,
    readonly doc: Document.Parsed,
    readonly lines: LineCounter,
    readonly text: string,
  ) {}

  private wrap(node: unknown): Y {
    return new Y(node, this.doc, this.lines, this.text);
  }

  private resolved(): unknown {
    let n = this.node;
    for (let i = 0; i < 20 && isAlias(n); i++) n = n.resolve(this.doc);
    return n;
  }

  get isMap(): boolean {
    return isMap(this.resolved());
  }

  get isSeq(): boolean {
    return isSeq(this.resolved());
  }

  /** Map entries, own keys over merged ones, in source order. */
  entries(): [string, Y, Y][] {
    const n = this.resolved();
    if (!isMap(n)) return [];
    const cached = entryCache.get(n);
    if (cached) return cached;
    const own: [string, Y, Y][] = [];
    const merged: [string, Y, Y][] = [];
    for (const pair of n.items) {
      if (!isPair(pair)) continue;
      const raw = isScalar(pair.key) ? pair.key.value : pair.key;
      // With `merge: true` the parser gives `<<` as a symbol.
      const key = typeof raw === 'symbol' ? (raw.description ?? '') : String(raw);
      if (key === '<<') {
        const sources = this.wrap(pair.value);
        const list = sources.isSeq ? sources.items() : [sources];
        for (const src of list) for (const entry of src.entries()) merged.push(entry);
      } else {
        own.push([key, this.wrap(pair.key), this.wrap(pair.value)]);
      }
    }
    const seen = new Set(own.map(([k]) => k));
    const all: [string, Y, Y][] = [...own, ...merged.filter(([k]) => !seen.has(k))];
    entryCache.set(n, all);
    return all;
  }

  get(key: string): Y | undefined {
    return this.entries().find(([k]) => k === key)?.[2];
  }

  /** The key node of an entry, for its position. */
  keyOf(key: string): Y | undefined {
    return this.entries().find(([k]) => k === key)?.[1];
  }

  items(): Y[] {
    const n = this.resolved();
    if (!isSeq(n)) return [];
    return n.items.map((item) => this.wrap(item));
  }

  /** A scalar as a string (numbers and booleans too); undefined for collections and null. */
  str(): string | undefined {
    const n = this.resolved();
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return String(n.value);
  }

  js(): unknown {
    const n = this.resolved();
    if (n === null || n === undefined) return n;
    try {
      return (n as Node).toJS(this.doc, { maxAliasCount: 100 });
    } catch {
      // A merge key whose source is not a map, or too many aliases: the value cannot be known.
      return undefined;
    }
  }

  /** 1-based line and column where the node starts. */
  pos(): { line: number; column: number } {
    const n = this.node as Node | undefined;
    const offset = n?.range?.[0] ?? 0;
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /** The node's source text (for scalars: as written, with quotes or block indicator). */
  source(): string {
    const n = this.node as Node | undefined;
    if (!n?.range) return '';
    return this.text.slice(n.range[0], n.range[1]);
  }

  /**
   * The 1-based line of `needle` inside this scalar as written, for a command
   * in a multi-line `run:` block. Falls back to the node's own line.
   */
  lineOf(needle: string): number {
    const start = this.pos().line;
    const n = this.node as Node | undefined;
    if (!n?.range || needle === '') return start;
    const src = this.source();
    const first = needle.split('\n')[0]!.trim();
    const at = first === '' ? -1 : src.indexOf(first);
    if (at === -1) return start;
    let line = start;
    for (let i = 0; i < at; i++) if (src.charCodeAt(i) === 10) line++;
    return line;
  }
}

/**
 * The parser's reason, without anything it quotes from the file (which may be a secret): the text
 * before the first colon or quote, as in "Nested mappings are not allowed in compact mappings".
 */
export function parserReason(message: string): string {
  const reason = message
    .split(/[:"'`\n]/)[0]!
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .replace(/[.\s]+$/, '');
  return reason.length > 0 && reason.length <= 100 ? reason : 'the parser gave no reason';
}

/** The offset of the first key that repeats an earlier key of its map (merge keys aside), or undefined. */
function firstDuplicateKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value === 'symbol') continue; // `<<` may repeat
        const id = `${typeof key.value}:${String(key.value)}`;
        if (seen.has(id)) {
          found = key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Parse a CI file, following anchors and merge keys as CI systems do. A file
 * that does not parse is an error of the scan (never its text: it may hold a
 * secret), and yields no root.
 */
export function parseCiFile(
  file: string,
  text: string,
  errors: { entity?: string; message: string; line?: number; column?: number }[],
  options: { uniqueKeys?: boolean } = {},
): Y | undefined {
  const lines = new LineCounter();
  // The parser's own duplicate-key check compares every key with every other
  // (a flow map of 32k keys took 38 s); the same check, done below with a set
  // per map, is linear.
  const doc = parseDocument(text, {
    lineCounter: lines,
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
  });
  const duplicate =
    doc.errors.length === 0 && (options.uniqueKeys ?? true) ? firstDuplicateKey(doc) : undefined;
  if (doc.errors.length > 0 || duplicate !== undefined) {
    const first = doc.errors[0] ?? { pos: [duplicate!, duplicate!], message: 'Map keys must be unique' };
    const p = lines.linePos(first.pos[0]);
    errors.push({
      entity: `file:${file}`,
      message: `Invalid YAML at line ${p.line}, column ${p.col} (${parserReason(first.message)}); the file was not analysed.`,
      line: p.line,
      column: p.col,
    });
    return undefined;
  }
  return new Y(doc.contents, doc, lines, text);
}
