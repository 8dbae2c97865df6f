import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { loadScript } from './code-cache.js';
import { didYouMean } from './errors.js';
import { FORMATS } from './formats.js';
import type { JsonSchema } from './rule.js';

const shared = new Map<string, Ajv>();

/**
 * One ajv instance per setting, shared by the whole run: creating an instance
 * (and adding formats) costs more than compiling most schemas. Schemas compiled
 * at run time come from policies and plugins, so their `pattern`s run on the
 * linear-time engine (`linearRegExp`).
 */
export function sharedAjv(options: { useDefaults?: boolean; looseTypes?: boolean } = {}): Ajv {
  const key = `${options.useDefaults ? 'd' : ''}${options.looseTypes ? 'l' : ''}`;
  let ajv = shared.get(key);
  if (!ajv) {
    ajv = createAjv({ ...options, linearPatterns: true });
    shared.set(key, ajv);
  }
  return ajv;
}

/**
 * A new ajv instance with trustgate's settings: all errors, formats, strict
 * schemas. With `linearPatterns`, `pattern` and `patternProperties` run on
 * RE2 (`linearRegExp`) instead of JavaScript's backtracking RegExp.
 */
export function createAjv(
  options: {
    useDefaults?: boolean;
    looseTypes?: boolean;
    linearPatterns?: boolean;
    code?: Options['code'];
  } = {},
): Ajv {
  // ajv (CommonJS) loads on the first schema compiled at run time: with the generated
  // validators, a plain check compiles none.
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const code = {
    ...options.code,
    ...(options.linearPatterns ? { regExp: linearRegExp as NonNullable<Options['code']>['regExp'] } : {}),
  };
  const ajv = new Ajv({
    ...(Object.keys(code).length > 0 ? { code } : {}),
    allErrors: true,
    verbose: true,
    strict: true,
    // Hand-written schemas (declarative rules) may use `required` or `properties` without `type: object`.
    ...(options.looseTypes ? { strictTypes: false } : {}),
    strictRequired: false,
    allowUnionTypes: true,
    useDefaults: options.useDefaults ?? false,
  });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

// re2js (a pure JavaScript port of RE2, CommonJS here) loads with the first pattern compiled.
let re2js: typeof import('re2js') | undefined;

/**
 * A JSON Schema `pattern` as a linear-time matcher: RE2's semantics, which
 * cannot backtrack, so `^(a+)+$` against a long fact value takes microseconds,
 * not forever. Backreferences, lookahead and lookbehind have no linear-time
 * form: such a pattern throws (see `patternProblem`). For ajv's `code.regExp`.
 */
export function linearRegExp(pattern: string, _flags = ''): { test(s: string): boolean; toString(): string } {
  re2js ??= createRequire(import.meta.url)('re2js') as typeof import('re2js');
  const { RE2JS } = re2js;
  const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
  // ajv keys its cache of patterns by toString(): it must differ per pattern.
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/re2` };
}
linearRegExp.code = 'linearRegExp';

/**
 * Why a pattern cannot run on the linear-time engine, in words (without
 * quoting it), or undefined when it can.
 */
export function patternProblem(pattern: string): string | undefined {
  try {
    linearRegExp(pattern);
    return undefined;
  } catch (error) {
    const said = error instanceof Error ? error.message : String(error);
    // "error parsing regexp: invalid escape sequence: `\1`" → "invalid escape sequence"
    const reason = said
      .replace(/^error parsing regexp:\s*/, '')
      .replace(/:\s*`[\s\S]*$/, '')
      .trim();
    return `This pattern cannot be matched in linear time (${reason || 'unsupported syntax'}); patterns use RE2 syntax, which has no backreferences, lookahead or lookbehind.`;
  }
}

/** A short hash of a schema, so that a generated validator is only used for the schema it was made from. */
export function schemaHash(schema: JsonSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
}

const hashes = new WeakMap<object, string>();
const generated = new Map<string, ValidateFunction>();

/** The key of a generated validator: the ajv setting and the schema's hash. */
export function validatorKey(schema: JsonSchema, options: { useDefaults?: boolean } = {}): string {
  let hash = hashes.get(schema);
  if (hash === undefined) {
    hash = schemaHash(schema);
    hashes.set(schema, hash);
  }
  return `${options.useDefaults ? 'd' : 'p'}_${hash}`;
}

/** Make validators generated at build time (by key: `validatorKey`) available to `compileSchema`. */
export function registerValidators(validators: Record<string, ValidateFunction>): void {
  for (const [key, validate] of Object.entries(validators)) generated.set(key, validate);
}

/** A validator for a schema: the one generated at build time for this very schema, else compiled now. */
export function compileSchema(schema: JsonSchema, options: { useDefaults?: boolean } = {}): ValidateFunction {
  return generated.get(validatorKey(schema, options)) ?? sharedAjv(options).compile(schema);
}

/**
 * The module of standalone validators generated at build time for one of the
 * shipped schemas (`scripts/build-validators.mjs`), when it exists and was made
 * from this very schema; undefined when running from source, or when the
 * script fails to load (the schema is then compiled at run time). Start-up
 * spent most of its time compiling these schemas. Loaded as a script with its
 * code cache (`loadScript`).
 */
export function standaloneModule(
  name: 'facts' | 'policy',
  schema: JsonSchema,
): Record<string, unknown> | undefined {
  let mod: Record<string, unknown> | undefined;
  try {
    mod = loadScript(new URL(`./validators/${name}.js`, import.meta.url))?.exports;
  } catch {
    return undefined;
  }
  return mod?.hash === schemaHash(schema) ? mod : undefined;
}

/** One schema violation, in words, with the path to the value it is about. */
export interface SchemaProblem {
  path: (string | number)[];
  /** The violation is about a key name (point at the key, not its value). */
  atKey: boolean;
  message: string;
  /** The "And N more problems." line: it has no place in the file. */
  more?: true;
}

const MAX_PROBLEMS = 50;

/**
 * Turn ajv's errors into one sentence each. Values are never quoted: a facts
 * or policy value may be a secret someone pasted by mistake.
 */
export function explainErrors(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  if (!errors || errors.length === 0) return [];
  // `if` only says which branch failed; the branch's own errors say why.
  let list = errors.filter((e) => e.keyword !== 'if');
  // anyOf: keep the errors from the branch that got furthest; if none went deeper, one summary.
  const anyOfs = list.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  for (const alt of anyOfs) {
    const p = alt.instancePath;
    // The branches' own failures at this path ("must be null"), as opposed to errors inside the value.
    const atAlt = list.filter(
      (e) => e !== alt && e.instancePath === p && e.schemaPath.startsWith(`${alt.schemaPath}/`),
    );
    const deeper = list.some((e) => e.instancePath.startsWith(`${p}/`));
    list = list.filter((e) => !atAlt.includes(e) && !(deeper && e === alt));
    if (!deeper) {
      const types = atAlt.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
      (alt as ErrorObject & { summary?: string }).summary =
        types.length > 0
          ? `must be ${joinOr(types.flatMap((t) => t.split(',')))}.`
          : 'does not match any allowed form.';
    }
  }
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of list) {
    const problem = explainOne(e);
    const key = `${problem.path.join('\0')}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  if (out.length > MAX_PROBLEMS) {
    const rest = out.length - MAX_PROBLEMS;
    out.length = MAX_PROBLEMS;
    out.push({
      path: [],
      atKey: false,
      message: `And ${rest} more problem${rest === 1 ? '' : 's'}.`,
      more: true,
    });
  }
  return out;
}

function explainOne(e: ErrorObject & { summary?: string }): SchemaProblem {
  const path = parsePointer(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const allowed = known.length > 0 ? ` Allowed keys: ${known.join(', ')}.` : '';
      const hint = didYouMean(name, known);
      return { path: [...path, name], atKey: true, message: `Unknown key "${name}".${hint || allowed}` };
    }
    case 'required':
      return { path, atKey: false, message: `Missing required key "${String(params.missingProperty)}".` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).filter((v) => v !== null).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return {
        path,
        atKey: false,
        message: `Must be one of ${allowed.map((v) => `"${v}"`).join(', ')}${got(e.data)}.${hint}`,
      };
    }
    case 'const':
      return { path, atKey: false, message: `Must be ${JSON.stringify(params.allowedValue)}.` };
    case 'type':
      return {
        path,
        atKey: false,
        message: `Must be ${joinOr(String(params.type).split(','))}${got(e.data)}.`,
      };
    case 'format':
      return {
        path,
        atKey: false,
        message: formatMessage(String(params.format)).replace(/\.$/, `${got(e.data)}.`),
      };
    case 'anyOf':
    case 'oneOf':
      return { path, atKey: false, message: capitalize(e.summary ?? 'does not match any allowed form.') };
    case 'minItems':
      return {
        path,
        atKey: false,
        message: `Must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}.`,
      };
    case 'uniqueItems':
      return { path, atKey: false, message: 'Must not list the same item twice.' };
    case 'minLength':
      return {
        path,
        atKey: false,
        message: params.limit === 1 ? 'Must not be empty.' : `${capitalize(e.message ?? '')}.`,
      };
    case 'minProperties':
      return { path, atKey: false, message: 'Must not be empty.' };
    default:
      return { path, atKey: false, message: `${capitalize(e.message ?? 'is invalid')}.` };
  }
}

/**
 * `; got "eror"`: the bad value, when showing it is safe. A value that could be a credential
 * (a long word of token characters, or a known token prefix) is never shown, nor a long one.
 */
export function got(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return `; got ${String(value)}`;
  if (Array.isArray(value)) return '; got a list';
  if (typeof value === 'object') return '; got a mapping';
  if (typeof value !== 'string') return '';
  if (value.length > 40 || /[^\x20-\x7e]/.test(value)) return '';
  if (/^(npm_|gh[a-z]_|glpat-|github_pat_)/i.test(value) || /[A-Za-z0-9+/=_-]{20,}/.test(value)) return '';
  return `; got ${JSON.stringify(value)}`;
}

function formatMessage(format: string): string {
  switch (format) {
    case 'date-time':
      return 'Must be an ISO 8601 date and time, such as "2026-11-28T09:00:00Z".';
    case 'date':
      return 'Must be a real calendar date written as YYYY-MM-DD.';
    case 'trustgate-date':
      return 'Must be a real calendar date (YYYY-MM-DD) or an ISO 8601 date and time.';
    case 'uri':
      return 'Must be an absolute URL.';
    default:
      return `Must be a valid ${format}.`;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function joinOr(types: string[]): string {
  const names = [...new Set(types)].map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names[0] ?? 'something else';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `/a/0/b` → `['a', 0, 'b']` */
export function parsePointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

export { FORMATS, isDateTime, parseDateOrDateTime } from './formats.js';
export type { ValidateFunction };
