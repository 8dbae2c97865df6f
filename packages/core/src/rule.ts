import type { CollectionName, LoadedFacts, Origin } from './facts.js';
import type { Level } from './result.js';

/** A JSON Schema, as ajv reads it. */
export type JsonSchema = Record<string, unknown>;

export interface RuleMeta {
  /** Starts with "Require", "Disallow" or "Enforce"; ends with a period. */
  description: string;
  /** Absolute URL of the rule's doc page; optional (a finding then has no helpUri). */
  docs?: string;
  /**
   * The collections the rule reads. Missing or incomplete ones make its result
   * indeterminate. A function of the options when an option narrows what the
   * rule checks (`scope: [workflows]`).
   */
  collections: CollectionName[] | ((options: Record<string, unknown>) => CollectionName[]);
  defaultLevel: Exclude<Level, 'off'>;
  /** SARIF `security-severity`, 0.0 to 10.0. */
  securitySeverity: number;
  /** JSON Schema of the options object; defaults live here, once. */
  options?: JsonSchema;
  /** The npm change the rule comes from, for docs and reports. */
  rationale?: string;
  /**
   * Which way each option is stricter, so that a locked rule can be tightened
   * but not loosened by later policy layers: `lower` or `higher` for numbers,
   * `subset` or `superset` for lists, or enum values from loosest to strictest.
   * A locked option not listed here may not change at all.
   */
  strictness?: Record<string, 'lower' | 'higher' | 'subset' | 'superset' | readonly string[]>;
}

/** What a rule reports. Level and exceptions are the engine's business. */
export interface Report {
  /** `kind:id`, such as `token:9f2c…` or `package:@acme/x`. */
  subject: string;
  /** A sentence: capital first letter, ends with a period. */
  message: string;
  /** Where in a file, when the subject was found in one. */
  location?: Origin;
  /** The package a finding is about, for `overrides[].packages`. Derived from `package:` subjects. */
  package?: string;
  /** The rule could not tell; the policy's `onIndeterminate` sets the level. */
  indeterminate?: boolean;
  /** Tells apart several findings of one rule about one subject (part of the fingerprint). */
  key?: string;
}

export interface RuleContext {
  /** Every collection is present; a collection no source covers is empty. */
  readonly facts: LoadedFacts;
  /** The evaluation time: `--now`, or the facts' `collectedAt`. */
  readonly now: Date;
  report(report: Report): void;
}

export interface Rule<Options = Record<string, unknown>> {
  id: string;
  meta: RuleMeta;
  check(ctx: RuleContext, options: Options): void | Promise<void>;
}

/** The collections a rule reads with these options (its defaults when none are given). */
export function ruleCollections(
  rule: { meta: Pick<RuleMeta, 'collections'> },
  options: Record<string, unknown> = {},
): CollectionName[] {
  const c = rule.meta.collections;
  return typeof c === 'function' ? c(options) : c;
}

/** Only adds types: a plain object with the same shape works as well. */
export function defineRule<Options = Record<string, unknown>>(rule: Rule<Options>): Rule<Options> {
  return rule;
}

/**
 * A reporter turns a run result into text or bytes, or into text in pieces
 * (an iterable of strings), which is written as it comes: a large report never
 * has to be held whole.
 */
export type ReportData = string | Uint8Array | Iterable<string>;
export type Reporter = (
  result: import('./result.js').RunResult,
  options: ReporterOptions,
) => ReportData | Promise<ReportData>;

/** A report's data as one string or buffer (for tests, and for consumers that need it whole). */
export function reportText(data: ReportData): string | Uint8Array {
  return typeof data === 'string' || data instanceof Uint8Array ? data : [...data].join('');
}

export interface ReporterOptions {
  /** Colour is allowed (a TTY, and NO_COLOR unset). */
  color: boolean;
  /** Leave waived findings out (`--omit-waived`): for consumers that ignore suppressions. */
  omitWaived?: boolean;
  /** Say something to the person running trustgate (standard error), such as a limit reached. */
  warn?: (message: string) => void;
  /**
   * A repository-relative file that exists, for formats that must anchor every finding to a file
   * (SARIF, annotations) when nothing better explains it: no policy file is in use (a preset), and
   * the facts name no file.
   */
  anchorFile?: string;
}

export interface Plugin {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: rules of any option type are accepted.
  rules: Record<string, Rule<any>>;
  reporters?: Record<string, Reporter>;
}

/** Only adds types. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds rules of every option type.
export type AnyRule = Rule<any>;
