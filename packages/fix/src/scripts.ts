import { classifyPublish, isNpmjs, NPMJS, splitCommands, tokenWrites } from '@trustgate/collectors';

export interface ScriptEdit {
  script: string;
  /** Variables the removed commands read the token from (`$NPM_TOKEN`). */
  vars: string[];
  /** A removed command wrote a literal token: one committed to the repository. */
  literal: boolean;
  /** 0-based line of a token write that could not be taken out on its own. */
  failedLine?: number;
}

/**
 * Take out of a shell script the commands that write an npm token for
 * npmjs (`echo "//registry.npmjs.org/:_authToken=$T" > .npmrc`, `npm config
 * set …`, `yarn config set npmAuthToken …`). A command alone on its line goes
 * with the line; one chained with `&&` or `;` goes with its connector.
 * Writes for other registries stay.
 */
export function removeTokenWrites(script: string, defaultRegistry = NPMJS): ScriptEdit {
  const lines = script.split('\n');
  const vars: string[] = [];
  const drop = new Set<number>();
  let literal = false;
  for (const cmd of splitCommands(script)) {
    const writes = tokenWrites(cmd.text, defaultRegistry);
    if (writes.length === 0) continue;
    if (!writes.every((w) => isNpmjs(w.registry))) continue;
    if (classifyPublish(cmd.words)) return { script, vars, literal, failedLine: cmd.line };
    for (const w of writes) {
      if (w.value.kind === 'env') vars.push(w.value.name);
      if (w.value.kind === 'literal') literal = true;
    }
    // The physical lines of the command (continuations included).
    let end = cmd.line;
    while (end < lines.length - 1 && /\\\s*$/.test(lines[end]!)) end++;
    const physical = lines.slice(cmd.line, end + 1).join('\n');
    const rest = removeFrom(physical, cmd.text);
    if (rest === undefined) return { script, vars, literal, failedLine: cmd.line };
    if (rest.trim() === '') for (let i = cmd.line; i <= end; i++) drop.add(i);
    else {
      lines[cmd.line] = rest;
      for (let i = cmd.line + 1; i <= end; i++) drop.add(i);
    }
  }
  const kept = lines.filter((_, i) => !drop.has(i));
  return { script: kept.join('\n'), vars, literal };
}

/**
 * `physical` without the command `cmd` and the operator that joins it to the
 * rest; '' when nothing else is left; undefined when it cannot be found.
 */
function removeFrom(physical: string, cmd: string): string | undefined {
  const flat = physical.replace(/\\\s*\n\s*/g, ' ');
  const trimmed = flat.trim();
  if (trimmed === cmd) return '';
  // A pipeline that only writes the token: echo … | tee .npmrc, echo … | base64 -d > .npmrc.
  if (/\|/.test(trimmed) && !/&&|;|\|\|/.test(trimmed) && /\.npmrc|npmrc/.test(trimmed)) return '';
  const at = flat.indexOf(cmd);
  if (at === -1) return undefined;
  const before = flat.slice(0, at);
  const after = flat.slice(at + cmd.length);
  const next = /^\s*(?:&&|;)\s*/.exec(after);
  if (next) return before + after.slice(next[0].length);
  const prev = /\s*(?:&&|;)\s*$/.exec(before);
  if (prev && after.trim() === '') return before.slice(0, prev.index) + after;
  return undefined;
}
