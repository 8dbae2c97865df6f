import { createHash } from 'node:crypto';
import type { Finding, Reporter, RunResult } from '@trustgate/core';
import { anchorOf, shown } from './anchor.js';

/**
 * GitLab's Code Quality report: a JSON array of issues, each with a unique
 * fingerprint, a severity and one location. Waived findings are left out:
 * GitLab has no notion of a waiver, and would count them as problems.
 */
export const gitlab: Reporter = (result, options) => {
  const findings = shown(result, true);
  const issues = findings.map((f) => {
    const at = anchorOf(f, result, options?.anchorFile);
    return {
      description: `${f.message}${f.indeterminate ? ' (indeterminate)' : ''}`,
      check_name: f.ruleId,
      fingerprint: createHash('md5').update(`${f.fingerprint}\n${f.ruleId}\n${f.subject}`).digest('hex'),
      severity: severity(f, result),
      location: { path: at.file, lines: { begin: at.line } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
};

function severity(f: Finding, result: RunResult): 'info' | 'minor' | 'major' | 'critical' | 'blocker' {
  if (f.level === 'note') return 'info';
  if (f.level === 'warning') return 'minor';
  const s = result.rules.find((r) => r.id === f.ruleId)?.securitySeverity ?? 5;
  return s >= 9 ? 'blocker' : s >= 7 ? 'critical' : 'major';
}
