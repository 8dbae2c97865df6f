import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import micromatch from 'micromatch';
import { type Diagnostic, didYouMean, formatPath, InputError, TrustgateError } from './errors.js';
import type { ExceptionRef, Level } from './result.js';
import type { AnyRule } from './rule.js';
import { createAjv, explainErrors, parseDateOrDateTime } from './schema.js';
import { loadSchema } from './schemas.js';
import { diagnosticAt, locate, parseYamlSource, type SourceFile, toData } from './yaml-source.js';

/** Rules by id: the built-in ones and those of loaded plugins. */
export type RuleRegistry = ReadonlyMap<string, AnyRule>;

/** Where a value was set: the file and the line of its key. */
export interface SetBy {
  file: string;
  line: number;
  column: number;
}

export interface EffectiveRule {
  id: string;
  rule: AnyRule;
  level: Level;
  onIndeterminate: Level;
  /** Validated, with defaults from the rule's schema filled in. */
  options: Record<string, unknown>;
  setBy: { level?: SetBy; onIndeterminate?: SetBy; options: Record<string, SetBy> };
}

export interface CompiledOverride {
  packages?: string[];
  subjects?: string[];
  rules: Record<string, Level>;
  matchPackage?: (name: string) => boolean;
  matchSubject?: (subject: string) => boolean;
  setBy: SetBy;
}

export interface CompiledException extends ExceptionRef {
  /** The instant the exception stops applying. */
  expiresAt: Date;
  matchSubject: (subject: string) => boolean;
  setBy: SetBy;
}

export interface EffectivePolicy {
  name: string;
  /** The policy file given (or the preset name). */
  file: string;
  /** Every file merged, base layers first. */
  layers: string[];
  /** Sorted by rule id. */
  rules: EffectiveRule[];
  overrides: CompiledOverride[];
  exceptions: CompiledException[];
}

export interface LoadPolicyOptions {
  rules: RuleRegistry;
  /** Folder of the shipped presets (`trustgate:NAME` is `NAME.yaml` there). */
  presetDir: string;
  /** Paths are shown relative to this folder. Default: the working directory. */
  cwd?: string;
}

interface PolicyDocument {
  apiVersion: 'trustgate/v1';
  kind: 'Policy';
  name?: string;
  description?: string;
  extends?: string[];
  rules?: Record<
    string,
    Level | { level?: Level; options?: Record<string, unknown>; onIndeterminate?: Level }
  >;
  overrides?: { packages?: string[]; subjects?: string[]; rules: Record<string, Level> }[];
  exceptions?: {
    rule: string;
    subject: string;
    reason: string;
    ticket?: string;
    owner?: string;
    expires: string;
  }[];
}

interface Layer {
  file: string;
  source: SourceFile;
  doc: PolicyDocument;
}

const PRESET_PREFIX = 'trustgate:';
let policyValidator: ValidateFunction | undefined;

/** Load a policy file (or `trustgate:NAME`), its `extends` chain, and validate all of it. */
export function loadPolicy(target: string, options: LoadPolicyOptions): EffectivePolicy {
  const cwd = options.cwd ?? process.cwd();
  const layers: Layer[] = [];
  const top = resolveTarget(target, cwd, options, undefined);
  collectLayers(top, options, cwd, layers, []);
  const main = layers[layers.length - 1]!;
  return merge(layers, options.rules, {
    name: main.doc.name ?? (target.startsWith(PRESET_PREFIX) ? target : path.basename(target)),
    file: target.startsWith(PRESET_PREFIX) ? target : display(top, cwd),
  });
}

function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

function resolveTarget(
  spec: string,
  cwd: string,
  options: LoadPolicyOptions,
  from: { layer: Layer; index: number } | undefined,
): string {
  const fail = (message: string): never => {
    if (!from) throw new TrustgateError('E_POLICY_READ', `${spec}: ${message}`);
    throw new InputError('E_POLICY_EXTENDS', [
      diagnosticAt(from.layer.source, ['extends', from.index], message, {
        pathText: `extends[${from.index}]`,
      }),
    ]);
  };
  if (spec.startsWith(PRESET_PREFIX)) {
    const name = spec.slice(PRESET_PREFIX.length);
    const presets = listPresets(options.presetDir);
    if (!presets.includes(name)) {
      return fail(
        `Unknown preset "${spec}".${didYouMean(name, presets).replace(/"(.+)"/, `"${PRESET_PREFIX}$1"`)}`,
      );
    }
    return path.join(options.presetDir, `${name}.yaml`);
  }
  const base = from ? path.dirname(from.layer.file) : cwd;
  if (spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec) || !from) {
    const file = path.resolve(base, spec);
    if (from && !existsSync(file))
      return fail(`Cannot find the policy ${display(file, cwd)}; the file does not exist.`);
    return file;
  }
  // An npm package: resolve like a Node import from the folder of the policy that names it.
  try {
    return createRequire(path.join(base, 'noop.js')).resolve(spec);
  } catch {
    return fail(
      `Cannot find the policy package "${spec}" from ${display(base, cwd)}; install it, or use a relative path.`,
    );
  }
}

/** The shipped presets, by name. */
export function listPresets(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

function collectLayers(
  file: string,
  options: LoadPolicyOptions,
  cwd: string,
  out: Layer[],
  stack: string[],
): void {
  const shown = display(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'it is a directory'
          : 'it cannot be read';
    throw new TrustgateError('E_POLICY_READ', `${shown}: Cannot read the policy: ${why}.`);
  }
  const source = parseYamlSource(text, shown, 'E_POLICY_YAML');
  const data = toData(source);
  const doc = validateDocument(data, source);
  const layer: Layer = { file, source, doc };
  const here = [...stack, file];
  (doc.extends ?? []).forEach((spec, index) => {
    const target = resolveTarget(spec, cwd, options, { layer, index });
    if (here.includes(target)) {
      const chain = [...here.slice(here.indexOf(target)), target].map((f) => display(f, cwd)).join(' → ');
      throw new InputError('E_POLICY_CYCLE', [
        diagnosticAt(source, ['extends', index], `Policies extend each other in a cycle: ${chain}.`, {
          pathText: `extends[${index}]`,
        }),
      ]);
    }
    collectLayers(target, options, cwd, out, here);
  });
  out.push(layer);
}

function validateDocument(data: unknown, source: SourceFile): PolicyDocument {
  if (data === null || data === undefined) {
    throw new InputError('E_POLICY_SCHEMA', [
      {
        file: source.file,
        line: 1,
        column: 1,
        message: 'The policy is empty; it needs at least apiVersion and kind.',
      },
    ]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError('E_POLICY_SCHEMA', [
      diagnosticAt(
        source,
        [],
        `The policy must be a mapping with apiVersion and kind, not ${Array.isArray(data) ? 'a list' : 'a single value'}.`,
      ),
    ]);
  }
  const version = (data as { apiVersion?: unknown }).apiVersion;
  if (version !== undefined && version !== 'trustgate/v1') {
    throw new InputError('E_POLICY_SCHEMA', [
      diagnosticAt(
        source,
        ['apiVersion'],
        `Unsupported apiVersion ${JSON.stringify(version)}; this trustgate reads "trustgate/v1".`,
        { pathText: 'apiVersion' },
      ),
    ]);
  }
  policyValidator ??= createAjv().compile(loadSchema('policy.schema.json'));
  if (!policyValidator(data)) {
    const diagnostics = explainErrors(policyValidator.errors).map((p) =>
      diagnosticAt(source, p.path, p.message, {
        key: p.atKey,
        ...(p.path.length > 0 ? { pathText: formatPath(p.path) } : {}),
      }),
    );
    throw new InputError('E_POLICY_SCHEMA', diagnostics);
  }
  const doc = data as PolicyDocument;
  const problems: Diagnostic[] = [];
  (doc.overrides ?? []).forEach((o, i) => {
    if (!o.packages && !o.subjects) {
      problems.push(
        diagnosticAt(
          source,
          ['overrides', i],
          'An override needs "packages" or "subjects" to say what it applies to.',
          {
            pathText: `overrides[${i}]`,
          },
        ),
      );
    }
  });
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', problems);
  return doc;
}

function setByOf(layer: Layer, keyPath: (string | number)[]): SetBy {
  const pos = locate(layer.source, keyPath, true);
  return { file: layer.source.file, line: pos.line, column: pos.column };
}

interface Draft {
  id: string;
  level?: Level;
  onIndeterminate?: Level;
  options: Record<string, unknown>;
  setBy: EffectiveRule['setBy'];
  /** The last layer that named the rule, and where. */
  last: { layer: Layer; path: (string | number)[] };
}

function merge(
  layers: Layer[],
  registry: RuleRegistry,
  about: { name: string; file: string },
): EffectivePolicy {
  const problems: Diagnostic[] = [];
  const drafts = new Map<string, Draft>();
  const overrides: CompiledOverride[] = [];
  const exceptions: CompiledException[] = [];
  const known = [...registry.keys()];

  const checkRuleId = (layer: Layer, keyPath: (string | number)[], id: string): boolean => {
    if (registry.has(id)) return true;
    problems.push(
      diagnosticAt(layer.source, keyPath, `Unknown rule "${id}".${didYouMean(id, known)}`, {
        key: keyPath[keyPath.length - 2] === 'rules',
        pathText: formatPath(keyPath),
      }),
    );
    return false;
  };

  for (const layer of layers) {
    for (const [id, entry] of Object.entries(layer.doc.rules ?? {})) {
      const keyPath = ['rules', id];
      if (!checkRuleId(layer, keyPath, id)) continue;
      const draft: Draft = drafts.get(id) ?? {
        id,
        options: {},
        setBy: { options: {} },
        last: { layer, path: keyPath },
      };
      draft.last = { layer, path: keyPath };
      if (typeof entry === 'string') {
        draft.level = entry;
        draft.setBy.level = setByOf(layer, keyPath);
      } else {
        if (entry.level !== undefined) {
          draft.level = entry.level;
          draft.setBy.level = setByOf(layer, [...keyPath, 'level']);
        }
        if (entry.onIndeterminate !== undefined) {
          draft.onIndeterminate = entry.onIndeterminate;
          draft.setBy.onIndeterminate = setByOf(layer, [...keyPath, 'onIndeterminate']);
        }
        for (const [key, value] of Object.entries(entry.options ?? {})) {
          draft.options[key] = value;
          draft.setBy.options[key] = setByOf(layer, [...keyPath, 'options', key]);
        }
        if (entry.level === undefined && !draft.setBy.level) draft.setBy.level = setByOf(layer, keyPath);
      }
      drafts.set(id, draft);
    }

    (layer.doc.overrides ?? []).forEach((o, i) => {
      const rules: Record<string, Level> = {};
      for (const [id, level] of Object.entries(o.rules)) {
        if (checkRuleId(layer, ['overrides', i, 'rules', id], id)) rules[id] = level;
      }
      const compiled: CompiledOverride = { rules, setBy: setByOf(layer, ['overrides', i]) };
      if (o.packages) {
        compiled.packages = o.packages;
        compiled.matchPackage = anyOf(o.packages);
      }
      if (o.subjects) {
        compiled.subjects = o.subjects;
        compiled.matchSubject = anyOf(o.subjects);
      }
      overrides.push(compiled);
    });

    (layer.doc.exceptions ?? []).forEach((e, i) => {
      if (!checkRuleId(layer, ['exceptions', i, 'rule'], e.rule)) return;
      const expiresAt = parseDateOrDateTime(e.expires)!;
      const compiled: CompiledException = {
        rule: e.rule,
        subject: e.subject,
        reason: e.reason,
        expires: e.expires,
        expiresAt,
        matchSubject: anyOf([e.subject]),
        setBy: setByOf(layer, ['exceptions', i]),
      };
      if (e.ticket !== undefined) compiled.ticket = e.ticket;
      if (e.owner !== undefined) compiled.owner = e.owner;
      exceptions.push(compiled);
    });
  }

  // Rules named only in overrides still run, off by default, so an override can turn them on.
  for (const o of overrides) {
    for (const id of Object.keys(o.rules)) {
      if (!drafts.has(id)) {
        drafts.set(id, {
          id,
          level: 'off',
          options: {},
          setBy: { options: {} },
          last: { layer: layers.at(-1)!, path: [] },
        });
      }
    }
  }

  const rules: EffectiveRule[] = [];
  for (const draft of [...drafts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const rule = registry.get(draft.id)!;
    const options = validateOptions(rule, draft, layers, problems);
    if (!options) continue;
    rules.push({
      id: draft.id,
      rule,
      level: draft.level ?? rule.meta.defaultLevel,
      onIndeterminate: draft.onIndeterminate ?? 'error',
      options,
      setBy: draft.setBy,
    });
  }
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', problems);
  return { ...about, layers: layers.map((l) => l.source.file), rules, overrides, exceptions };
}

/**
 * A policy built in code (for tests and tools), validated like a file:
 * unknown options or wrong types throw an InputError.
 */
export function createPolicy(
  entries: readonly {
    rule: AnyRule;
    level?: Level;
    options?: Record<string, unknown>;
    onIndeterminate?: Level;
  }[],
  name = 'inline',
): EffectivePolicy {
  const problems: Diagnostic[] = [];
  const rules: EffectiveRule[] = [];
  for (const entry of entries) {
    const draft: Draft = {
      id: entry.rule.id,
      options: { ...(entry.options ?? {}) },
      setBy: { options: {} },
      last: { layer: undefined as unknown as Layer, path: [] },
    };
    const options = validateOptions(entry.rule, draft, [], problems, name);
    if (!options) continue;
    rules.push({
      id: entry.rule.id,
      rule: entry.rule,
      level: entry.level ?? entry.rule.meta.defaultLevel,
      onIndeterminate: entry.onIndeterminate ?? 'error',
      options,
      setBy: { options: {} },
    });
  }
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', problems);
  return { name, file: name, layers: [], rules, overrides: [], exceptions: [] };
}

function anyOf(globs: string[]): (value: string) => boolean {
  const matchers = globs.map((g) => micromatch.matcher(g, { dot: true }));
  return matchers.length === 1 ? matchers[0]! : (value) => matchers.some((m) => m(value));
}

const optionValidators = new WeakMap<AnyRule, ValidateFunction>();

function validateOptions(
  rule: AnyRule,
  draft: Draft,
  layers: Layer[],
  problems: Diagnostic[],
  inline?: string,
): Record<string, unknown> | undefined {
  const schema = rule.meta.options;
  const options = structuredClone(draft.options);
  if (!schema) {
    const extra = Object.keys(options);
    if (extra.length === 0) return options;
    const at = draft.setBy.options[extra[0]!];
    problems.push({
      ...(at ?? { file: inline ?? '' }),
      path: `rules.${draft.id}.options.${extra[0]}`,
      message: `Rule "${draft.id}" takes no options.`,
    });
    return undefined;
  }
  let validate = optionValidators.get(rule);
  if (!validate) {
    try {
      validate = createAjv({ useDefaults: true }).compile(schema);
    } catch (error) {
      throw new TrustgateError(
        'E_RULE_SCHEMA',
        `Rule "${draft.id}" has an invalid option schema: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    optionValidators.set(rule, validate);
  }
  if (validate(options)) return options;
  for (const p of explainErrors(validate.errors)) {
    const top = p.path[0];
    const setBy = typeof top === 'string' ? draft.setBy.options[top] : undefined;
    const pathText = formatPath(['rules', draft.id, 'options', ...p.path]);
    if (inline !== undefined) {
      problems.push({ file: inline, path: pathText, message: p.message });
    } else if (setBy) {
      const layer = layers.find((l) => l.source.file === setBy.file)!;
      problems.push(
        diagnosticAt(layer.source, ['rules', draft.id, 'options', ...p.path], p.message, {
          key: p.atKey,
          pathText,
        }),
      );
    } else {
      problems.push(
        diagnosticAt(draft.last.layer.source, draft.last.path, p.message, { key: true, pathText }),
      );
    }
  }
  return undefined;
}
