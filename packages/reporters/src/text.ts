import type { Finding, Reporter, RunResult } from '@trustgate/core';
import { createColors } from 'picocolors';
import { shortSubject } from './anchor.js';

/** Findings grouped by rule, then a one-line summary. Colour only when `options.color`. */
export const text: Reporter = (result, options) => {
  const c = createColors(options.color);
  const out: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = groups.get(f.ruleId) ?? [];
    list.push(f);
    groups.set(f.ruleId, list);
  }
  const levelText = (f: Finding): string => {
    if (f.exception) return c.dim('waived ');
    if (f.level === 'error') return c.red('error  ');
    if (f.level === 'warning') return c.yellow('warning');
    return c.blue('note   ');
  };
  const descriptions = new Map(result.rules.map((r) => [r.id, r.description]));
  for (const [ruleId, findings] of groups) {
    const description = descriptions.get(ruleId);
    out.push(`${c.bold(ruleId)}${description ? c.dim(`  ${description}`) : ''}`);
    for (const f of findings) {
      const tags = f.indeterminate ? c.dim(' [indeterminate]') : '';
      const isNew = f.drift === 'new' ? c.magenta(' [new]') : '';
      out.push(`  ${levelText(f)}  ${c.cyan(shortSubject(f.subject))}  ${f.message}${tags}${isNew}`);
      if (f.location) {
        const at = [f.location.file, f.location.line, f.location.column]
          .filter((x) => x !== undefined)
          .join(':');
        out.push(`           ${c.dim(`at ${at}`)}`);
      }
      if (f.exception) out.push(`           ${c.dim(`Waived until ${exceptionText(f.exception)}`)}`);
      if (f.expiredException)
        out.push(`           ${c.yellow(`Exception expired ${exceptionText(f.expiredException)}`)}`);
    }
    out.push('');
  }
  if (result.drift) {
    const d = result.drift;
    out.push(
      c.bold(
        `Since ${d.baseline}: ${d.new} new, ${d.unchanged} unchanged, ${d.fixed.length} fixed${d.expiredSince.length ? `, ${d.expiredSince.length} exception${d.expiredSince.length === 1 ? '' : 's'} expired` : ''}.`,
      ),
    );
    for (const f of d.fixed) out.push(c.green(`  fixed    ${shortSubject(f.subject)}  ${f.ruleId}`));
    for (const e of d.expiredSince)
      out.push(
        c.yellow(
          `  expired  ${shortSubject(e.subject)}  ${e.ruleId} (exception ${e.ticket ?? ''} ended ${e.expires})`,
        ),
      );
  }
  out.push(summaryLine(result, c));
  return `${out.join('\n')}\n`;
};

function exceptionText(e: NonNullable<Finding['exception']>): string {
  const who = [e.ticket, e.owner].filter(Boolean).join(', ');
  return `${e.expires}${who ? ` (${who})` : ''}: ${e.reason}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function summaryLine(result: RunResult, c: ReturnType<typeof createColors>): string {
  const s = result.summary;
  const problems = s.error + s.warning + s.note;
  const extra: string[] = [];
  if (s.waived) extra.push(`${s.waived} waived`);
  if (s.indeterminate) extra.push(`${s.indeterminate} indeterminate`);
  if (s.expiredExceptions) extra.push(plural(s.expiredExceptions, 'expired exception'));
  if (s.expiringExceptions) extra.push(`${s.expiringExceptions} expiring soon`);
  if (s.staleExceptions) extra.push(plural(s.staleExceptions, 'stale exception'));
  if (s.ruleFailures) extra.push(plural(s.ruleFailures, 'rule failure'));
  const tail = extra.length ? `; ${extra.join(', ')}` : '';
  if (problems === 0) return c.green(`✔ No problems${tail}.`);
  const counts = [plural(s.error, 'error'), plural(s.warning, 'warning'), plural(s.note, 'note')].join(', ');
  const line = `✖ ${plural(problems, 'problem')} (${counts})${tail}.`;
  return s.error > 0 ? c.red(c.bold(line)) : c.yellow(c.bold(line));
}
