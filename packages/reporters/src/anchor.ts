import { type Finding, type RunResult, SOURCE_ERROR } from '@trustgate/core';

export interface Anchor {
  /** Repo-relative path, forward slashes. */
  file: string;
  line: number;
  column?: number;
  /** How the place was chosen: the finding's own, or the file that best explains it. */
  via: 'finding' | 'package.json' | 'policy' | 'fallback';
}

/** A path GitHub code scanning accepts: relative, inside the repository, no scheme. */
export function isRepoRelative(file: string): boolean {
  return (
    file !== '' &&
    !file.startsWith('/') &&
    !file.startsWith('..') &&
    !/^[a-z][a-z0-9+.-]*:/i.test(file) &&
    !/^[A-Za-z]:\\/.test(file)
  );
}

/**
 * The one file and line a finding is shown at. Findings about files keep their
 * place; a finding about a package is anchored to its package.json; any other
 * (tokens, accounts, collections) to the policy line that set the rule, else
 * the policy file; with a preset, to a file that exists: a file that could not
 * be read (it explains an indeterminate result), the root package.json, any
 * package.json, a file another finding is at, `existing` (a file the caller
 * knows exists), and only then trustgate.yaml.
 */
export function anchorOf(f: Finding, result: RunResult, existing?: string): Anchor {
  if (f.location?.file && isRepoRelative(f.location.file)) {
    const a: Anchor = {
      file: toPosix(f.location.file),
      line: Math.max(1, f.location.line ?? 1),
      via: 'finding',
    };
    if (f.location.column !== undefined && f.location.column >= 1) a.column = f.location.column;
    return a;
  }
  if (f.subject.startsWith('package:')) {
    const file = result.facts.packageFiles[f.subject.slice(8)];
    if (file && isRepoRelative(file)) return { file: toPosix(file), line: 1, via: 'package.json' };
  }
  const rule = result.rules.find((r) => r.id === f.ruleId);
  if (rule?.setBy && isRepoRelative(rule.setBy.file)) {
    return {
      file: toPosix(rule.setBy.file),
      line: rule.setBy.line,
      column: rule.setBy.column,
      via: 'policy',
    };
  }
  if (isRepoRelative(result.policy.file) && !result.policy.file.startsWith('trustgate:')) {
    return { file: toPosix(result.policy.file), line: 1, via: 'policy' };
  }
  const located = (x: Finding) => x.location?.file !== undefined && isRepoRelative(x.location.file);
  const unread = result.findings.find((x) => x.ruleId === SOURCE_ERROR && located(x));
  if (unread?.location)
    return {
      file: toPosix(unread.location.file),
      line: Math.max(1, unread.location.line ?? 1),
      via: 'fallback',
    };
  const packageFiles = Object.values(result.facts.packageFiles).filter(isRepoRelative);
  const file =
    packageFiles.find((p) => p === 'package.json') ??
    packageFiles[0] ??
    result.findings.find(located)?.location?.file ??
    (existing !== undefined && isRepoRelative(existing) ? existing : undefined);
  return { file: toPosix(file ?? 'trustgate.yaml'), line: 1, via: 'fallback' };
}

function toPosix(p: string): string {
  return p.replaceAll('\\', '/');
}

const SUBJECT_ID_MAX = 24;

/**
 * A subject as people read it: in full (file paths, package and account names, so two release
 * workflows never look the same), except an opaque hash id (token keys are 128 hex digits), which
 * is cut to its first 23 digits: 92 bits, unique among any registry's tokens.
 */
export function shortSubject(subject: string): string {
  const i = subject.indexOf(':');
  const id = subject.slice(i + 1);
  return id.length > SUBJECT_ID_MAX && /^[0-9a-f]+$/i.test(id)
    ? `${subject.slice(0, i + 1)}${id.slice(0, SUBJECT_ID_MAX - 1)}…`
    : subject;
}

/** Findings a reporter should show, given `omitWaived`. */
export function shown(result: RunResult, omitWaived: boolean | undefined): Finding[] {
  return omitWaived ? result.findings.filter((f) => !f.exception) : result.findings;
}

/** "reason (SEC-412, platform-team; until 2027-01-31)" */
export function exceptionSummary(e: NonNullable<Finding['exception']>): string {
  const who = [e.ticket, e.owner].filter(Boolean).join(', ');
  return `${e.reason} (${who ? `${who}; ` : ''}until ${e.expires})`;
}
