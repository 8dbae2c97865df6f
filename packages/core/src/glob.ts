import { createRequire } from 'node:module';

/**
 * THE compiler for globs from policies (overrides' `packages` and `subjects`,
 * exceptions' `subject`). A glob is a micromatch pattern with `dot: true`, and
 * no glob, however it is written, can make a run hang: micromatch turns
 * `*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b` into a backtracking regular expression that
 * takes seconds on a 30-character subject, and longer beyond.
 *
 * Three ways to match, cheapest first, each linear in the subject for a given glob:
 *
 * 1. A glob with no glob syntax is compared as a string; nothing is loaded.
 * 2. A glob with one wildcard (`*` or `**`), and otherwise only literal text,
 *    `?` and `[…]`, is micromatch's own matcher: its regular expression has a
 *    single unbounded quantifier, so backtracking tries at most one split of
 *    the subject per position (time ∝ subject × glob length).
 * 3. Anything else (several wildcards, braces, extglobs) is micromatch's
 *    regular expression run on RE2 (re2js), which never backtracks. RE2 has no
 *    lookaround, so the few assertions micromatch adds about path segments
 *    are dropped (see `DROPPED`); a glob that needs any other lookaround (the
 *    extglob `!(…)`) is an error.
 *
 * micromatch loads only for (2) and (3), re2js only for (3).
 */
export type GlobMatcher = (value: string) => boolean;

/** Why a glob cannot be used; the message is one sentence that quotes nothing from the glob. */
export class GlobError extends Error {}

/** The longest glob accepted, in characters. Matching time grows with glob length × subject length. */
export const MAX_GLOB_LENGTH = 1000;

const OPTIONS = { dot: true, windows: false } as const;

/**
 * A glob that micromatch would match by string equality alone: no glob syntax,
 * no `./` prefix, no empty, `.` or `..` path segment. Checked against
 * micromatch by `glob.test.ts`.
 */
const LITERAL = /^[A-Za-z0-9_:@.=~,#%'^-]+(?:\/[A-Za-z0-9_:@.=~,#%'^-]+)*$/;

/** Literal text, `?` and `[…]` around at most one `*` or `**` (and any leading `!`): see (2) above. */
const ONE_WILDCARD = /^!*[^*{}()|\\!+]*(?:\*\*?[^*{}()|\\!+]*)?$/;

/**
 * Assertions micromatch (picomatch) adds with `dot: true` that RE2 cannot run
 * and that only matter for file paths: that a wildcard at the start of a path
 * segment matches neither `.` nor `..` as the whole segment, and not an empty
 * last segment (`(?=.)`). Subjects (`kind:id`) and package names have no such
 * segments, so dropping them changes no answer about them (`glob.test.ts`
 * compares with micromatch).
 */
const DROPPED = ['(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', '(?!\\.{1,2}(?:\\/|$))', '(?!\\.{0,1}(?:\\/|$))', '(?=.)'];

/** What JavaScript's `.` does not match (RE2's `.` leaves out only `\n`). */
const LINE_END = /[\n\r\u2028\u2029]/;

type Micromatch = typeof import('micromatch');
type Re2js = typeof import('re2js');
let micromatch: Micromatch | undefined;
let re2js: Re2js | undefined;
const load = <T>(name: string): T => createRequire(import.meta.url)(name) as T;

/** Compile one glob; throws a GlobError that says why it cannot be used. */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.length === 0) throw new GlobError('A glob cannot be empty.');
  if (glob.length > MAX_GLOB_LENGTH) {
    throw new GlobError(
      `This glob is ${glob.length} characters long; a glob may have at most ${MAX_GLOB_LENGTH.toLocaleString('en-US')}.`,
    );
  }
  if (LITERAL.test(glob) && !glob.split('/').some((s) => s === '.' || s === '..')) {
    return (value) => value === glob;
  }
  micromatch ??= load<Micromatch>('micromatch');
  let state: { output?: string; negated?: boolean } | undefined;
  let source: string;
  try {
    const re = (micromatch.makeRe as MakeRe)(glob, OPTIONS, false, true);
    state = re.state;
    source = re.source;
  } catch (error) {
    throw new GlobError(`This glob is not valid: ${sentence(error)}`);
  }
  // picomatch gives up on a pattern its regular expression cannot hold (an unclosed brace) with
  // one that never matches: only the glob's own text matches it.
  if (source === '$^' || state?.output === undefined) return (value) => value === glob;
  if (ONE_WILDCARD.test(glob) && unboundedQuantifiers(state.output) <= 1) {
    return micromatch.matcher(glob, OPTIONS);
  }
  return linearMatcher(glob, state.output, state.negated === true);
}

type MakeRe = (
  glob: string,
  options: object,
  returnOutput: boolean,
  returnState: boolean,
) => RegExp & { state?: { output?: string; negated?: boolean } };

/** Compile several globs into one matcher that holds if any of them does. */
export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const matchers = globs.map(compileGlob);
  return matchers.length === 1 ? matchers[0]! : (value) => matchers.some((m) => m(value));
}

/** Why a glob cannot be used, or undefined. */
export function globProblem(glob: string): string | undefined {
  try {
    compileGlob(glob);
    return undefined;
  } catch (error) {
    if (error instanceof GlobError) return error.message;
    throw error;
  }
}

/** (3): micromatch's regular expression (`output`, unanchored), on RE2, with picomatch's own test around it. */
function linearMatcher(glob: string, output: string, negated: boolean): GlobMatcher {
  const body = toRe2(output);
  re2js ??= load<Re2js>('re2js');
  const { RE2JS } = re2js;
  let re: ReturnType<Re2js['RE2JS']['compile']>;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(`^(?:${body})$`));
  } catch (error) {
    throw new GlobError(`This glob cannot be matched in linear time: ${sentence(error)}`);
  }
  // As picomatch.test: an empty value never matches, the glob's own text always does, and a
  // negated glob (`^(?!…).*$`) does not match a value with a line end, which `.` cannot cross.
  return (value) =>
    value !== '' && (value === glob || (negated ? !re.test(value) && !LINE_END.test(value) : re.test(value)));
}

/** What `\\s` matches in JavaScript. */
const JS_SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Escapes that mean something in a JavaScript regular expression without the `u` flag; any other is the character itself. */
const JS_ESCAPES = /[bBdDwWsSfnrtvcxuk0-9]/;

/**
 * A JavaScript regular expression's source (no flags) in RE2's terms, read
 * token by token: the `DROPPED` assertions go; any other lookaround is a
 * GlobError; `.` excludes every JavaScript line end; `\q` (an identity escape)
 * becomes `q`. Escapes RE2 spells differently (`\u…`) are left to re2js's
 * translateRegExp.
 */
function toRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      const identity = /[A-Za-z]/.test(next) ? !JS_ESCAPES.test(next) : next.charCodeAt(0) > 127;
      if ((next === 's' || next === 'S') && !inClass) {
        // JavaScript's white space is Unicode's; RE2's \s is ASCII only.
        out += `[${next === 'S' ? '^' : ''}${JS_SPACE}]`;
      } else {
        out += identity ? next : `\\${next}`;
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    const dropped = DROPPED.find((d) => source.startsWith(d, i));
    if (dropped) {
      i += dropped.length;
      continue;
    }
    if (source.startsWith('(?=', i) || source.startsWith('(?!', i) || source.startsWith('(?<', i)) {
      throw new GlobError(
        'This glob needs a lookahead (such as the extglob !(…)), which cannot be matched in linear time; list what it should match instead, with braces {a,b} or several globs.',
      );
    }
    if (c === '[') inClass = true;
    out += c === '.' ? '[^\\n\\r\\u2028\\u2029]' : c;
    i++;
  }
  return out;
}

/** Unbounded quantifiers (`*`, `+`, `{n,}`) in a regular expression's source, outside classes and escapes. */
function unboundedQuantifiers(source: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '*' || c === '+') n++;
    else if (c === '{' && /^\{\d*,\}/.test(source.slice(i, i + 12))) n++;
  }
  return n;
}

function sentence(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  // RE2's messages quote the pattern after a colon ("missing closing ): `(a`"): keep the reason.
  const reason = text.replace(/^error parsing regexp:\s*/, '').replace(/:\s*`[\s\S]*$/, '');
  return /[.?!]$/.test(reason) ? reason : `${reason}.`;
}
