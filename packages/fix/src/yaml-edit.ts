import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Pair,
  Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/** The pair of `key` in a map as written (no aliases or merge keys followed). */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
}

export function valueAt(map: YAMLMap, key: string): unknown {
  return pairOf(map, key)?.value;
}

/** A map value as written; undefined for anything else (an alias included). */
export function mapAt(map: YAMLMap, key: string): YAMLMap | undefined {
  const v = valueAt(map, key);
  return isMap(v) ? v : undefined;
}

export function seqAt(map: YAMLMap, key: string): YAMLSeq | undefined {
  const v = valueAt(map, key);
  return isSeq(v) ? v : undefined;
}

/** A scalar as a string; undefined for collections, aliases and null. */
export function text(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

export function deleteKey(map: YAMLMap, key: string): void {
  const i = map.items.findIndex((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
  if (i === -1) return;
  const [removed] = map.items.splice(i, 1);
  // A blank line before the removed entry stays before what follows it.
  const next = map.items[i];
  if (removed && isScalar(removed.key) && removed.key.spaceBefore && next && isScalar(next.key))
    next.key.spaceBefore = true;
}

/** Insert `key: value` after the first of `after` that the map has, else before the first of `before`, else at the end. */
export function insertKey(
  doc: Document,
  map: YAMLMap,
  key: string,
  value: unknown,
  where: { after?: string[]; before?: string[] } = {},
): void {
  const pair = doc.createPair(key, value);
  const index = (k: string) =>
    map.items.findIndex((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === k);
  for (const k of where.after ?? []) {
    const i = index(k);
    if (i !== -1) {
      map.items.splice(i + 1, 0, pair);
      return;
    }
  }
  for (const k of where.before ?? []) {
    const i = index(k);
    if (i !== -1) {
      map.items.splice(i, 0, pair);
      return;
    }
  }
  map.items.push(pair);
}

/** A double-quoted string scalar. */
export function quoted(value: string): Scalar {
  const s = new Scalar(value);
  s.type = 'QUOTE_DOUBLE';
  return s;
}

/** Set a scalar's value, keeping its style: unquoted, a number is written as a number. */
export function setScalar(node: Scalar, value: string): void {
  const plain = node.type === undefined || node.type === 'PLAIN';
  node.value = (typeof node.value === 'number' || plain) && /^\d+$/.test(value) ? Number(value) : value;
}

/** The 1-based line where a node starts. */
export function lineOf(text: string, node: unknown): number {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (!range) return 1;
  let line = 1;
  for (let i = 0; i < range[0] && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
