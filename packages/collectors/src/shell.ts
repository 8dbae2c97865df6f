/**
 * Just enough shell to read CI scripts: split a script into simple commands,
 * word-split them, and recognise npm publishing and token writes. Nothing is run.
 */

export interface Command {
  /** The command as written (continuation lines joined). */
  text: string;
  /** Words after quote removal. */
  words: string[];
  /** 0-based line of the command within the script. */
  line: number;
}

/** Split a script into simple commands at newlines, `&&`, `||`, `;`, `|` and `&`. */
export function splitCommands(script: string): Command[] {
  const out: Command[] = [];
  const lines = script.split('\n');
  let buffer = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (buffer === '') startLine = i;
    if (/\\\s*$/.test(raw)) {
      buffer += `${raw.replace(/\\\s*$/, '')} `;
      continue;
    }
    buffer += raw;
    for (const part of splitOperators(stripComment(buffer))) {
      const words = wordSplit(part);
      if (words.length > 0) out.push({ text: part.trim(), words, line: startLine });
    }
    buffer = '';
  }
  if (buffer.trim()) {
    for (const part of splitOperators(stripComment(buffer))) {
      const words = wordSplit(part);
      if (words.length > 0) out.push({ text: part.trim(), words, line: startLine });
    }
  }
  return out;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function splitOperators(line: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let depth = 0; // inside $( ... ) or ${{ ... }}
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      current += c;
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      current += c;
      continue;
    }
    // `${{ … }}` opens once: it closes with one `}}`.
    if (c === '$' && line[i + 1] === '{' && line[i + 2] === '{') {
      depth++;
      current += '${{';
      i += 2;
      continue;
    }
    if ((c === '$' && (line[i + 1] === '(' || line[i + 1] === '{')) || (c === '{' && line[i + 1] === '{')) {
      depth++;
      current += c;
      continue;
    }
    if ((c === ')' || c === '}') && depth > 0) {
      if (c === '}' && line[i + 1] === '}') {
        current += c;
        i++;
        current += '}';
      } else current += c;
      depth--;
      continue;
    }
    if (depth === 0 && (c === ';' || c === '|' || c === '&')) {
      parts.push(current);
      current = '';
      if ((c === '|' || c === '&') && line[i + 1] === c) i++;
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Word splitting with quote removal; `${{ … }}` stays one word. */
export function wordSplit(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let has = false;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
      else current += c;
      continue;
    }
    if (c === '$' && command.startsWith('${{', i)) {
      const end = command.indexOf('}}', i);
      const stop = end === -1 ? command.length : end + 2;
      current += command.slice(i, stop);
      has = true;
      i = stop - 1;
      continue;
    }
    if (c === '$' && command[i + 1] === '(') {
      let depth = 0;
      let j = i;
      for (; j < command.length; j++) {
        if (command[j] === '(') depth++;
        else if (command[j] === ')' && --depth === 0) break;
      }
      current += command.slice(i, j + 1);
      has = true;
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (has) words.push(current);
      current = '';
      has = false;
      continue;
    }
    if (c === '\\' && i + 1 < command.length) {
      current += command[++i];
      has = true;
      continue;
    }
    current += c;
    has = true;
  }
  if (has) words.push(current);
  return words;
}

/** What a publishing command is. */
export interface PublishCommand {
  tool: string;
  /** `--registry` on the command line, if any. */
  registry?: string;
  /** `--provenance` on the command line: true; `--no-provenance`: false; else undefined. */
  provenance?: boolean;
  /** Publishing happens inside a script trustgate cannot see (an npm script or a file). */
  indirect: boolean;
  /** The npm script that was followed, if any. */
  viaScript?: string;
}

/** Wrappers to look through: `npx -y x`, `pnpm exec x`, `FOO=1 x`, `sudo x`. */
function unwrap(words: string[]): string[] {
  let w = [...words];
  for (let guard = 0; guard < 10 && w.length > 0; guard++) {
    const [first, second] = w;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first!)) w = w.slice(1);
    else if (
      first === 'sudo' ||
      first === 'time' ||
      first === 'env' ||
      first === 'command' ||
      first === 'exec'
    )
      w = w.slice(1);
    else if (first === 'npx' || first === 'bunx' || first === 'pnpx') {
      w = w.slice(1);
      while (w[0]?.startsWith('-')) w = w.slice(w[0] === '-p' || w[0] === '--package' ? 2 : 1);
    } else if ((first === 'pnpm' || first === 'yarn') && (second === 'exec' || second === 'dlx')) {
      w = w.slice(2);
      while (w[0]?.startsWith('-')) w = w.slice(1);
    } else if (first === 'npm' && (second === 'exec' || second === 'x')) {
      w = w.slice(2);
      while (w[0]?.startsWith('-')) w = w.slice(1);
    } else if ((first === 'vp' || first === 'corepack') && w.length > 1) {
      w = w.slice(second === 'exec' ? 2 : 1);
    } else break;
  }
  // node_modules/.bin/x, ./node_modules/.bin/x, and a pinned version: semantic-release@24
  if (w[0])
    w[0] = w[0]
      .replace(/^(\.\/)?node_modules\/\.bin\/|^\$\((yarn|npm|pnpm) bin\)\//, '')
      .replace(/^(@?[^@/]+(?:\/[^@]+)?)@[^@/]+$/, '$1');
  // pnpm 11's short alias.
  if (w[0] === 'pn') w[0] = 'pnpm';
  return w;
}

const VALUE_FLAGS = new Set([
  '--filter',
  '-F',
  '--workspace',
  '-w',
  '--prefix',
  '-C',
  '--dir',
  '--registry',
  '--tag',
  '--access',
  '--otp',
  '--cwd',
]);

/** The first word after `start` that is neither a flag nor a flag's value. */
function subcommand(words: string[], start: number): { word: string | undefined; index: number } {
  for (let i = start; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (VALUE_FLAGS.has(w)) i++;
      continue;
    }
    return { word: w, index: i };
  }
  return { word: undefined, index: words.length };
}

function flagValue(words: string[], name: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === name) return words[i + 1];
    if (w.startsWith(`${name}=`)) return w.slice(name.length + 1);
  }
  return undefined;
}

function isDryRun(words: string[]): boolean {
  return words.some((w) => w === '--dry-run' || w === '--dry-run=true' || w === '--dry' || w === '--dryRun');
}

const PM_BUILTINS = new Set([
  'install',
  'i',
  'add',
  'remove',
  'rm',
  'update',
  'up',
  'upgrade',
  'ci',
  'test',
  't',
  'build',
  'exec',
  'dlx',
  'link',
  'unlink',
  'pack',
  'publish',
  'config',
  'set',
  'get',
  'init',
  'create',
  'why',
  'list',
  'ls',
  'outdated',
  'audit',
  'version',
  'run',
  'run-script',
  'start',
  'setup',
  'store',
  'prune',
  'dedupe',
  'import',
  'rebuild',
  'workspace',
  'workspaces',
  'npm',
  'install-test',
  'cache',
  'login',
  'logout',
  'whoami',
  'info',
  'view',
  'env',
  'bin',
  'root',
  'help',
  'node',
  'plugin',
  'constraints',
  'dedupe',
  'patch',
  'stage',
  'unplug',
  'changeset',
  'lint',
  'format',
]);

/** Script names that publish when the script body cannot be seen. */
const PUBLISH_NAME = /(^|[^a-z])(publish|release)([^a-z]|$)/i;
const NOT_PUBLISH_NAME =
  /dry|pack|notes|changelog|please|check|verify|detect|draft|docs?\b|pr\b|preview|snapshot-?test/i;
const TEST_PATH = /(^|\/)(e2e|tests?|__tests__|fixtures?|examples?)\//;

export type ScriptLookup = (name: string) => string | undefined;

/**
 * Recognise a command that publishes to a registry. `scripts` looks up npm
 * scripts (from package.json) so that `npm run release` can be followed.
 */
export function classifyPublish(
  words: string[],
  scripts?: ScriptLookup,
  depth = 0,
): PublishCommand | undefined {
  const w = unwrap(words);
  const [tool] = w;
  if (!tool || isDryRun(w)) return undefined;
  const registry = flagValue(w, '--registry');
  const provenanceFlag =
    w.includes('--provenance') || w.includes('--provenance=true')
      ? true
      : w.includes('--no-provenance') || w.includes('--provenance=false')
        ? false
        : undefined;
  const found = (name: string, indirect = false): PublishCommand => {
    const p: PublishCommand = { tool: name, indirect };
    if (registry) p.registry = registry;
    if (provenanceFlag !== undefined) p.provenance = provenanceFlag;
    return p;
  };

  if (tool === 'npm' || tool === 'pnpm' || tool === 'yarn' || tool === 'bun') {
    const sub = subcommand(w, 1);
    if (sub.word === 'publish') return found(tool);
    // npm 11's staged publishing: `npm stage publish` (and pnpm's), published once approved.
    if (sub.word === 'stage' && subcommand(w, sub.index + 1).word === 'publish') return found(tool);
    // Run something else in a workspace: `yarn workspace a exec npm publish`, `pnpm --filter a exec …`.
    if (tool === 'yarn' && sub.word === 'workspace') {
      const pkg = subcommand(w, sub.index + 1);
      return classifyPublish(w.slice(pkg.index + 1), scripts, depth + 1);
    }
    if (tool === 'yarn' && sub.word === 'workspaces' && subcommand(w, sub.index + 1).word === 'foreach') {
      const rest = w.slice(subcommand(w, sub.index + 1).index + 1);
      const start = rest.findIndex((x) => !x.startsWith('-'));
      return start === -1 ? undefined : classifyPublish(rest.slice(start), scripts, depth + 1);
    }
    if (sub.word === 'exec' || sub.word === 'x' || sub.word === 'dlx') {
      let rest = w.slice(sub.index + 1);
      while (rest[0]?.startsWith('-')) rest = rest.slice(1);
      return classifyPublish(rest, scripts, depth + 1);
    }
    if (tool === 'yarn' && sub.word === 'npm' && subcommand(w, sub.index + 1).word === 'publish')
      return found('yarn');
    if (sub.word === 'changeset' && subcommand(w, sub.index + 1).word === 'publish')
      return found('changesets');
    let script: string | undefined;
    let rest: string[] = [];
    if (sub.word === 'run' || sub.word === 'run-script') {
      const s = subcommand(w, sub.index + 1);
      script = s.word;
      rest = w.slice(s.index + 1);
    } else if (
      (tool === 'pnpm' || tool === 'yarn' || tool === 'bun') &&
      sub.word &&
      !PM_BUILTINS.has(sub.word)
    ) {
      script = sub.word;
      rest = w.slice(sub.index + 1);
    }
    if (script !== undefined) {
      if (isDryRun(rest)) return undefined;
      // A workspace tool run through the package manager: `yarn lerna publish`, `pnpm changeset publish`.
      const direct = classifyPublish([script, ...rest], scripts, depth + 1);
      if (direct && !direct.indirect) return direct;
      const body = scripts?.(script);
      if (body !== undefined && depth < 5) {
        for (const c of splitCommands(body)) {
          const inner = classifyPublish([...c.words, ...rest], scripts, depth + 1);
          if (inner) return { ...inner, viaScript: inner.viaScript ?? script };
        }
        return undefined;
      }
      if (body === undefined && PUBLISH_NAME.test(script) && !NOT_PUBLISH_NAME.test(script)) {
        return { ...found('npm-script', true), viaScript: script };
      }
      return direct;
    }
    return undefined;
  }
  if (tool === 'lerna' && subcommand(w, 1).word === 'publish') return found('lerna');
  if (tool === 'changeset' && subcommand(w, 1).word === 'publish') return found('changesets');
  if (tool === 'semantic-release' || tool === 'multi-semantic-release') return found('semantic-release');
  if (tool === 'release-it' && !w.includes('--no-npm') && !w.includes('--no-npm.publish'))
    return found('release-it');
  if (tool === 'changelogen' && w.includes('--publish')) return found('changelogen');
  if (tool === 'np' && !w.includes('--no-publish')) return found('np');
  if (tool === 'nx' && subcommand(w, 1).word === 'release') {
    const next = subcommand(w, subcommand(w, 1).index + 1).word;
    if (next === 'publish' || (next === undefined && !w.includes('--skip-publish'))) return found('nx');
    return undefined;
  }
  if (
    tool === 'npmci' &&
    (subcommand(w, 1).word === 'publish' || w.slice(1, 3).join(' ') === 'npm publish')
  ) {
    return found('npmci');
  }
  // A script file whose name says it publishes to npm: node scripts/publish.js, ./03-release-npm.sh.
  // Test and end-to-end scripts publish to throwaway registries, not npm.
  const file = ['node', 'tsx', 'ts-node', 'bun', 'deno', 'bash', 'sh', 'zx'].includes(tool)
    ? subcommand(w, 1).word
    : tool;
  if (file && /[./]/.test(file) && !file.startsWith('-') && !TEST_PATH.test(file)) {
    const base = file
      .split('/')
      .pop()!
      .replace(/\.[cm]?[jt]s$|\.sh$/, '');
    const says = /publish(?!ed)/i.test(base) || (/release/i.test(base) && /npm/i.test(base));
    if (says && !NOT_PUBLISH_NAME.test(base)) return found('script', true);
  }
  return undefined;
}

/** A credential a command writes for npm: `echo //host/:_authToken=… >> .npmrc`, `npm config set …`. */
export interface TokenWrite {
  key: '_authToken' | '_auth' | '_password';
  registry: string;
  /** Where the value comes from. */
  value:
    | { kind: 'secret'; name: string }
    | { kind: 'env'; name: string }
    | { kind: 'literal' }
    | { kind: 'empty' };
}

const WRITE_PATTERN =
  /(?:(\/\/[^\s"'=]+?\/?):)?(_authToken|_auth|_password|npmAuthToken|npmAuthIdent)["']?\s*(?:=|\s)\s*["']?(\$\{\{[^}]*\}\}|[^\s"';&|]*)/g;

/** Credentials a command writes for npm or yarn. Values are classified, never kept. */
export function tokenWrites(command: string, defaultRegistry = 'https://registry.npmjs.org/'): TokenWrite[] {
  if (!/_auth|_password|npmAuth/.test(command)) return [];
  const writes: TokenWrite[] = [];
  for (const m of command.matchAll(WRITE_PATTERN)) {
    const [, host, rawKey, rawValue = ''] = m;
    const key =
      rawKey === 'npmAuthToken'
        ? '_authToken'
        : rawKey === 'npmAuthIdent'
          ? '_auth'
          : (rawKey as TokenWrite['key']);
    writes.push({
      key,
      registry: host ? `https:${host.endsWith('/') ? host : `${host}/`}` : defaultRegistry,
      value: classifyValue(rawValue),
    });
  }
  return writes;
}

/** `${{ secrets.X }}`, `$X` / `${X}`, a literal, or nothing. */
export function classifyValue(raw: string): TokenWrite['value'] {
  const v = raw.trim();
  const secret = /\$\{\{\s*secrets\.([A-Za-z0-9_-]+)\s*\}\}/.exec(v);
  if (secret) return { kind: 'secret', name: secret[1]! };
  const expr = /\$\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}/.exec(v);
  if (expr) return { kind: 'env', name: expr[1]! };
  const env = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(v);
  if (env) return { kind: 'env', name: env[1]! };
  if (v === '' || v === '""' || v === "''") return { kind: 'empty' };
  if (v.startsWith('${{')) return { kind: 'env', name: v.replace(/^\$\{\{\s*|\s*\}\}$/g, '') };
  return { kind: 'literal' };
}
