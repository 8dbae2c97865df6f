/**
 * The one redaction step. Every URL and every command, flag or configuration
 * value the repository scanner keeps passes through here before it enters the
 * facts (`redactFacts`), and so does every line `trustgate fix` prints: facts
 * are all the reporters see, so a secret that is not here reaches no report.
 *
 * What is taken out, whatever the value looks like:
 * - the user info of every URL, with a scheme or protocol-relative
 *   (`https://u:TOKEN@host/`, `//u:TOKEN@host/:_authToken=`): stripped;
 * - query parameters that carry credentials (`?token=`, `access_token=`, `sig=`…);
 * - the value of a credential-bearing key or flag, in every spelling:
 *   `_authToken=V`, `//host/:_authToken V`, `--_auth=V`, `--otp V`,
 *   `NPM_TOKEN: V`, `npm config set //host/:_authToken V`, `-H "Authorization: Bearer V"`;
 * - in commands, the value of every `VAR=value` word;
 * - words shaped like tokens wherever they stand (`npm_…`, long mixed-case
 *   base64, UUIDs; in commands, long hex too).
 *
 * References (`$NPM_TOKEN`, `${{ secrets.NPM_TOKEN }}`) are names, not secrets,
 * and stay.
 */
import type { Facts } from '@trustgate/core';
import { wordSplit } from './shell.js';

export const MASK = '***';

/** Words that, as the last part of a key, flag or header name, say its value is a credential. */
const CREDENTIAL_WORDS = new Set([
  'token',
  'auth',
  'ident',
  'password',
  'passwd',
  'pass',
  'secret',
  'otp',
  'apikey',
  'credential',
  'credentials',
  'authorization',
  'cookie',
  'bearer',
]);
/** Two-part endings that say the same (`x-api-key`, `AWS_SECRET_ACCESS_KEY` is covered by `secret`). */
const CREDENTIAL_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'auth key']);

/**
 * A key, flag or header whose value is a credential: `_authToken`, `//host/:_auth`,
 * `--otp`, `NPM_TOKEN`, `npm_config__password`, `npmAuthIdent`, `Authorization`, `X-Api-Key`.
 * GitHub's `id-token` permission is not one.
 */
export function isCredentialName(name: string): boolean {
  let n = name.replace(/^-+/, '').replace(/:$/, '');
  if (n.startsWith('//')) n = n.slice(n.lastIndexOf(':') + 1);
  n = n.replace(/^npm_config_/i, '');
  if (/^id[-_]token$/i.test(n)) return false;
  const parts = n
    .split(/[-_.\s]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
  const last = parts.at(-1);
  if (last === undefined) return false;
  return CREDENTIAL_WORDS.has(last) || (parts.length > 1 && CREDENTIAL_PAIRS.has(parts.slice(-2).join(' ')));
}

/** npm's own credential settings, which `npm config set KEY VALUE` takes as two words. */
const NPM_CREDENTIAL_KEY =
  /^(?:\/\/[^\s=]*:)?(?:npm_config_)?(?:_authToken|_auth|_password|npmAuthToken|npmAuthIdent|_authtoken)$/i;

/** A value that names a secret rather than being one. */
function isReference(value: string): boolean {
  return value.startsWith('$') || value.startsWith('%') || value === MASK;
}

/** Token-shaped: `npm_…`, long mixed-case alphanumeric runs (npm tokens, base64), not names or paths. */
export function looksLikeSecret(word: string): boolean {
  if (word.startsWith('npm_') && word.length >= 20) return true;
  return (
    word.length >= 24 &&
    /^[A-Za-z0-9+/=_-]+$/.test(word) &&
    /[0-9]/.test(word) &&
    /[a-z]/.test(word) &&
    /[A-Z]/.test(word)
  );
}

// Every pattern here runs on text a pull request writes (a 1 MiB line), so each is linear:
// no optional prefix before a repeated class, no lazy run before an alternation.
/** `//user:password@`: the user info of a URL with a scheme or protocol-relative; the scheme is left as it is. */
const USERINFO = /\/\/[^\s/?#"'`<>\\]+@/g;
/** A query parameter: its name is judged apart (`SECRET_PARAM`), so the match stays linear. */
const QUERY_PARAM = /([?&;])([A-Za-z0-9_.-]+)=([^&#\s"'`]+)/g;
const SECRET_PARAM = /token|auth|key|secret|password|passwd|pass|sig|signature|credential|session|code/i;

/**
 * Every URL in `text` without its user info (`https://u:p@host/` → `https://host/`,
 * `//u:p@host/` → `//host/`), and with credential query parameters masked.
 */
export function redactUrl(text: string): string {
  if (!text.includes('@') && !text.includes('=')) return text;
  return text
    .replace(USERINFO, '//')
    .replace(QUERY_PARAM, (all, sep: string, name: string, value: string) =>
      SECRET_PARAM.test(name) && !isReference(value) ? `${sep}${name}=${MASK}` : all,
    );
}

/**
 * A registry URL as facts keep it: no user info, no credential parameters, one
 * trailing slash; a protocol-relative one (`//host/`) is https, as npm uses it.
 */
export function registryUrl(url: string): string {
  let u = redactUrl(url.trim());
  if (u.startsWith('//')) u = `https:${u}`;
  return u.endsWith('/') ? u : `${u}/`;
}

interface Span {
  start: number;
  end: number;
  /** The word with quotes and escapes removed. */
  value: string;
}

const OPERATOR = new Set([';', '&', '|', '<', '>', '(', ')']);

/**
 * Shell-like words of one line, with where each stands in it: whitespace and
 * operators separate words, quotes group, `${{ … }}` and `$( … )` stay one word.
 * An unclosed quote runs to the end of the line.
 */
function spans(line: string): Span[] {
  const out: Span[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (/\s/.test(line[i]!) || OPERATOR.has(line[i]!))) i++;
    if (i >= line.length) break;
    const start = i;
    let value = '';
    while (i < line.length && !/\s/.test(line[i]!) && !OPERATOR.has(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        const stop = close === -1 ? line.length : close;
        value += line.slice(i + 1, stop);
        i = stop + 1;
      } else if (c === '$' && (line.startsWith('${{', i) || line[i + 1] === '(')) {
        const close = line.startsWith('${{', i) ? line.indexOf('}}', i) : line.indexOf(')', i);
        const stop = close === -1 ? line.length : close + (line.startsWith('${{', i) ? 2 : 1);
        value += line.slice(i, stop);
        i = stop;
      } else if (c === '\\' && i + 1 < line.length) {
        value += line[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    out.push({ start, end: Math.min(i, line.length), value });
  }
  return out;
}

/** A masked word: its quotes kept, its content gone. */
function maskWord(raw: string): string {
  const q = raw[0];
  return (q === '"' || q === "'") && raw.length > 1 && raw.endsWith(q) ? `${q}${MASK}${q}` : MASK;
}

/** Header names whose value is a credential even when `isCredentialName` would not say so. */
const HEADER_SCHEMES = /^(bearer|basic|token|digest|negotiate|ntlm)$/i;

type Pending = undefined | 'value' | 'header' | 'scheme';

interface Options {
  /** A command kept in facts: every `VAR=value` is masked, and long hex words too. */
  command?: boolean;
  depth?: number;
}

/** Redact one line (no newlines), carrying what the previous line left pending (a `\` continuation). */
function redactLine(line: string, options: Options, pending: Pending): { text: string; pending: Pending } {
  const depth = options.depth ?? 0;
  let text = redactUrl(line);
  text = maskAssignments(text, options.command === true);
  // Two-word forms: `--_authToken VALUE`, `npm config set //host/:_authToken VALUE`,
  // `NPM_TOKEN: VALUE`, `-H "Authorization: Bearer VALUE"`.
  const words = spans(text);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [index, w] of words.entries()) {
    const raw = text.slice(w.start, w.end);
    // A line continuation, and the `=` of `key = value`, keep what is pending for the next word.
    if ((raw === '\\' && index === words.length - 1) || (pending && (raw === '=' || raw === ':'))) continue;
    if (pending === 'scheme' && HEADER_SCHEMES.test(w.value)) {
      pending = 'value';
      continue;
    }
    if (pending === 'header') {
      // The header as one word ("Authorization: Bearer V"): everything after its first colon.
      const colon = raw.indexOf(':');
      if (colon !== -1 && colon < raw.length - 1) {
        const q = raw[0] === '"' || raw[0] === "'" ? raw[0] : '';
        edits.push({ start: w.start, end: w.end, text: `${raw.slice(0, colon + 1)} ${MASK}${q}` });
        pending = undefined;
      } else pending = colon === raw.length - 1 ? 'scheme' : undefined;
      continue;
    }
    if (pending === 'value' || pending === 'scheme') {
      pending = undefined;
      if (!isReference(w.value) && !(w.value.startsWith('-') && w.value.length > 1)) {
        edits.push({ start: w.start, end: w.end, text: maskWord(raw) });
        continue;
      }
    }
    const v = w.value;
    // `--header=Name: value`, `-H=Name:value`: everything after the header's colon.
    const headerFlag = /^(?:--header|-H)=/.exec(raw);
    if (headerFlag) {
      const colon = raw.indexOf(':');
      const q = /["']$/.test(raw) ? raw.at(-1) : '';
      if (colon !== -1)
        edits.push({ start: w.start, end: w.end, text: `${raw.slice(0, colon + 1)} ${MASK}${q}` });
      continue;
    }
    if (/^-{1,2}[^-=\s]/.test(v) && !v.includes('=')) {
      if (v === '-H' || v === '--header') pending = 'header';
      else if (isCredentialName(v)) pending = 'value';
      continue;
    }
    if (NPM_CREDENTIAL_KEY.test(v)) {
      pending = 'value';
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_.-]*:$/.test(v) && isCredentialName(v)) {
      pending = 'scheme';
      continue;
    }
    // `Authorization:Bearer V` in one unquoted word.
    const glued = /^([A-Za-z][A-Za-z0-9_-]*):(\S.*)$/s.exec(v);
    if (glued && !v.includes('//') && isCredentialName(glued[1]!)) {
      edits.push({ start: w.start, end: w.end, text: `${glued[1]}:${MASK}` });
      continue;
    }
    // A quoted word with spaces in it is a command or a header of its own: `sh -c "…"`.
    const open = raw.search(/["']/);
    if (/\s/.test(v) && open !== -1 && depth < 3) {
      const close = raw.indexOf(raw[open]!, open + 1);
      const end = close === -1 ? raw.length : close;
      const inner = raw.slice(open + 1, end);
      const redacted = redactLine(inner, { ...options, depth: depth + 1 }, undefined).text;
      if (redacted !== inner)
        edits.push({ start: w.start, end: w.end, text: raw.slice(0, open + 1) + redacted + raw.slice(end) });
    }
  }
  text = applyEdits(text, edits);
  // Token-shaped words, wherever they stand.
  text = text
    .replace(/[A-Za-z0-9+/=_-]{20,}/g, (word) => (looksLikeSecret(word) ? MASK : word))
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, MASK);
  // Long hex is a token in a command, but a pinned commit after `@` (`uses: x/y@<sha>`).
  if (options.command) text = text.replace(/(?<![@\w])[0-9a-f]{32,}\b/gi, MASK);
  return { text, pending };
}

const KEY_CHAR = /[A-Za-z0-9_.:/@-]/;
const VALUE_END = /[\s"'`;&|<>]/;

/**
 * `key=value` where the key names a credential (`--_auth=`, `//host/:_authToken=`,
 * `NPM_TOKEN=`, `_auth = "…"`); in a command, every `VAR=value` too. Walks from
 * each `=` back over its key and forward over its value: linear in the line.
 */
function maskAssignments(line: string, command: boolean): string {
  const edits: { start: number; end: number }[] = [];
  for (let eq = line.indexOf('='); eq !== -1; eq = line.indexOf('=', eq + 1)) {
    if (line[eq + 1] === '=' || line[eq - 1] === '=' || line[eq - 1] === '!') continue;
    let k = eq - 1;
    while (k >= 0 && (line[k] === ' ' || line[k] === '\t')) k--;
    if (line[k] === '"' || line[k] === "'") k--;
    const keyEnd = k + 1;
    while (k >= 0 && KEY_CHAR.test(line[k]!)) k--;
    const written = line.slice(k + 1, keyEnd);
    const key = written.replace(/^-+/, '');
    // In a command, a word `VAR=value` (not `--flag=value`, not `?a=1`) is masked whatever VAR is.
    const assignment =
      command &&
      written === key &&
      (k < 0 || /[\s"'`;|(]/.test(line[k]!)) &&
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
    if (key === '' || !(assignment || isCredentialName(key))) continue;
    let v = eq + 1;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t')) v++;
    if (line[v] === '"' || line[v] === "'") v++;
    // A reference is a name, not a secret (and is not walked: the search goes on from the next `=`).
    if (
      line[v] === '$' ||
      line[v] === '%' ||
      (line.startsWith(MASK, v) && VALUE_END.test(line[v + 3] ?? ' '))
    )
      continue;
    let end = v;
    while (end < line.length && !VALUE_END.test(line[end]!)) end++;
    if (end === v) continue;
    edits.push({ start: v, end });
    // What was masked is not searched again: every character is walked once.
    eq = end - 1;
  }
  return applyEdits(
    line,
    edits.map((e) => ({ ...e, text: MASK })),
  );
}

/** `text` with its ranges replaced; the ranges are in order and do not overlap. One pass: linear. */
function applyEdits(text: string, edits: { start: number; end: number; text: string }[]): string {
  if (edits.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(text.slice(at, e.start), e.text);
    at = e.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * `text` with every credential masked, line by line; its lines stay where they
 * are. A line that ends with `\` carries a pending flag over to the next.
 */
export function redactText(text: string, options: Options = {}): string {
  let pending: Pending;
  return text
    .split('\n')
    .map((line) => {
      const r = redactLine(line, options, pending);
      pending = /\\\s*$/.test(line) ? r.pending : undefined;
      return r.text;
    })
    .join('\n');
}

/** A command fit for facts and reports: credentials masked, quotes removed, at most 300 characters. */
export function redactCommand(command: string): string {
  return wordSplit(redactText(command.replace(/\\\r?\n/g, ' '), { command: true }))
    .join(' ')
    .slice(0, 300);
}

/**
 * The redaction step of the repository scan: every URL, command, registry,
 * name and message in the facts, redacted in place. The analysers read the
 * files as written; nothing they keep reaches the facts without passing here.
 */
export function redactFacts(facts: Facts): Facts {
  const text = (s: string) => redactText(s);
  for (const step of facts.workflows ?? []) {
    if (step.command !== undefined) step.command = redactCommand(step.command);
    step.registry = redactUrl(step.registry);
    step.tool = text(step.tool);
    step.auth.tokenEnv = step.auth.tokenEnv.map((s) => text(s));
    step.auth.tokenSecrets = step.auth.tokenSecrets.map((s) => text(s));
  }
  for (const entry of facts.npmrc ?? []) {
    if (entry.registry) entry.registry = redactUrl(entry.registry);
    if (typeof entry.envVar === 'string') entry.envVar = text(entry.envVar);
  }
  for (const m of facts.manifests ?? []) {
    if (m.repository) m.repository = redactUrl(m.repository);
    if (m.publishConfig)
      for (const [k, v] of Object.entries(m.publishConfig))
        if (typeof v === 'string')
          (m.publishConfig as Record<string, unknown>)[k] = k === 'registry' ? redactUrl(v) : text(v);
  }
  for (const source of facts.sources) {
    for (const e of source.errors ?? []) {
      e.message = text(e.message);
      if (e.entity !== undefined) e.entity = text(e.entity);
    }
  }
  return facts;
}
