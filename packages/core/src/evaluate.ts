import * as crypto from 'node:crypto';
import { type Diagnostic, describeError, InputError } from './errors.js';
import {
  COLLECTIONS,
  type CollectionName,
  isNpmjs,
  type LoadedFacts,
  publishesWithOidcOnly,
} from './facts.js';
import type { CompiledException, EffectivePolicy, EffectiveRule } from './policy.js';
import {
  ENGINE_RULES,
  EXCEPTION_EXPIRING,
  EXCEPTION_STALE,
  type ExceptionRef,
  type FactsSummary,
  type Finding,
  type Level,
  type Location,
  RULE_FAILED,
  type RuleSummary,
  type RunResult,
  SOURCE_ERROR,
  summarize,
} from './result.js';
import { type Report, type RuleContext, ruleCollections } from './rule.js';

export interface EvaluateInput {
  facts: LoadedFacts;
  policy: EffectivePolicy;
  /** Default: the facts' `collectedAt`. */
  now?: Date;
  tool: { name: string; version: string };
}

const NOUNS: Record<CollectionName, string> = {
  tokens: 'token',
  accounts: 'account',
  packages: 'package',
  orgs: 'org',
  workflows: 'publishing step',
  npmrc: '.npmrc credential',
  manifests: 'package.json',
};

/** Run every enabled rule of the policy over the facts. Never throws for a rule's sake. */
export async function evaluate(input: EvaluateInput): Promise<RunResult> {
  const { facts, policy } = input;
  const now = input.now ?? new Date(facts.collectedAt);
  checkExceptionTerms(policy, now);
  const findings: Finding[] = [];
  const matched = new Set<CompiledException>();

  for (const rule of policy.rules) {
    if (!mayReport(rule, policy)) continue;
    const reports: Report[] = [...coverageReports(rule, facts)];
    const ctx: RuleContext = {
      facts,
      now,
      report(report) {
        reports.push(checkReport(report));
      },
    };
    try {
      await rule.rule.check(ctx, structuredClone(rule.options));
    } catch (error) {
      findings.push({
        ruleId: RULE_FAILED,
        level: 'error',
        message: `Rule "${rule.id}" failed, so its result is unknown: ${sentence(describeError(error))}`,
        subject: `rule:${rule.id}`,
        fingerprint: fingerprint(RULE_FAILED, `rule:${rule.id}`),
      });
    }
    for (const report of reports) {
      const finding = toFinding(rule, report, policy, now, matched);
      if (finding) findings.push(finding);
    }
  }

  for (const finding of sourceErrorFindings(policy, facts)) findings.push(finding);
  // A loop, not push(...list): spreading 150k exceptions' notes as arguments overflows the stack.
  for (const finding of exceptionFindings(policy, now, matched)) findings.push(finding);
  findings.sort(compareFindings);
  const engineRules = Object.values(ENGINE_RULES).filter((r) => findings.some((f) => f.ruleId === r.id));
  const result: RunResult = {
    version: 1,
    tool: input.tool,
    policy: { name: policy.name, file: policy.file },
    now: now.toISOString(),
    summary: summarize(findings),
    findings,
    rules: policy.rules
      .filter((r) => mayReport(r, policy))
      .map(
        (r): RuleSummary => ({
          id: r.id,
          level: r.level === 'off' ? 'note' : r.level,
          description: r.rule.meta.description,
          ...(r.rule.meta.docs ? { docs: r.rule.meta.docs } : {}),
          securitySeverity: r.rule.meta.securitySeverity,
          ...(r.rule.meta.rationale ? { rationale: r.rule.meta.rationale } : {}),
          collections: ruleCollections(r.rule, r.options),
          ...(r.setBy.level ? { setBy: r.setBy.level } : {}),
        }),
      )
      .concat(engineRules),
    facts: undefined as unknown as FactsSummary,
    exceptions: policy.exceptions.map((e) => {
      const ref = exceptionRef(e);
      const expired = now >= e.expiresAt;
      const soon = (e.expiresAt.getTime() - now.getTime()) / DAY_MS <= policy.settings.expiryWarningDays;
      const state = !matched.has(e) ? 'stale' : expired ? 'expired' : soon ? 'expiring' : 'active';
      return { ...ref, state } as const;
    }),
  };
  // The facts summary (for the HTML report and JSON consumers) is worked out when first read:
  // most runs never read it, and over a large org it costs a pass over every entity.
  let summary: FactsSummary | undefined;
  Object.defineProperty(result, 'facts', {
    enumerable: true,
    configurable: true,
    get: () => (summary ??= factsSummary(facts, now)),
    set: (value: FactsSummary) => {
      summary = value;
    },
  });
  return result;
}

function factsSummary(facts: LoadedFacts, now: Date): FactsSummary {
  const packageFiles: Record<string, string> = {};
  for (const m of facts.manifests) if (m.name && !(m.name in packageFiles)) packageFiles[m.name] = m.file;
  const writeTokenAges = new Array<number>(41).fill(0);
  for (const t of facts.tokens) {
    if (t.access !== 'write' || t.created === null) continue;
    if (t.expires !== null && Date.parse(t.expires) <= now.getTime()) continue;
    const days = Math.max(0, Math.floor((now.getTime() - Date.parse(t.created)) / DAY_MS));
    writeTokenAges[Math.min(40, Math.floor(days / 10))]!++;
  }
  const tfaMix = { webauthn: 0, totp: 0, none: 0, unknown: 0 };
  for (const a of facts.accounts) {
    if (a.tfa === null) tfaMix.unknown++;
    else if (!a.tfa.enabled) tfaMix.none++;
    else if (a.tfa.method === 'webauthn') tfaMix.webauthn++;
    else if (a.tfa.method === 'totp') tfaMix.totp++;
    else tfaMix.unknown++;
  }
  const npmSteps = facts.workflows.filter((w) => isNpmjs(w.registry));
  return {
    collectedAt: facts.collectedAt,
    sources: facts.sources.map((s) => ({
      collector: s.collector,
      ...(s.target !== undefined ? { target: s.target } : {}),
      complete: s.complete,
      errors: s.errors?.length ?? 0,
    })),
    counts: Object.fromEntries(COLLECTIONS.map((c) => [c, facts[c].length])),
    packageFiles,
    writeTokenAges,
    tfaMix,
    adoption: {
      packages: facts.packages.filter((p) => (p.trustedPublishers?.length ?? 0) > 0).length,
      packagesTotal: facts.packages.length,
      steps: npmSteps.filter(publishesWithOidcOnly).length,
      stepsTotal: npmSteps.length,
    },
    packages: facts.packages.map((p) => ({
      id: p.id,
      trustedPublisher:
        p.trustedPublishers === null ? null : p.trustedPublishers.map((t) => t.provider).join(', ') || '',
      provenance: p.latest ? (p.latest.provenance ?? null) : null,
      mfa: p.mfa,
      maintainers: p.maintainers ?? null,
    })),
  };
}

/** A rule runs when its level is not off, or when an override turns it on for some subjects. */
function mayReport(rule: EffectiveRule, policy: EffectivePolicy): boolean {
  if (rule.level !== 'off') return true;
  return policy.overrides.some((o) => (o.rules[rule.id] ?? 'off') !== 'off');
}

/** Collections the rule reads that no source covers, or that a source covers only in part. */
function* coverageReports(rule: EffectiveRule, facts: LoadedFacts): Generator<Report> {
  for (const collection of ruleCollections(rule.rule, rule.options)) {
    const covering = facts.sources.filter((s) => s.covers.includes(collection));
    const noun = NOUNS[collection];
    if (covering.length === 0) {
      yield {
        subject: `collection:${collection}`,
        indeterminate: true,
        message: `No source in the facts covers ${collection}, so no ${noun} could be checked.`,
      };
      continue;
    }
    for (const source of covering.filter((s) => !s.complete)) {
      // The errors themselves are reported once each, as trustgate/source-error: not again per rule.
      const n = Math.max(1, source.errors?.length ?? 0);
      const detail = ` (${n} error${n === 1 ? '' : 's'}, reported as ${SOURCE_ERROR})`;
      yield {
        subject: `collection:${collection}`,
        key: `${source.collector}:${source.target ?? ''}`,
        indeterminate: true,
        message: `The ${source.collector} source${source.target ? ` for ${source.target}` : ''} did not complete${detail}, so some ${noun}s may not have been checked.`,
      };
    }
  }
}

function checkReport(report: Report): Report {
  if (typeof report !== 'object' || report === null) throw new TypeError('ctx.report() needs an object.');
  if (typeof report.subject !== 'string' || !isSubject(report.subject)) {
    throw new TypeError('ctx.report() needs a subject of the form "kind:id".');
  }
  if (typeof report.message !== 'string' || !hasNonSpace(report.message)) {
    throw new TypeError('ctx.report() needs a message.');
  }
  return report;
}

// The two checks below run once per report: at a million tokens, as regular expressions
// (/^[a-z][a-z0-9-]*:.+/ and /\S/) they took ~150 ms; read in place, they cost a few.

/** `kind:id`: a kind of lower-case letters, digits and dashes that starts with a letter, and an id. */
export function isSubject(s: string): boolean {
  let c = s.charCodeAt(0);
  if (!(c >= 97 && c <= 122)) return false;
  for (let i = 1; i < s.length; i++) {
    c = s.charCodeAt(i);
    if (c === 58) return i < s.length - 1 && !isLineEnd(s.charCodeAt(i + 1));
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false;
  }
  return false;
}

/** `.` in a regular expression: any character but these. */
function isLineEnd(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/** What `/\S/` finds: a character that is not white space or a line end, in JavaScript's sense. */
export function hasNonSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space =
      c === 32 ||
      (c >= 9 && c <= 13) ||
      c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff;
    if (!space) return true;
  }
  return false;
}

function toFinding(
  rule: EffectiveRule,
  report: Report,
  policy: EffectivePolicy,
  now: Date,
  matched: Set<CompiledException>,
): Finding | undefined {
  let level: Level = report.indeterminate ? rule.onIndeterminate : rule.level;
  const pkg = report.package ?? (report.subject.startsWith('package:') ? report.subject.slice(8) : undefined);
  for (const o of policy.overrides) {
    const set = o.rules[rule.id];
    if (set === undefined) continue;
    const hit =
      (o.matchSubject?.(report.subject) ?? false) || (pkg !== undefined && (o.matchPackage?.(pkg) ?? false));
    if (hit) level = set;
  }
  if (level === 'off') return undefined;
  const finding: Finding = {
    ruleId: rule.id,
    level,
    message: report.message,
    subject: report.subject,
    fingerprint: fingerprint(rule.id, report.subject, report.key),
    ...(rule.rule.meta.docs ? { helpUri: rule.rule.meta.docs } : {}),
  };
  const location = toLocation(report);
  if (location) finding.location = location;
  if (report.indeterminate) finding.indeterminate = true;
  applyExceptions(finding, policy.exceptions, now, matched);
  return finding;
}

const DAY_MS = 86_400_000;

/**
 * `settings.maxExceptionDays`: an exception that runs longer than that after
 * the evaluation time is bad input (exit 2), at its `expires`, never a waiver.
 */
function checkExceptionTerms(policy: EvaluateInput['policy'], now: Date): void {
  const max = policy.settings.maxExceptionDays;
  if (max === undefined) return;
  const limit = now.getTime() + max * DAY_MS;
  const set = policy.settings.maxExceptionDaysSetBy;
  const problems: Diagnostic[] = [];
  for (const e of policy.exceptions) {
    if (e.expiresAt.getTime() <= limit) continue;
    const at = e.expiresSetBy ?? { ...e.setBy, path: undefined };
    problems.push({
      file: at.file,
      line: at.line,
      column: at.column,
      ...(at.path ? { path: at.path } : {}),
      message: `The exception runs until ${e.expires}, more than ${max} day${max === 1 ? '' : 's'} after ${now.toISOString().slice(0, 10)}, the most settings.maxExceptionDays${set ? ` (${set.file}:${set.line})` : ''} allows; shorten it.`,
    });
  }
  if (problems.length > 0) throw new InputError('E_POLICY_EXCEPTION', problems);
}

/** Notes about the exceptions themselves: the ones that waive nothing, and the ones about to expire. */
function exceptionFindings(policy: EffectivePolicy, now: Date, matched: Set<CompiledException>): Finding[] {
  const out: Finding[] = [];
  for (const e of policy.exceptions) {
    const subject = `exception:${e.rule}:${e.subject}`;
    const who = [e.ticket, e.owner].filter(Boolean).join(', ');
    const name = `The exception for rule "${e.rule}" on "${e.subject}"${who ? ` (${who})` : ''}`;
    const location = { file: e.setBy.file, line: e.setBy.line, column: e.setBy.column };
    const expired = now >= e.expiresAt;
    if (!matched.has(e)) {
      out.push({
        ruleId: EXCEPTION_STALE,
        level: 'note',
        message: `${name} ${expired ? `expired on ${e.expires} and ` : ''}matches no finding; remove it.`,
        subject,
        location,
        fingerprint: fingerprint(EXCEPTION_STALE, subject),
        helpUri: ENGINE_RULES[EXCEPTION_STALE]!.docs,
      });
      continue;
    }
    const days = Math.ceil((e.expiresAt.getTime() - now.getTime()) / DAY_MS);
    if (!expired && days <= policy.settings.expiryWarningDays) {
      out.push({
        ruleId: EXCEPTION_EXPIRING,
        level: 'note',
        message: `${name} expires on ${e.expires}, in ${days} day${days === 1 ? '' : 's'}; renew it or fix what it waives.`,
        subject,
        location,
        fingerprint: fingerprint(EXCEPTION_EXPIRING, subject),
        helpUri: ENGINE_RULES[EXCEPTION_EXPIRING]!.docs,
      });
    }
  }
  return out;
}

/**
 * One error-level finding per error of each incomplete source that an enabled rule reads, at the
 * file and line the error names. It fails the run whatever the rules' `onIndeterminate` says, and
 * no exception or override changes it: what could not be read is fixed at the source.
 */
function sourceErrorFindings(policy: EffectivePolicy, facts: LoadedFacts): Finding[] {
  const read = new Set<string>();
  for (const rule of policy.rules) {
    if (!mayReport(rule, policy)) continue;
    for (const c of ruleCollections(rule.rule, rule.options)) read.add(c);
  }
  const out: Finding[] = [];
  for (const source of facts.sources) {
    if (source.complete || !source.covers.some((c) => read.has(c))) continue;
    const name = `The ${source.collector} source${source.target ? ` for ${source.target}` : ''}`;
    const errors = source.errors?.length ? source.errors : [{ message: 'It is marked incomplete.' }];
    for (const e of errors) {
      const entity = e.entity;
      const file = entity?.startsWith('file:') ? entity.slice(5) : undefined;
      const subject =
        entity && isSubject(entity)
          ? entity
          : `source:${source.collector}${source.target ? `:${source.target}` : ''}`;
      const finding: Finding = {
        ruleId: SOURCE_ERROR,
        level: 'error',
        message: file
          ? `${file} could not be read, so what it holds is unknown: ${sentence(e.message)}`
          : `${name} did not complete${entity ? ` for ${entity}` : ''}, so what it would have collected is unknown: ${sentence(e.message)}`,
        subject,
        fingerprint: fingerprint(
          SOURCE_ERROR,
          subject,
          `${source.collector}\n${source.target ?? ''}\n${entity ?? ''}`,
        ),
        helpUri: ENGINE_RULES[SOURCE_ERROR]!.docs,
      };
      if (file) {
        finding.location = { file };
        if (e.line !== undefined) finding.location.line = e.line;
        if (e.column !== undefined) finding.location.column = e.column;
      }
      out.push(finding);
    }
  }
  return out;
}

function toLocation(report: Report): Location | undefined {
  const o = report.location;
  if (!o?.file) return undefined;
  const loc: Location = { file: o.file };
  if (o.line !== undefined) loc.line = o.line;
  if (o.column !== undefined) loc.column = o.column;
  if (o.endLine !== undefined) loc.endLine = o.endLine;
  if (o.endColumn !== undefined) loc.endColumn = o.endColumn;
  return loc;
}

function applyExceptions(
  finding: Finding,
  exceptions: readonly CompiledException[],
  now: Date,
  matched: Set<CompiledException>,
): void {
  let expired: CompiledException | undefined;
  for (const e of exceptions) {
    if (e.rule !== finding.ruleId || !e.matchSubject(finding.subject)) continue;
    matched.add(e);
    if (now < e.expiresAt) {
      finding.exception = exceptionRef(e);
      return;
    }
    if (!expired || e.expiresAt > expired.expiresAt) expired = e;
  }
  if (expired) finding.expiredException = exceptionRef(expired);
}

function exceptionRef(e: CompiledException): ExceptionRef {
  const ref: ExceptionRef = { rule: e.rule, subject: e.subject, reason: e.reason, expires: e.expires };
  if (e.ticket !== undefined) ref.ticket = e.ticket;
  if (e.owner !== undefined) ref.owner = e.owner;
  return ref;
}

/** Stable across runs: the same rule, subject and key give the same fingerprint. */
export function fingerprint(ruleId: string, subject: string, key?: string): string {
  return sha256Hex(`${ruleId}\n${subject}\n${key ?? ''}`).slice(0, 32);
}

/** SHA-256 in hex: the one-shot `crypto.hash` where Node has it (20.12+), about twice as fast per finding. */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(a: string, d: string): string }).hash('sha256', text)
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.subject, b.subject) ||
    cmp(a.location?.file ?? '', b.location?.file ?? '') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    cmp(a.message, b.message) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.?!]$/.test(t) ? t : `${t}.`;
}
