import { type Reporter, terminalSafe } from '@trustgate/core';
import { anchorOf, shown } from './anchor.js';

const COMMAND = { error: 'error', warning: 'warning', note: 'notice' } as const;

/**
 * GitHub Actions workflow commands: one `::error file=…,line=…::message`
 * annotation per finding that counts (waived findings are not annotated).
 */
export const github: Reporter = (result, options) => {
  const lines: string[] = [];
  for (const f of shown(result, true)) {
    const at = anchorOf(f, result, options?.anchorFile);
    const props = [`file=${prop(at.file)}`, `line=${at.line}`];
    if (at.column !== undefined && at.via === 'finding') props.push(`col=${at.column}`);
    props.push(`title=${prop(`trustgate ${f.ruleId}`)}`);
    const indeterminate = f.indeterminate ? ' (indeterminate)' : '';
    lines.push(
      `::${COMMAND[f.level]} ${props.join(',')}::${data(`${f.message}${indeterminate} [${f.subject}]`)}`,
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};

/**
 * Escaping from GitHub's toolkit (core/command.ts): data and property values
 * differ. Control and bidi characters are first shown as escapes (`\n`, `\x1b`),
 * as in every text output: a value never breaks the annotation's line, and the
 * log shows no escape sequence from it. The toolkit's own escapes (`%0A`) stay
 * for what remains, so the escaping holds on its own.
 */
function data(s: string): string {
  return terminalSafe(s).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function prop(s: string): string {
  return data(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
