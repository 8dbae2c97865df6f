import { type Finding, type Reporter, terminalSafe } from '@trustgate/core';
import { anchorOf, exceptionSummary, shortSubject, shown } from './anchor.js';

const LEVEL = { error: '❌ error', warning: '⚠️ warning', note: 'ℹ️ note' } as const;

/** A summary and a findings table, for $GITHUB_STEP_SUMMARY and pull-request comments. */
export const markdown: Reporter = (result, options) => {
  const s = result.summary;
  const findings = shown(result, options.omitWaived);
  const active = findings.filter((f) => !f.exception);
  const waived = findings.filter((f) => f.exception);
  const out: string[] = [];
  const verdict =
    s.error + s.warning + s.note === 0 ? '✅ No problems' : `${s.error + s.warning + s.note} problem(s)`;
  out.push(`## trustgate: ${verdict}`, '');
  out.push(
    `Policy \`${cell(result.policy.name)}\` (${cell(result.policy.file)}), evaluated at ${result.now}.`,
    '',
  );
  out.push('| errors | warnings | notes | waived | indeterminate | exceptions expired | expiring | stale |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  out.push(
    `| ${s.error} | ${s.warning} | ${s.note} | ${s.waived} | ${s.indeterminate} | ${s.expiredExceptions} | ${s.expiringExceptions} | ${s.staleExceptions} |`,
    '',
  );
  if (result.drift) {
    const d = result.drift;
    out.push(
      `**Since the baseline:** ${d.new} new, ${d.unchanged} unchanged, ${d.fixed.length} fixed, ${d.expiredSince.length} exceptions expired.`,
      '',
    );
    if (d.fixed.length > 0) {
      out.push('<details><summary>Fixed</summary>', '', '| rule | subject |', '|---|---|');
      for (const f of d.fixed) out.push(`| ${cell(f.ruleId)} | \`${cell(shortSubject(f.subject))}\` |`);
      out.push('', '</details>', '');
    }
  }
  if (active.length > 0) {
    out.push('| level | rule | subject | message | where |', '|---|---|---|---|---|');
    for (const f of active) out.push(row(f, result));
    out.push('');
  }
  if (waived.length > 0) {
    out.push(
      '<details><summary>Waived findings</summary>',
      '',
      '| rule | subject | exception |',
      '|---|---|---|',
    );
    for (const f of waived)
      out.push(
        `| ${ruleLink(f, result)} | \`${cell(shortSubject(f.subject))}\` | ${cell(exceptionSummary(f.exception!))} |`,
      );
    out.push('', '</details>', '');
  }
  // Each entry is one line: whatever a value holds, it cannot start a line of its own (a workflow
  // command, when the report is printed in a CI log) nor reach a terminal as an escape sequence.
  return `${out.map(terminalSafe).join('\n')}\n`;
};

function row(f: Finding, result: Parameters<Reporter>[0]): string {
  const at = anchorOf(f, result);
  const where = at.via === 'finding' ? `\`${cell(at.file)}:${at.line}\`` : '';
  const level = `${f.drift === 'new' ? '🆕 ' : ''}${LEVEL[f.level]}${f.indeterminate ? ' (indeterminate)' : ''}`;
  const expired = f.expiredException ? ` Exception expired ${f.expiredException.expires}.` : '';
  return `| ${level} | ${ruleLink(f, result)} | \`${cell(shortSubject(f.subject))}\` | ${cell(f.message)}${cell(expired)} | ${where} |`;
}

function ruleLink(f: Finding, result: Parameters<Reporter>[0]): string {
  const docs = f.helpUri ?? result.rules.find((r) => r.id === f.ruleId)?.docs;
  return docs ? `[${f.ruleId}](${docs})` : f.ruleId;
}

/** Table cells: no pipes, no HTML, and control characters shown as escapes (`\n`, `\x1b`). */
function cell(s: string): string {
  return terminalSafe(s)
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}
