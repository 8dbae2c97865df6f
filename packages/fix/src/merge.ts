import { pushAll } from '@trustgate/collectors';
import { createTwoFilesPatch, diffArrays } from 'diff';
import { parse, type ToStringOptions } from 'yaml';

/** A file's lines, each with its line ending: joined, they give the text back. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Serialisation options that make the `yaml` library write a document the way
 * this file is written: indentation, sequence indentation, flow padding, and
 * no line folding.
 */
export function styleOf(text: string): ToStringOptions {
  const indent = /^[\w"'-][^\n]*:[ \t]*\n( +)[\w"'-]/m.exec(text)?.[1]?.length ?? 2;
  const seqUnder = /^( *)[\w"'-][^\n]*:[ \t]*\n( *)- /m.exec(text);
  return {
    indent: indent >= 1 && indent <= 8 ? indent : 2,
    indentSeq: seqUnder ? seqUnder[2]!.length > seqUnder[1]!.length : true,
    flowCollectionPadding: !/[[{][^\s\]}]/.test(text.replace(/\$\{\{[^}]*\}\}/g, '')),
    lineWidth: 0,
    minContentWidth: 0,
  };
}

export type Carried = { ok: true; text: string } | { ok: false; line: number };

/**
 * Carry an edit made through the document API over to the file as written.
 *
 * `base` is the parser's serialisation of the unedited document, `edited` that
 * of the edited one. The parser does not reproduce every file byte for byte
 * (flow padding, trailing spaces, odd indentation), so the edit is not the
 * serialisation itself: each changed run of lines is located in the file
 * through the lines that the file and `base` share, and only that run is
 * replaced. An edit that would touch a line the parser does not reproduce is
 * refused (with that line, 1-based), so nothing else in the file ever changes.
 */
export function carryOver(text: string, base: string, edited: string): Carried {
  if (base === edited) return { ok: true, text };
  if (base === text) return { ok: true, text: edited };
  const t = splitLines(text);
  const b = splitLines(base);
  const e = splitLines(edited);

  // base line → file line, for the lines both have.
  const map = new Array<number>(b.length).fill(-1);
  let bi = 0;
  let ti = 0;
  // Lines that differ only in spacing the parser normalises (trailing blanks, the space before a
  // comment, flow padding) are the same line: they anchor the edit, and are never rewritten.
  for (const part of diffArrays(b, t, { comparator: (x, y) => x === y || loose(x) === loose(y) })) {
    const n = part.value.length;
    if (part.added) ti += n;
    else if (part.removed) bi += n;
    else {
      for (let k = 0; k < n; k++) map[bi + k] = ti + k;
      bi += n;
      ti += n;
    }
  }

  const out: string[] = [];
  let cursor = 0;
  bi = 0;
  const parts = diffArrays(b, e);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) {
      bi += part.value.length;
      continue;
    }
    // One hunk: removed base lines and/or added lines at base position bi.
    let removed = 0;
    const inserted: string[] = [];
    for (; i < parts.length && (parts[i]!.added || parts[i]!.removed); i++) {
      if (parts[i]!.removed) removed += parts[i]!.value.length;
      else pushAll(inserted, parts[i]!.value);
    }
    i--;
    const start = bi;
    const end = bi + removed;
    let tStart: number;
    let tEnd: number;
    const near = (at: number) => (map[at] ?? -1) + 1 || at + 1;
    if (removed > 0) {
      for (let k = start; k < end; k++) {
        if (map[k] === -1 || map[k] !== map[start]! + (k - start)) return { ok: false, line: near(k) };
      }
      tStart = map[start]!;
      tEnd = map[end - 1]! + 1;
    } else {
      // An insertion needs one neighbour the file has as written: it goes right after the
      // line before it, else right before the line after it.
      const before = start > 0 ? map[start - 1]! : -1;
      const after = start < b.length ? map[start]! : t.length;
      if (before !== -1 && after !== -1 && after !== before + 1) return { ok: false, line: before + 2 };
      if (before !== -1) tStart = before + 1;
      else if (after !== -1 && (start > 0 || after === 0)) tStart = after;
      else return { ok: false, line: near(start) };
      tEnd = tStart;
    }
    if (tStart < cursor) return { ok: false, line: tStart + 1 };
    for (let k = cursor; k < tStart; k++) out.push(t[k]!);
    pushAll(out, inserted);
    cursor = tEnd;
    bi = end;
  }
  for (let k = cursor; k < t.length; k++) out.push(t[k]!);
  return { ok: true, text: out.join('') };
}

/** A line with the spacing the YAML parser normalises taken out; its indentation is kept. */
function loose(line: string): string {
  const indent = /^[ \t]*/.exec(line)![0];
  return (
    indent +
    line
      .slice(indent.length)
      .trimEnd()
      .replace(/(\S)[ \t]+#/g, '$1 #')
      .replace(/([[{])[ \t]+/g, '$1')
      .replace(/[ \t]+([\]}])/g, '$1')
  );
}

/** A unified diff of one file, paths as git shows them. */
export function unifiedDiff(file: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, {
    context: 3,
  }).replace(/^=+\n/, '');
}

/** One replacement in a file: `length` characters at `offset` become `text`. */
export interface Replacement {
  offset: number;
  length: number;
  text: string;
  /** 1-based lines of the replaced region (for an insertion, the line it goes before). */
  startLine: number;
  endLine: number;
}

/** The line-level replacements that turn `before` into `after`. */
export function replacementsOf(before: string, after: string): Replacement[] {
  const out: Replacement[] = [];
  let offset = 0;
  let line = 1;
  const parts = diffArrays(splitLines(before), splitLines(after));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) {
      for (const l of part.value) offset += l.length;
      line += part.value.length;
      continue;
    }
    let length = 0;
    let lines = 0;
    let text = '';
    for (; i < parts.length && (parts[i]!.added || parts[i]!.removed); i++) {
      const p = parts[i]!;
      if (p.removed) {
        for (const l of p.value) length += l.length;
        lines += p.value.length;
      } else text += p.value.join('');
    }
    i--;
    out.push({ offset, length, text, startLine: line, endLine: lines > 0 ? line + lines - 1 : line });
    offset += length;
    line += lines;
  }
  return out;
}

/** What `changedOutside` says when the file's aliases and merge keys cannot be expanded. */
export const UNEXPANDABLE = '(merge keys and aliases)';

/**
 * The first top-level key (or, under `group`, the first entry of that map) whose
 * meaning differs between two YAML texts, aliases and merge keys resolved;
 * keys in `editable` are skipped. An edit through a YAML anchor changes every
 * alias of it: this finds the parts of a file it changed that it should not have.
 */
export function changedOutside(
  before: string,
  after: string,
  editable: { top: string[]; group?: string; entries?: string[] },
): string | undefined {
  const options = { merge: true, maxAliasCount: 1000, uniqueKeys: false } as const;
  let a: Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    a = (parse(before, options) ?? {}) as Record<string, unknown>;
    b = (parse(after, options) ?? {}) as Record<string, unknown>;
  } catch {
    // A merge key whose source is not a map, or aliases past the limit: nothing can be compared.
    return UNEXPANDABLE;
  }
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (editable.top.includes(key)) continue;
    if (key === editable.group) {
      const ga = (a[key] ?? {}) as Record<string, unknown>;
      const gb = (b[key] ?? {}) as Record<string, unknown>;
      for (const entry of new Set([...Object.keys(ga), ...Object.keys(gb)])) {
        if (!editable.entries?.includes(entry) && !same(ga[entry], gb[entry])) return `${key}.${entry}`;
      }
      continue;
    }
    if (!same(a[key], b[key])) return key;
  }
  return undefined;
}
