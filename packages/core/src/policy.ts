import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import {
  compileRuleSchema,
  type DeclarativeDefinition,
  declarativeRule,
  unsupportedPatterns,
} from './declarative.js';
import {
  type Diagnostic,
  didYouMean,
  formatDiagnostic,
  formatPath,
  InputError,
  TrustgateError,
  whyUnreadable,
} from './errors.js';
import { COLLECTIONS } from './facts.js';
import { compileGlob, GlobError, type GlobMatcher } from './glob.js';
import { moduleDefault } from './interop.js';
import {
  type AllowedPlugin,
  isPathSpecifier,
  resolveAllowList,
  resolvePluginFile,
  UnresolvedPlugin,
} from './plugin-files.js';
import { INPUT_LIMITS, readInputTextSync } from './read-input.js';
import { type ExceptionRef, LEVEL_RANK, type Level } from './result.js';
import type { AnyRule, Plugin, Reporter } from './rule.js';
import {
  compileSchema,
  explainErrors,
  parseDateOrDateTime,
  parsePointer,
  sharedAjv,
  standaloneModule,
} from './schema.js';
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
  setBy: {
    level?: SetBy;
    onIndeterminate?: SetBy;
    options: Record<string, SetBy>;
    locked?: SetBy;
    defined?: SetBy;
    /** The `exceptions` entry, or for a locked rule whose exceptions are `locked`, the lock that keeps them so. */
    exceptions?: SetBy;
  };
  /** Some layer locks it: no other layer may weaken it (see `lockProblem`). */
  locked: boolean;
  /**
   * Who may waive it, when a layer says: `allowed` (any layer) when every lock
   * on it says `exceptions: allowed` (or an unlocked rule's entry does);
   * `locked` when a lock does not, so only the locking policy and the policies
   * it extends may. Undefined for an unlocked rule no layer says it about.
   */
  exceptions?: 'allowed' | 'locked';
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
  /** Where its `expires` is, and that key's path, for `settings.maxExceptionDays`. */
  expiresSetBy?: SetBy & { path: string };
}

export interface PolicySettings {
  /** Exceptions that expire within this many days are reported as notes. */
  expiryWarningDays: number;
  /** The layer line that set `expiryWarningDays` (the last one); none for the default. */
  expiryWarningDaysSetBy?: SetBy;
  /**
   * No exception may expire more than this many days after the evaluation time
   * (checked by `evaluate`). The smallest value any layer sets.
   */
  maxExceptionDays?: number;
  /** The layer line that set `maxExceptionDays`. */
  maxExceptionDaysSetBy?: SetBy;
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
  settings: PolicySettings;
  /** Plugins loaded, in order, with the file that named them. */
  plugins: { name: string; spec: string; setBy: SetBy }[];
  /** Reporters from plugins, as `pluginName/reporterName`. */
  reporters: Record<string, Reporter>;
}

export interface LoadPolicyOptions {
  rules: RuleRegistry;
  /** Folder of the shipped presets (`trustgate:NAME` is `NAME.yaml` there). */
  presetDir: string;
  /** Paths are shown relative to this folder. Default: the working directory. */
  cwd?: string;
  /**
   * Loads a plugin module. It is given the file the policy's `plugins:` entry
   * resolves to (an absolute real path: what `allowPlugins` checked is what
   * loads) and the policy's folder. Without it, a policy that names plugins is
   * refused.
   */
  loadModule?: (file: string, fromDir: string) => Promise<Record<string, unknown>>;
  /**
   * Which plugins may load: `undefined` allows all, `[]` none; otherwise only
   * the files these entries name. A path entry is resolved from `cwd` (where
   * the user typed it), a package name like a Node import from `cwd`, each to
   * its real path; a policy's plugin is allowed only if it resolves, from the
   * policy's folder, to one of those files (see plugin-files.ts).
   */
  allowPlugins?: readonly string[];
}

interface PolicyDocument {
  apiVersion: 'trustgate/v1';
  kind: 'Policy';
  name?: string;
  description?: string;
  extends?: string[];
  plugins?: string[];
  rules?: Record<string, Level | RuleEntryObject>;
  settings?: { expiryWarningDays?: number; maxExceptionDays?: number };
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

interface RuleEntryObject {
  level?: Level;
  options?: Record<string, unknown>;
  onIndeterminate?: Level;
  locked?: boolean;
  exceptions?: 'allowed';
  select?: DeclarativeDefinition['select'];
  where?: Record<string, unknown>;
  assert?: Record<string, unknown>;
  message?: string;
  description?: string;
  securitySeverity?: number;
  docs?: string;
}

interface LoadedPlugin {
  name: string;
  spec: string;
  index: number;
  rules: Map<string, AnyRule>;
  reporters: Record<string, Reporter>;
}

interface Layer {
  file: string;
  source: SourceFile;
  doc: PolicyDocument;
  plugins: LoadedPlugin[];
  /**
   * The index of the first layer this one extends, directly or not: it and the
   * policies it extends are the layers `first` to its own index.
   */
  first: number;
}

const PRESET_PREFIX = 'trustgate:';
// Generated at build time; from source, compiled on first use.
let policyValidator = standaloneModule('policy', loadSchema('policy.schema.json'))?.validate as
  | ValidateFunction
  | undefined;

/** Load a policy file (or `trustgate:NAME`), its `extends` chain and plugins, and validate all of it. */
export async function loadPolicy(target: string, options: LoadPolicyOptions): Promise<EffectivePolicy> {
  const cwd = options.cwd ?? process.cwd();
  const layers: Layer[] = [];
  const top = resolveTarget(target, cwd, options, undefined);
  // Schema problems of every layer are kept here while the rest is checked (unknown rules, option
  // types, locks), so that one run reports every problem of every layer, not the first kind only.
  const deferred: Diagnostic[] = [];
  try {
    collectLayers(top, options, cwd, layers, [], undefined, deferred);
    // `--plugins` entries are resolved when a policy first names a plugin.
    let allowed: AllowedPlugin[] | undefined;
    const allowList =
      options.allowPlugins && (() => (allowed ??= resolveAllowList(options.allowPlugins!, cwd)));
    for (const layer of layers) layer.plugins = await loadPlugins(layer, options, cwd, allowList);
    const main = layers[layers.length - 1]!;
    const policy = merge(layers, options.rules, {
      name: main.doc.name ?? (target.startsWith(PRESET_PREFIX) ? target : path.basename(target)),
      file: target.startsWith(PRESET_PREFIX) ? target : display(top, cwd),
    });
    if (deferred.length > 0) throw new InputError('E_POLICY_SCHEMA', deferred);
    return policy;
  } catch (error) {
    if (deferred.length === 0 || !(error instanceof TrustgateError)) throw error;
    if (error.diagnostics.length === 0) {
      throw new TrustgateError(error.code, `${deferred.map(formatDiagnostic).join('\n')}\n${error.message}`, {
        exitCode: error.exitCode,
      });
    }
    // With its bad parts left out, a policy may enable nothing: that follows from the errors above.
    throw new InputError(error.code, [
      ...deferred,
      ...error.diagnostics.filter(
        (d) => !deferred.includes(d) && !d.message.startsWith('The policy enables no rules'),
      ),
    ]);
  }
}

/**
 * Remove what a schema error is about from a policy's data, so the rest of the policy can still be
 * checked: the bad value (or unknown key), and for a list item the whole list (its other items keep
 * their places in the file only if the list is not renumbered). True when the data is valid then.
 */
function pruneInvalid(data: Record<string, unknown>, validate: ValidateFunction): boolean {
  for (let round = 0; round < 5; round++) {
    if (validate(data)) return true;
    const errors = validate.errors ?? [];
    // Only the deepest errors: an `anyOf` over a value also fails where one branch went deeper.
    const deepest = errors.filter(
      (e) => !errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`)),
    );
    for (const e of deepest) {
      const at = parsePointer(e.instancePath);
      if (e.keyword === 'additionalProperties') at.push(String(e.params.additionalProperty));
      // Climb to a key of a mapping: a list item goes with its list, and `required` with its owner.
      const trail = e.keyword === 'required' || round > 0 ? at.slice(0, -1) : at;
      while (trail.length > 0 && typeof trail[trail.length - 1] === 'number') trail.pop();
      if (trail.length === 0) return false;
      let parent: unknown = data;
      for (const seg of trail.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[seg];
      if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[trail.at(-1)!];
    }
  }
  return validate(data) === true;
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
  /** The `extends` entry that names this file (`base.yaml:4:5`), for errors about the file. */
  via: string | undefined,
  deferred: Diagnostic[],
): void {
  const shown = display(file, cwd);
  const named = via ? ` (${via} extends it)` : '';
  let text: string;
  try {
    // The bounded reader: never waits on a device or a FIFO, and stops at the size limit.
    text = readInputTextSync(file, INPUT_LIMITS.policy);
  } catch (error) {
    if (error instanceof TrustgateError) throw error;
    throw new TrustgateError(
      'E_POLICY_READ',
      `${shown}: Cannot read the policy${named}: ${whyUnreadable(error)}.`,
    );
  }
  const source = parseYamlSource(text, shown, 'E_POLICY_YAML');
  const data = toData(source);
  const doc = validateDocument(data, source, named, deferred);
  const layer: Layer = { file, source, doc, plugins: [], first: out.length };
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
    const at = locate(source, ['extends', index]);
    collectLayers(target, options, cwd, out, here, `${source.file}:${at.line}:${at.column}`, deferred);
  });
  out.push(layer);
}

function validateDocument(
  data: unknown,
  source: SourceFile,
  named: string,
  deferred: Diagnostic[],
): PolicyDocument {
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
  // A file is read as a policy only if it says it is one. `extends` can name any file (a path
  // outside the repository, a secret): errors about any other file quote nothing from it, not
  // even key names, which "unknown key" errors would.
  const { apiVersion, kind } = data as { apiVersion?: unknown; kind?: unknown };
  if (apiVersion !== 'trustgate/v1' || kind !== 'Policy') {
    const [at, message] =
      apiVersion === undefined
        ? [[], 'This is not a trustgate policy: it has no apiVersion']
        : apiVersion !== 'trustgate/v1'
          ? [['apiVersion'], 'This is not a trustgate/v1 policy: its apiVersion is another']
          : [kind === undefined ? [] : ['kind'], 'This is not a trustgate policy: its kind is not Policy'];
    throw new InputError('E_POLICY_SCHEMA', [
      diagnosticAt(
        source,
        at,
        `${message}${named}. A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.`,
        at.length > 0 ? { pathText: at.join('.') } : {},
      ),
    ]);
  }
  policyValidator ??= sharedAjv().compile(loadSchema('policy.schema.json'));
  if (!policyValidator(data)) {
    const diagnostics = explainErrors(policyValidator.errors).map((p) =>
      diagnosticAt(source, p.path, p.message, {
        key: p.atKey,
        ...(p.path.length > 0 ? { pathText: formatPath(p.path) } : {}),
      }),
    );
    // Without the bad parts, the rest can still be checked: report it all at the end.
    if (!pruneInvalid(data as Record<string, unknown>, policyValidator))
      throw new InputError('E_POLICY_SCHEMA', [...deferred, ...diagnostics]);
    deferred.push(...diagnostics);
  }
  const doc = data as PolicyDocument;
  const problems: Diagnostic[] = [];
  for (const [id, entry] of Object.entries(doc.rules ?? {})) {
    if (typeof entry !== 'object') continue;
    const declarativeKeys = (
      ['where', 'assert', 'message', 'description', 'securitySeverity', 'docs'] as const
    ).filter((k) => entry[k] !== undefined);
    if (entry.select === undefined) {
      for (const k of declarativeKeys) {
        problems.push(
          diagnosticAt(
            source,
            ['rules', id, k],
            `Only a declarative rule (one with "select") takes "${k}".`,
            {
              key: true,
              pathText: `rules.${id}.${k}`,
            },
          ),
        );
      }
    } else {
      for (const k of ['assert', 'message'] as const) {
        if (entry[k] === undefined) {
          problems.push(
            diagnosticAt(source, ['rules', id], `A declarative rule needs "${k}".`, {
              key: true,
              pathText: `rules.${id}`,
            }),
          );
        }
      }
      if (entry.options !== undefined) {
        problems.push(
          diagnosticAt(source, ['rules', id, 'options'], 'A declarative rule takes no options.', {
            key: true,
            pathText: `rules.${id}.options`,
          }),
        );
      }
    }
  }
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
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', [...deferred, ...problems]);
  return doc;
}

/** Where a declarative rule without its own `docs` points: the reference for declarative rules. */
const DECLARATIVE_DOCS = 'https://github.com/trustgate/trustgate/blob/main/docs/policy.md#declarative-rules';

const PLUGIN_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;
const RULE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Load the plugins a layer names, and check their shape; any problem names the plugin and its line. */
async function loadPlugins(
  layer: Layer,
  options: LoadPolicyOptions,
  cwd: string,
  allowList: (() => AllowedPlugin[]) | undefined,
): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  const dir = path.dirname(layer.file);
  for (const [index, spec] of (layer.doc.plugins ?? []).entries()) {
    const allowed = allowList?.();
    const fail = (message: string): never => {
      throw new InputError('E_PLUGIN', [
        diagnosticAt(layer.source, ['plugins', index], message, { pathText: `plugins[${index}]` }),
      ]);
    };
    let file: string | undefined;
    let unresolved: UnresolvedPlugin | undefined;
    try {
      file = resolvePluginFile(spec, dir);
    } catch (error) {
      if (!(error instanceof UnresolvedPlugin)) throw error;
      unresolved = error;
    }
    if (allowed?.length === 0) fail(refusal(spec, file, dir, cwd, allowed));
    if (unresolved || file === undefined) {
      fail(
        unresolved?.message === 'package'
          ? /\.(c|m)?[jt]sx?$/.test(spec) || existsSync(path.resolve(dir, spec))
            ? `Cannot find the plugin "${spec}": it is not an installed package, and a file is named with ./ or ../ ("./${spec}").`
            : `Cannot find the plugin package "${spec}" from ${display(dir, cwd)}; install it, or use a relative path.`
          : `Cannot find the plugin "${spec}": ${display(path.resolve(dir, spec), cwd)} does not exist.`,
      );
    }
    if (allowed && !allowed.some((a) => a.file === file)) fail(refusal(spec, file, dir, cwd, allowed));
    if (!options.loadModule) fail(`The plugin "${spec}" cannot be loaded here: no module loader was given.`);
    let mod: Record<string, unknown> = {};
    try {
      mod = await options.loadModule!(file!, dir);
    } catch (error) {
      // The loader names the module by the file it was given; this names it as the policy does.
      const why = firstLine(error).replace(/^The plugin "[^"]*" failed to load: /, '');
      // A loader's own sentence about the plugin (TypeScript without tsx, say) stands as it is.
      if (error instanceof TrustgateError && error.code === 'E_MODULE' && why.startsWith('The plugin "'))
        fail(why.replace(/^The plugin "[^"]*"/, `The plugin "${spec}"`));
      fail(`The plugin "${spec}" failed to load: ${why}`);
    }
    const plugin = moduleDefault(mod) as Partial<Plugin> | undefined;
    if (!plugin || typeof plugin !== 'object')
      fail(`The plugin "${spec}" does not default-export an object { name, rules }.`);
    if (typeof plugin!.name !== 'string' || !PLUGIN_NAME.test(plugin!.name)) {
      fail(`The plugin "${spec}" needs a "name" of lowercase letters, digits and dashes, such as "acme".`);
    }
    if (!plugin!.rules || typeof plugin!.rules !== 'object')
      fail(`The plugin "${spec}" has no "rules" object.`);
    const rules = new Map<string, AnyRule>();
    for (const [key, rule] of Object.entries(plugin!.rules!)) {
      const problem = ruleShapeProblem(key, rule);
      if (problem) fail(`The plugin "${plugin!.name}" (${spec}): rule "${key}" ${problem}`);
      rules.set(`${plugin!.name}/${key}`, { ...(rule as AnyRule), id: `${plugin!.name}/${key}` });
    }
    const reporters: Record<string, Reporter> = {};
    for (const [key, reporter] of Object.entries(plugin!.reporters ?? {})) {
      if (typeof reporter !== 'function')
        fail(`The plugin "${plugin!.name}" (${spec}): reporter "${key}" is not a function.`);
      reporters[`${plugin!.name}/${key}`] = reporter;
    }
    out.push({ name: plugin!.name!, spec, index, rules, reporters });
  }
  return out;
}

/**
 * Why `--plugins` refuses a plugin, in one sentence: what the policy's
 * specifier resolves to, what the list allows, and the entry that would allow it.
 */
function refusal(
  spec: string,
  file: string | undefined,
  dir: string,
  cwd: string,
  allowed: AllowedPlugin[],
): string {
  if (file === undefined) {
    return `Plugins are not allowed in this run (--plugins none), and the policy names "${spec}".`;
  }
  const shown = display(file, cwd);
  const entry = shown === file ? file : `./${shown}`;
  const pkg = isPathSpecifier(spec) ? undefined : spec;
  // A package allowed by name allows the copy that name loads in the working directory.
  const add = pkg !== undefined && resolveAllowList([pkg], cwd)[0]!.file === file ? pkg : entry;
  if (allowed.length === 0) {
    return `Plugins are not allowed in this run (--plugins none), and the policy names "${spec}"; to run it, pass --plugins ${add}.`;
  }
  const list = allowed.map((a) => (a.file ? display(a.file, cwd) : `${a.entry} (not found)`)).join(', ');
  const sameName = pkg !== undefined && allowed.some((a) => a.entry === pkg);
  const what = sameName
    ? `resolves from ${display(dir, cwd)} to ${shown}, another copy than the one --plugins allows`
    : `is ${shown}, which --plugins does not allow`;
  return `The plugin "${spec}" ${what} (it allows ${list}); to run it, add ${add} to --plugins.`;
}

/** Why a plugin's rule cannot be used, or undefined. */
function ruleShapeProblem(key: string, rule: unknown): string | undefined {
  if (!RULE_NAME.test(key)) return 'needs a name of lowercase letters, digits and dashes.';
  if (!rule || typeof rule !== 'object') return 'is not a rule object { meta, check }.';
  const r = rule as Partial<AnyRule>;
  if (typeof r.check !== 'function') return 'has no check function.';
  const meta = r.meta as Partial<AnyRule['meta']> | undefined;
  if (!meta || typeof meta !== 'object') return 'has no meta.';
  if (typeof meta.description !== 'string' || meta.description === '') return 'needs meta.description.';
  if (meta.docs !== undefined && typeof meta.docs !== 'string')
    return 'has a meta.docs that is not a URL string.';
  if (!(typeof meta.collections === 'function' || Array.isArray(meta.collections))) {
    return 'needs meta.collections, the fact collections it reads.';
  }
  if (Array.isArray(meta.collections)) {
    const unknown = meta.collections.find((c) => !(COLLECTIONS as readonly string[]).includes(c));
    if (unknown !== undefined)
      return `reads an unknown collection "${String(unknown)}".${didYouMean(String(unknown), COLLECTIONS)}`;
  }
  if (!['error', 'warning', 'note'].includes(meta.defaultLevel as string))
    return 'needs meta.defaultLevel: "error", "warning" or "note".';
  if (typeof meta.securitySeverity !== 'number' || meta.securitySeverity < 0 || meta.securitySeverity > 10) {
    return 'needs meta.securitySeverity, a number from 0 to 10.';
  }
  if (meta.options !== undefined) {
    try {
      compileSchema(meta.options, { useDefaults: true });
    } catch (error) {
      return `has an invalid option schema: ${firstLine(error)}`;
    }
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n')[0] ?? text).replace(/^[^:]*trustgate: /, '').trim();
  return /[.?!]$/.test(line) ? line : `${line}.`;
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

/**
 * One thing a layer sets about a rule, in merge order. Locks are judged on
 * these, after every layer is merged (`lockProblem`), so that the order of the
 * layers does not matter.
 */
interface Change {
  id: string;
  /** The layer's index. */
  layer: number;
  at: (string | number)[];
  kind:
    | 'level'
    | 'onIndeterminate'
    | 'option'
    | 'override'
    | 'locked'
    | 'exceptions'
    | 'define'
    | 'exception';
  key?: string;
  value?: unknown;
}

/**
 * What a lock binds: the rule as the locking layer and the layers it extends
 * (directly or not) configure it, over the rule's defaults.
 */
interface Floor {
  level: Level;
  onIndeterminate: Level;
  /** Only the options those layers set; the rule's defaults fill in (`loosens`). */
  options: Record<string, unknown>;
  /** The highest level those layers' overrides give the rule for some subjects. */
  overrideTop: Level;
  /** `exceptions: allowed`: other layers may waive the rule. */
  exceptionsAllowed: boolean;
  lockedBy: SetBy;
}

function floorOf(rule: AnyRule, changes: readonly Change[], layers: readonly Layer[], lockAt: number): Floor {
  const first = layers[lockAt]!.first;
  const floor: Floor = {
    level: rule.meta.defaultLevel,
    onIndeterminate: 'error',
    options: {},
    overrideTop: 'off',
    exceptionsAllowed: false,
    lockedBy: setByOf(layers[lockAt]!, ['rules', rule.id, 'locked']),
  };
  for (const c of changes) {
    if (c.layer < first || c.layer > lockAt) continue;
    if (c.kind === 'level') floor.level = c.value as Level;
    else if (c.kind === 'onIndeterminate') floor.onIndeterminate = c.value as Level;
    else if (c.kind === 'option') setOwn(floor.options, c.key!, c.value);
    else if (c.kind === 'override') floor.overrideTop = higher(floor.overrideTop, c.value as Level);
    else if (c.kind === 'exceptions') floor.exceptionsAllowed = c.value === 'allowed';
  }
  return floor;
}

/**
 * THE place that decides whether a change weakens a locked rule: the sentence
 * saying how, or undefined. A change from the locking layer or a layer it
 * extends is never judged (the lock binds their result); any other layer,
 * before or after it, may tighten the rule but not make it weaker than that.
 */
function lockProblem(rule: AnyRule, floor: Floor, c: Change): string | undefined {
  const id = rule.id;
  const lock = `${floor.lockedBy.file}:${floor.lockedBy.line} locks it`;
  switch (c.kind) {
    case 'level': {
      const level = c.value as Level;
      return LEVEL_RANK[level] < LEVEL_RANK[floor.level]
        ? `Cannot lower the level from ${floor.level} to ${level} of rule "${id}": ${lock}.`
        : undefined;
    }
    case 'onIndeterminate': {
      const level = c.value as Level;
      return LEVEL_RANK[level] < LEVEL_RANK[floor.onIndeterminate]
        ? `Cannot lower onIndeterminate from ${floor.onIndeterminate} to ${level} of rule "${id}": ${lock}.`
        : undefined;
    }
    case 'option': {
      const looser = loosens(rule, c.key!, floor.options[c.key!], c.value);
      return looser ? `Cannot ${looser} option ${c.key} of rule "${id}": ${lock}.` : undefined;
    }
    case 'override': {
      // An override sets the level of every matching finding, determined or not.
      const level = c.value as Level;
      if (LEVEL_RANK[level] < LEVEL_RANK[floor.level])
        return `Cannot lower rule "${id}" to ${level} for some subjects: ${lock}.`;
      if (LEVEL_RANK[level] < LEVEL_RANK[floor.onIndeterminate]) {
        return `Cannot lower rule "${id}" to ${level} for some subjects: its indeterminate results are at ${floor.onIndeterminate} (onIndeterminate), and ${lock}.`;
      }
      if (LEVEL_RANK[level] < LEVEL_RANK[floor.overrideTop]) {
        return `Cannot lower rule "${id}" to ${level} for some subjects: the locking policy raises it to ${floor.overrideTop} for some subjects, and ${lock}.`;
      }
      return undefined;
    }
    case 'locked':
      return c.value === false ? `Cannot unlock rule "${id}": ${lock}.` : undefined;
    case 'exceptions':
      return c.value === 'allowed' && !floor.exceptionsAllowed
        ? `Cannot allow exceptions to rule "${id}": ${lock}.`
        : undefined;
    case 'define':
      return `Cannot define rule "${id}" here: ${lock}.`;
    case 'exception':
      return floor.exceptionsAllowed
        ? undefined
        : `Cannot waive rule "${id}" here: ${lock} without "exceptions: allowed", so only that policy and the policies it extends may waive it.`;
  }
}

function higher(a: Level, b: Level): Level {
  return LEVEL_RANK[b] > LEVEL_RANK[a] ? b : a;
}

/**
 * Set a property as data, even `__proto__` (assignment would set the
 * prototype instead, and the key would vanish from validation).
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function merge(layers: Layer[], base: RuleRegistry, about: { name: string; file: string }): EffectivePolicy {
  const problems: Diagnostic[] = [];
  const registry = new Map(base);
  const drafts = new Map<string, Draft>();
  const overrides: CompiledOverride[] = [];
  const exceptions: CompiledException[] = [];
  const reporters: Record<string, Reporter> = {};
  const plugins: EffectivePolicy['plugins'] = [];
  const settings: PolicySettings = { expiryWarningDays: 14 };
  /** Everything each layer sets about each rule, by rule id, in merge order. */
  const changes = new Map<string, Change[]>();
  /** The layers that lock each rule. */
  const locks = new Map<string, number[]>();
  const record = (change: Change) => {
    const list = changes.get(change.id);
    if (list) list.push(change);
    else changes.set(change.id, [change]);
  };

  const checkRuleId = (layer: Layer, keyPath: (string | number)[], id: string): boolean => {
    if (registry.has(id)) return true;
    problems.push(
      diagnosticAt(layer.source, keyPath, `Unknown rule "${id}".${didYouMean(id, registry.keys())}`, {
        key: keyPath[keyPath.length - 2] === 'rules',
        pathText: formatPath(keyPath),
      }),
    );
    return false;
  };

  /** A glob from a policy, compiled; a glob that cannot be used is a problem at its key. */
  const globAt = (layer: Layer, keyPath: (string | number)[], glob: string): GlobMatcher => {
    try {
      return compileGlob(glob);
    } catch (error) {
      if (!(error instanceof GlobError)) throw error;
      problems.push(diagnosticAt(layer.source, keyPath, error.message, { pathText: formatPath(keyPath) }));
      return () => false;
    }
  };
  const globsAt = (layer: Layer, keyPath: (string | number)[], globs: string[]): GlobMatcher => {
    const matchers = globs.map((g, j) => globAt(layer, [...keyPath, j], g));
    return matchers.length === 1 ? matchers[0]! : (value) => matchers.some((m) => m(value));
  };

  layers.forEach((layer, layerIndex) => {
    for (const plugin of layer.plugins) {
      for (const [id, rule] of plugin.rules) {
        const known = registry.get(id);
        // The same plugin named by two layers is fine; two plugins with one name are not, even
        // with the same specifier (a relative path names another file from another folder).
        if (known && !base.has(id) && known.check !== rule.check) {
          const other = plugins.find((p) => id.startsWith(`${p.name}/`));
          problems.push(
            diagnosticAt(
              layer.source,
              ['plugins', plugin.index],
              other
                ? `Two different plugins are named "${plugin.name}": ${other.spec} (${other.setBy.file}) and ${plugin.spec} (${layer.source.file}).`
                : `The plugin "${plugin.name}" (${plugin.spec}) has a rule "${id}", which a policy already defines.`,
              { pathText: `plugins[${plugin.index}]` },
            ),
          );
          continue;
        }
        registry.set(id, rule);
      }
      Object.assign(reporters, plugin.reporters);
      if (!plugins.some((p) => p.spec === plugin.spec && p.name === plugin.name)) {
        plugins.push({
          name: plugin.name,
          spec: plugin.spec,
          setBy: setByOf(layer, ['plugins', plugin.index]),
        });
      }
    }
    if (layer.doc.settings?.expiryWarningDays !== undefined) {
      settings.expiryWarningDays = layer.doc.settings.expiryWarningDays;
      settings.expiryWarningDaysSetBy = setByOf(layer, ['settings', 'expiryWarningDays']);
    }
    const maxDays = layer.doc.settings?.maxExceptionDays;
    // The shortest limit any layer sets holds: a layer can shorten it, never lengthen it.
    if (
      maxDays !== undefined &&
      (settings.maxExceptionDays === undefined || maxDays < settings.maxExceptionDays)
    ) {
      settings.maxExceptionDays = maxDays;
      settings.maxExceptionDaysSetBy = setByOf(layer, ['settings', 'maxExceptionDays']);
    }

    for (const [id, entry] of Object.entries(layer.doc.rules ?? {})) {
      const keyPath = ['rules', id];
      if (typeof entry === 'object' && entry.select !== undefined) {
        if (base.has(id) || (registry.has(id) && !drafts.get(id)?.setBy.defined)) {
          problems.push(
            diagnosticAt(
              layer.source,
              keyPath,
              `A declarative rule cannot be named "${id}": a rule of that name exists already.`,
              {
                key: true,
                pathText: formatPath(keyPath),
              },
            ),
          );
          continue;
        }
        const rule = defineDeclarative(layer, id, entry, problems);
        if (!rule) continue;
        registry.set(id, rule);
        record({ id, layer: layerIndex, at: keyPath, kind: 'define' });
      }
      if (!checkRuleId(layer, keyPath, id)) continue;
      const draft: Draft = drafts.get(id) ?? {
        id,
        options: {},
        setBy: { options: {} },
        last: { layer, path: keyPath },
      };
      draft.last = { layer, path: keyPath };
      if (typeof entry === 'object' && entry.select !== undefined)
        draft.setBy.defined = setByOf(layer, keyPath);
      const setLevel = (level: Level, at: (string | number)[]) => {
        record({ id, layer: layerIndex, at, kind: 'level', value: level });
        draft.level = level;
        draft.setBy.level = setByOf(layer, at);
      };
      if (typeof entry === 'string') {
        setLevel(entry, keyPath);
      } else {
        if (entry.level !== undefined) setLevel(entry.level, [...keyPath, 'level']);
        if (entry.onIndeterminate !== undefined) {
          const at = [...keyPath, 'onIndeterminate'];
          record({ id, layer: layerIndex, at, kind: 'onIndeterminate', value: entry.onIndeterminate });
          draft.onIndeterminate = entry.onIndeterminate;
          draft.setBy.onIndeterminate = setByOf(layer, at);
        }
        for (const [key, value] of Object.entries(entry.options ?? {})) {
          const at = [...keyPath, 'options', key];
          record({ id, layer: layerIndex, at, kind: 'option', key, value });
          setOwn(draft.options, key, value);
          setOwn(draft.setBy.options, key, setByOf(layer, at));
        }
        if (entry.exceptions !== undefined) {
          const at = [...keyPath, 'exceptions'];
          record({ id, layer: layerIndex, at, kind: 'exceptions', value: entry.exceptions });
          draft.setBy.exceptions = setByOf(layer, at);
        }
        if (entry.locked !== undefined) {
          const at = [...keyPath, 'locked'];
          record({ id, layer: layerIndex, at, kind: 'locked', value: entry.locked });
          if (entry.locked) {
            const list = locks.get(id) ?? [];
            list.push(layerIndex);
            locks.set(id, list);
            draft.setBy.locked ??= setByOf(layer, at);
          }
        }
        if (entry.level === undefined && !draft.setBy.level) draft.setBy.level = setByOf(layer, keyPath);
      }
      drafts.set(id, draft);
    }

    (layer.doc.overrides ?? []).forEach((o, i) => {
      const rules: Record<string, Level> = {};
      for (const [id, level] of Object.entries(o.rules)) {
        const at = ['overrides', i, 'rules', id];
        if (!checkRuleId(layer, at, id)) continue;
        record({ id, layer: layerIndex, at, kind: 'override', value: level });
        rules[id] = level;
      }
      const compiled: CompiledOverride = { rules, setBy: setByOf(layer, ['overrides', i]) };
      if (o.packages) {
        compiled.packages = o.packages;
        compiled.matchPackage = globsAt(layer, ['overrides', i, 'packages'], o.packages);
      }
      if (o.subjects) {
        compiled.subjects = o.subjects;
        compiled.matchSubject = globsAt(layer, ['overrides', i, 'subjects'], o.subjects);
      }
      overrides.push(compiled);
    });

    (layer.doc.exceptions ?? []).forEach((e, i) => {
      if (!checkRuleId(layer, ['exceptions', i, 'rule'], e.rule)) return;
      record({ id: e.rule, layer: layerIndex, at: ['exceptions', i, 'rule'], kind: 'exception' });
      const expiresAt = parseDateOrDateTime(e.expires)!;
      const compiled: CompiledException = {
        rule: e.rule,
        subject: e.subject,
        reason: e.reason,
        expires: e.expires,
        expiresAt,
        matchSubject: globAt(layer, ['exceptions', i, 'subject'], e.subject),
        setBy: setByOf(layer, ['exceptions', i]),
        expiresSetBy: { ...setByOf(layer, ['exceptions', i, 'expires']), path: `exceptions[${i}].expires` },
      };
      if (e.ticket !== undefined) compiled.ticket = e.ticket;
      if (e.owner !== undefined) compiled.owner = e.owner;
      exceptions.push(compiled);
    });
  });

  // Locks, judged once every layer is in, whatever their order.
  const lockProblems: { layer: number; diagnostic: Diagnostic }[] = [];
  /** For each locked rule, the first lock that does not allow other layers' exceptions. */
  const exceptionsLockedBy = new Map<string, SetBy>();
  for (const [id, lockedAt] of locks) {
    const rule = registry.get(id);
    const list = changes.get(id) ?? [];
    if (!rule) continue;
    const judged = new Set<Change>();
    for (const at of lockedAt) {
      const floor = floorOf(rule, list, layers, at);
      if (!floor.exceptionsAllowed && !exceptionsLockedBy.has(id)) exceptionsLockedBy.set(id, floor.lockedBy);
      const first = layers[at]!.first;
      for (const c of list) {
        if ((c.layer >= first && c.layer <= at) || judged.has(c)) continue;
        const message = lockProblem(rule, floor, c);
        if (message === undefined) continue;
        judged.add(c);
        const isKey = c.kind !== 'override' && c.kind !== 'exception';
        lockProblems.push({
          layer: c.layer,
          diagnostic: diagnosticAt(layers[c.layer]!.source, c.at, message, {
            key: isKey,
            pathText: formatPath(c.at),
          }),
        });
      }
    }
  }
  // In file order: by layer, then by line and column.
  lockProblems.sort(
    (a, b) =>
      a.layer - b.layer ||
      (a.diagnostic.line ?? 0) - (b.diagnostic.line ?? 0) ||
      (a.diagnostic.column ?? 0) - (b.diagnostic.column ?? 0),
  );
  for (const p of lockProblems) problems.push(p.diagnostic);

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
    const effective: EffectiveRule = {
      id: draft.id,
      rule,
      level: draft.level ?? rule.meta.defaultLevel,
      onIndeterminate: draft.onIndeterminate ?? 'error',
      options,
      setBy: draft.setBy,
      locked: locks.has(draft.id),
    };
    const lockedBy = exceptionsLockedBy.get(draft.id);
    if (lockedBy) {
      effective.exceptions = 'locked';
      effective.setBy.exceptions = lockedBy;
    } else if (effective.locked || draft.setBy.exceptions) {
      effective.exceptions = 'allowed';
    }
    rules.push(effective);
  }
  const runs = (r: EffectiveRule) =>
    r.level !== 'off' || overrides.some((o) => (o.rules[r.id] ?? 'off') !== 'off');
  if (problems.length === 0 && !rules.some(runs)) {
    // A gate that checks nothing passes everything: that is a mistake, not a policy.
    const main = layers.at(-1)!;
    problems.push(
      diagnosticAt(
        main.source,
        main.doc.rules ? ['rules'] : [],
        'The policy enables no rules, so it would pass anything; turn a rule on, or extend a preset such as trustgate:recommended.',
        main.doc.rules ? { key: true, pathText: 'rules' } : {},
      ),
    );
  }
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', problems);
  return {
    ...about,
    layers: layers.map((l) => l.source.file),
    rules,
    overrides,
    exceptions,
    settings,
    plugins,
    reporters,
  };
}

/** Build a declarative rule, or record why its schemas do not compile. */
function defineDeclarative(
  layer: Layer,
  id: string,
  entry: RuleEntryObject,
  problems: Diagnostic[],
): AnyRule | undefined {
  for (const key of ['where', 'assert'] as const) {
    if (entry[key] === undefined) continue;
    const patterns = unsupportedPatterns(entry[key]);
    if (patterns.length > 0) {
      for (const p of patterns) {
        const at = ['rules', id, key, ...p.path];
        problems.push(
          diagnosticAt(layer.source, at, p.message, {
            key: p.path.at(-2) === 'patternProperties',
            pathText: formatPath(at),
          }),
        );
      }
      return undefined;
    }
    try {
      compileRuleSchema(entry[key]!);
    } catch (error) {
      problems.push(
        diagnosticAt(layer.source, ['rules', id, key], `Not a valid JSON Schema: ${firstLine(error)}`, {
          pathText: `rules.${id}.${key}`,
        }),
      );
      return undefined;
    }
  }
  const def: DeclarativeDefinition = {
    select: entry.select!,
    assert: entry.assert!,
    message: entry.message!,
  };
  if (entry.where) def.where = entry.where;
  if (entry.description) def.description = entry.description;
  if (entry.securitySeverity !== undefined) def.securitySeverity = entry.securitySeverity;
  if (entry.docs) def.docs = entry.docs;
  return declarativeRule(id, def, DECLARATIVE_DOCS);
}

/**
 * How a new option value weakens a locked rule, or undefined if it does not.
 * Rules say which way is stricter in `meta.strictness`; an option they say
 * nothing about may not change at all once locked.
 */
function loosens(rule: AnyRule, key: string, before: unknown, after: unknown): string | undefined {
  const effectiveBefore = before ?? defaultOf(rule, key);
  if (JSON.stringify(effectiveBefore) === JSON.stringify(after)) return undefined;
  const way = rule.meta.strictness?.[key];
  if (way === undefined) return 'change';
  if (way === 'lower' && typeof after === 'number' && typeof effectiveBefore === 'number') {
    return after > effectiveBefore ? 'loosen' : undefined;
  }
  if (way === 'higher' && typeof after === 'number' && typeof effectiveBefore === 'number') {
    return after < effectiveBefore ? 'loosen' : undefined;
  }
  if ((way === 'subset' || way === 'superset') && Array.isArray(after) && Array.isArray(effectiveBefore)) {
    const [small, big] = way === 'subset' ? [after, effectiveBefore] : [effectiveBefore, after];
    return small.every((x) => big.includes(x)) ? undefined : 'loosen';
  }
  if (Array.isArray(way)) {
    const from = way.indexOf(effectiveBefore as string);
    const to = way.indexOf(after as string);
    return to >= 0 && from >= 0 && to >= from ? undefined : 'loosen';
  }
  return 'change';
}

function defaultOf(rule: AnyRule, key: string): unknown {
  const props = (rule.meta.options as { properties?: Record<string, { default?: unknown }> } | undefined)
    ?.properties;
  return props?.[key]?.default;
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
      locked: false,
    });
  }
  if (problems.length > 0) throw new InputError('E_POLICY_SCHEMA', problems);
  return {
    name,
    file: name,
    layers: [],
    rules,
    overrides: [],
    exceptions: [],
    settings: { expiryWarningDays: 14 },
    plugins: [],
    reporters: {},
  };
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
      validate = compileSchema(schema, { useDefaults: true });
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
