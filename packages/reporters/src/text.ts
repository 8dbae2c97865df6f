import { type Finding, type Reporter, type RunResult, terminalSafe } from '@trustgate/core';
import { createColors } from 'picocolors';
import { shortSubject } from './anchor.js';

type Colors = ReturnType<typeof createColors>;
type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'blue' | 'cyan' | 'magenta' | 'green';

/** Text already made safe and coloured by `paint`; `line` passes it through as it is. */
class Painted {
  constructor(readonly text: string) {}
}
type Part = string | Painted;

/**
 * One line of output. Every string in it is shown terminal-safe (control and
 * bidi characters as escapes): the only way into the output is through here.
 */
function line(...parts: Part[]): string {
  let out = '';
  for (const part of parts) out += part instanceof Painted ? part.text : terminalSafe(part);
  return out;
}

/** Findings grouped by rule, then a one-line summary. Colour only when `options.color`. */
export const text: Reporter = (result, options) => {
  const c = createColors(options.color);
  const paint = (style: Style, ...parts: Part[]) => new Painted(c[style](line(...parts)));
  const out: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = groups.get(f.ruleId);
    if (list) list.push(f);
    else groups.set(f.ruleId, [f]);
  }
  const levelText = (f: Finding): Painted => {
    if (f.exception) return paint('dim', 'waived ');
    if (f.level === 'error') return paint('red', 'error  ');
    if (f.level === 'warning') return paint('yellow', 'warning');
    return paint('blue', 'note   ');
  };
  const descriptions = new Map(result.rules.map((r) => [r.id, r.description]));
  for (const [ruleId, findings] of groups) {
    const description = descriptions.get(ruleId);
    out.push(line(paint('bold', ruleId), description ? paint('dim', `  ${description}`) : ''));
    for (const f of findings) {
      const tags = f.indeterminate ? paint('dim', ' [indeterminate]') : '';
      const isNew = f.drift === 'new' ? paint('magenta', ' [new]') : '';
      out.push(
        line('  ', levelText(f), '  ', paint('cyan', shortSubject(f.subject)), '  ', f.message, tags, isNew),
      );
      if (f.location) {
        const at = [f.location.file, f.location.line, f.location.column]
          .filter((x) => x !== undefined)
          .join(':');
        out.push(line('           ', paint('dim', `at ${at}`)));
      }
      if (f.exception)
        out.push(line('           ', paint('dim', `Waived until ${exceptionText(f.exception)}`)));
      if (f.expiredException)
        out.push(
          line('           ', paint('yellow', `Exception expired ${exceptionText(f.expiredException)}`)),
        );
    }
    out.push('');
  }
  if (result.drift) {
    const d = result.drift;
    out.push(
      line(
        paint(
          'bold',
          `Since ${d.baseline}: ${d.new} new, ${d.unchanged} unchanged, ${d.fixed.length} fixed${d.expiredSince.length ? `, ${d.expiredSince.length} exception${d.expiredSince.length === 1 ? '' : 's'} expired` : ''}.`,
        ),
      ),
    );
    for (const f of d.fixed)
      out.push(line(paint('green', `  fixed    ${shortSubject(f.subject)}  ${f.ruleId}`)));
    for (const e of d.expiredSince)
      out.push(
        line(
          paint(
            'yellow',
            `  expired  ${shortSubject(e.subject)}  ${e.ruleId} (exception ${e.ticket ?? ''} ended ${e.expires})`,
          ),
        ),
      );
  }
  out.push(line(summaryLine(result, c)));
  return `${out.join('\n')}\n`;
};

function exceptionText(e: NonNullable<Finding['exception']>): string {
  const who = [e.ticket, e.owner].filter(Boolean).join(', ');
  return `${e.expires}${who ? ` (${who})` : ''}: ${e.reason}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The summary: numbers and words of its own, nothing from the input. */
function summaryLine(result: RunResult, c: Colors): Painted {
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
  if (problems === 0) return new Painted(c.green(`✔ No problems${tail}.`));
  const counts = [plural(s.error, 'error'), plural(s.warning, 'warning'), plural(s.note, 'note')].join(', ');
  const text = `✖ ${plural(problems, 'problem')} (${counts})${tail}.`;
  return new Painted(s.error > 0 ? c.red(c.bold(text)) : c.yellow(c.bold(text)));
}
