import { isNpmjs, uniq } from '@trustgate/collectors';
import { publishesWithOidcOnly, type WorkflowStep } from '@trustgate/core';
import { type Document, isMap, LineCounter, parseDocument, type ToStringOptions, type YAMLMap } from 'yaml';
import { carryOver, changedOutside, styleOf, UNEXPANDABLE } from './merge.js';
import type { FileFix } from './types.js';

export interface Problem {
  line: number;
  why: string;
}

/** A file being fixed: its document, and a fix that stays `refused` until `finish` accepts the edit. */
export interface Edit {
  fix: FileFix;
  refuse(line: number, why: string): void;
  doc: Document;
  root: YAMLMap;
  style: ToStringOptions;
  /** The parser's serialisation of the unedited document. */
  base: string;
}

/** Parse a CI file for editing; undefined (with the fix refused) when it does not parse to a map. */
export function startEdit(
  file: string,
  provider: FileFix['provider'],
  source: string,
  targets: WorkflowStep[],
): { edit?: Edit; fix: FileFix } {
  const fix: FileFix = {
    file,
    provider,
    status: 'refused',
    before: source,
    after: source,
    steps: targets.map((s) => s.id),
    reasons: [],
    notes: [],
    trust: [],
  };
  const refuse = (line: number, why: string) => {
    fix.reasons.push(`${file}:${line}: ${why}`);
  };
  const doc = parseDocument(source, { uniqueKeys: false });
  const root = doc.contents;
  if (doc.errors.length > 0 || !isMap(root)) {
    refuse(1, 'The YAML parser cannot read the file, so it cannot be edited safely.');
    return { fix };
  }
  // A key twice in one map: which one counts depends on the CI system; an edit could pick the other.
  const lines = new LineCounter();
  const duplicate = parseDocument(source, { lineCounter: lines }).errors.find(
    (e) => e.code === 'DUPLICATE_KEY',
  );
  if (duplicate) {
    refuse(
      lines.linePos(duplicate.pos[0]).line,
      'A key appears twice in the same map here; trustgate does not edit a file whose meaning depends on which one wins.',
    );
    return { fix };
  }
  const style = styleOf(source);
  return { fix, edit: { fix, refuse, doc, root, style, base: doc.toString(style) } };
}

/**
 * Accept the edit, or refuse the whole file: the edit is carried over to the
 * file as written, nothing outside `editable` may change meaning, and `verify`
 * must find every publish of the fixed jobs on OIDC alone.
 */
export function finishEdit(
  edit: Edit,
  source: string,
  editable: Parameters<typeof changedOutside>[2],
  lineOfKey: (path: string) => number,
  verify: (after: string) => Problem | undefined,
): FileFix {
  const { fix, refuse } = edit;
  const done = (): FileFix => {
    if (fix.reasons.length > 0) {
      fix.notes = [];
      fix.trust = [];
      return fix;
    }
    return fix;
  };
  if (fix.reasons.length > 0) return done();
  const carried = carryOver(source, edit.base, edit.doc.toString(edit.style));
  if (!carried.ok) {
    refuse(
      carried.line,
      'The edit must change this part of the file, and the YAML parser does not reproduce it exactly as written; edit it by hand.',
    );
    return done();
  }
  const outside = changedOutside(source, carried.text, editable);
  const problem =
    outside === UNEXPANDABLE
      ? {
          line: 1,
          why: 'The file has a merge key or aliases the YAML parser cannot expand, so what else an edit would change cannot be checked; edit it by hand.',
        }
      : outside
        ? {
            line: lineOfKey(outside),
            why: `The edit would also change ${outside} (through a YAML anchor or alias); edit it by hand.`,
          }
        : verify(carried.text);
  if (problem) {
    refuse(problem.line, problem.why);
    return done();
  }
  fix.status = 'fixed';
  fix.after = carried.text;
  return fix;
}

/**
 * After the edit, every npmjs publish of the fixed jobs must authenticate with
 * OIDC alone, and none may be lost. Lines are those of the file as it was.
 */
export function checkRescan(
  steps: WorkflowStep[],
  targets: WorkflowStep[],
  where: string,
): Problem | undefined {
  for (const job of uniq(targets.map((t) => t.job))) {
    const now = steps.filter((s) => s.job === job && isNpmjs(s.registry));
    const line = targets.find((t) => t.job === job)?.origin.line ?? 1;
    if (now.length < targets.filter((t) => t.job === job).length)
      return {
        line,
        why: `After the edit, job "${job}" publishes fewer times than before; nothing was changed.`,
      };
    const left = now.find((s) => !publishesWithOidcOnly(s));
    if (left) {
      const what = uniq([...left.auth.tokenSecrets, ...left.auth.tokenEnv]);
      return {
        line,
        why: what.length
          ? `After the edit, this publish still reads the token ${what.join(', ')} (set in ${where} trustgate does not edit); edit it by hand.`
          : 'After the edit, this publish still has no OIDC token; edit it by hand.',
      };
    }
  }
  return undefined;
}

/** Whether a node's scripts or inputs read `$NAME`, `${NAME}` or `env.NAME`. */
export function readsVar(node: unknown, name: string): boolean {
  let body: string;
  try {
    body = JSON.stringify((node as { toJSON?: () => unknown })?.toJSON?.() ?? null);
  } catch {
    return true; // cannot be read: count it as read, and refuse
  }
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\$\\{?${esc}\\b|env\\.${esc}\\b`).test(body);
}
