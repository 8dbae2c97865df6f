import { InputError } from './errors.js';
export type Level = 'error' | 'warning' | 'note' | 'off';
export type ActiveLevel = Exclude<Level, 'off'>;
export const LEVELS: readonly Level[] = ['error', 'warning', 'note', 'off'];
export const LEVEL_RANK: Record<Level, number> = { error: 3, warning: 2, note: 1, off: 0 };

/** The id of the finding the engine reports when a rule throws. */
export const RULE_FAILED = 'trustgate/rule-failed';
/** A source that could not be read in full: one finding per error, at the file and line it names. */
export const SOURCE_ERROR = 'trustgate/source-error';
/** An exception that matches no finding. */
export const EXCEPTION_STALE = 'trustgate/exception-stale';
/** An exception that expires within the policy's warning window. */
export const EXCEPTION_EXPIRING = 'trustgate/exception-expiring';

const POLICY_DOCS = 'https://github.com/trustgate/trustgate/blob/main/docs/policy.md';

/** The findings the engine itself reports, described like rules. */
export const ENGINE_RULES: Record<string, Omit<RuleSummary, 'level'> & { level: ActiveLevel }> = {
  [RULE_FAILED]: {
    id: RULE_FAILED,
    level: 'error',
    description: 'Require every rule to run to the end; a rule that throws leaves its result unknown.',
    docs: `${POLICY_DOCS}#rules`,
    securitySeverity: 5,
    collections: [],
  },
  [SOURCE_ERROR]: {
    id: SOURCE_ERROR,
    level: 'error',
    description:
      'Require every source of facts to be read in full; what could not be read is unknown, never a pass.',
    docs: `${POLICY_DOCS}#sources`,
    securitySeverity: 5,
    collections: [],
  },
  [EXCEPTION_STALE]: {
    id: EXCEPTION_STALE,
    level: 'note',
    description: 'Disallow exceptions that waive nothing.',
    docs: `${POLICY_DOCS}#exceptions`,
    securitySeverity: 1,
    collections: [],
  },
  [EXCEPTION_EXPIRING]: {
    id: EXCEPTION_EXPIRING,
    level: 'note',
    description: 'Enforce a look at exceptions before they expire.',
    docs: `${POLICY_DOCS}#exceptions`,
    securitySeverity: 1,
    collections: [],
  },
};

export interface ExceptionRef {
  rule: string;
  subject: string;
  reason: string;
  ticket?: string;
  owner?: string;
  /** As written in the policy: YYYY-MM-DD or a date-time. */
  expires: string;
}

export interface Location {
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export interface Finding {
  ruleId: string;
  level: ActiveLevel;
  message: string;
  subject: string;
  location?: Location;
  /** Stable across runs for the same rule and subject (and key). */
  fingerprint: string;
  helpUri?: string;
  indeterminate?: boolean;
  /** An active exception waives the finding: it is reported but does not fail the gate. */
  exception?: ExceptionRef;
  /** An exception matched, but it has expired: the finding counts again. */
  expiredException?: ExceptionRef;
  /** Against a baseline report (`--baseline`): new since then, or there already. */
  drift?: 'new' | 'unchanged';
  /** Edits that resolve the finding (what `trustgate fix` would write), for SARIF `fixes`. */
  fix?: FindingFix;
}

/** Edits to files that resolve a finding. */
export interface FindingFix {
  description: string;
  changes: {
    /** Repository-relative, like the finding's location. */
    file: string;
    /** `length` characters at `offset` become `text`; lines are 1-based, of the file before the edit. */
    replacements: { offset: number; length: number; text: string; startLine: number; endLine: number }[];
  }[];
}

/** What changed since a baseline report. */
export interface Drift {
  /** The baseline report, as given. */
  baseline: string;
  new: number;
  unchanged: number;
  /** Findings of the baseline that are gone now. */
  fixed: { ruleId: string; subject: string; message: string; fingerprint: string }[];
  /** Findings waived in the baseline whose exception has expired since. */
  expiredSince: { ruleId: string; subject: string; expires: string; ticket?: string }[];
}

export interface Summary {
  /** Findings not waived, by level. */
  error: number;
  warning: number;
  note: number;
  /** Findings waived by an active exception. */
  waived: number;
  /** Findings (waived or not) that are indeterminate. */
  indeterminate: number;
  /** Findings whose exception has expired. */
  expiredExceptions: number;
  /** A rule threw. */
  ruleFailures: number;
  /** Active exceptions that expire within the warning window. */
  expiringExceptions: number;
  /** Exceptions that match no finding. */
  staleExceptions: number;
  total: number;
}

export interface RuleSummary {
  id: string;
  level: ActiveLevel;
  description: string;
  /** The rule's doc page, when the rule names one. */
  docs?: string;
  securitySeverity: number;
  /** The npm change the rule comes from. */
  rationale?: string;
  /** The fact collections the rule read. */
  collections: string[];
  /** Where the policy set the rule's level (a policy file, as given, and the line of its key). */
  setBy?: { file: string; line: number; column: number };
}

/** What the facts held: enough for reporters to count and to anchor findings to files. */
export interface FactsSummary {
  collectedAt: string;
  sources: { collector: string; target?: string; complete: boolean; errors: number }[];
  counts: Record<string, number>;
  /** package name → the package.json that declares it (from a repository scan). */
  packageFiles: Record<string, string>;
  /** Write tokens that can still be used, by age in whole days, in 10-day bins (the last bin is 400 days and older). */
  writeTokenAges: number[];
  /** Accounts by 2FA: WebAuthn, TOTP, no 2FA, or unknown. */
  tfaMix: { webauthn: number; totp: number; none: number; unknown: number };
  /** Trusted publishing adoption: packages with a trusted publisher, and publishing steps to npmjs with OIDC and no token. */
  adoption: { packages: number; packagesTotal: number; steps: number; stepsTotal: number };
  /** One row per package (posture table). */
  packages: {
    id: string;
    trustedPublisher: string | null;
    provenance: boolean | null;
    mfa: string | null;
    maintainers: string[] | null;
  }[];
}

/** The policy's exceptions and where they stand at the evaluation time. */
export interface ExceptionStatus extends ExceptionRef {
  state: 'active' | 'expiring' | 'expired' | 'stale';
}

/** The documented input of every reporter. Version 1. */
export interface RunResult {
  version: 1;
  tool: { name: string; version: string };
  policy: { name: string; file: string };
  /** The evaluation time, ISO 8601. */
  now: string;
  summary: Summary;
  /** Sorted: rule id, subject, file, line, message. */
  findings: Finding[];
  /** The rules that ran, with their effective level. */
  rules: RuleSummary[];
  facts: FactsSummary;
  /** Present with `--baseline`. */
  drift?: Drift;
  /** Every exception of the policy, with its state. */
  exceptions: ExceptionStatus[];
}

export function summarize(findings: readonly Finding[]): Summary {
  const s: Summary = {
    error: 0,
    warning: 0,
    note: 0,
    waived: 0,
    indeterminate: 0,
    expiredExceptions: 0,
    ruleFailures: 0,
    expiringExceptions: 0,
    staleExceptions: 0,
    total: findings.length,
  };
  for (const f of findings) {
    if (f.exception) s.waived++;
    else s[f.level]++;
    if (f.indeterminate) s.indeterminate++;
    if (f.expiredException) s.expiredExceptions++;
    if (f.ruleId === RULE_FAILED) s.ruleFailures++;
    if (f.ruleId === EXCEPTION_EXPIRING) s.expiringExceptions++;
    if (f.ruleId === EXCEPTION_STALE) s.staleExceptions++;
  }
  return s;
}

/** The exit code DESIGN.md fixes, from the result and `--fail-on`. */
export function exitCodeFor(
  result: Pick<RunResult, 'findings' | 'summary'>,
  failOn: Level | 'never',
  options: { newOnly?: boolean } = {},
): number {
  if (result.summary.ruleFailures > 0) return 3;
  if (failOn === 'never') return 0;
  const threshold = LEVEL_RANK[failOn === 'off' ? 'error' : failOn];
  for (const f of result.findings) {
    if (options.newOnly && f.drift !== 'new') continue;
    if (!f.exception && LEVEL_RANK[f.level] >= threshold) return 1;
  }
  return 0;
}

/**
 * Mark each finding new or unchanged against an earlier JSON report, by the
 * stable fingerprint (so line moves do not matter), and list what was fixed and
 * which exceptions expired in between. The baseline is checked for shape;
 * anything else is bad input.
 */
export function compareWithBaseline(result: RunResult, baseline: unknown, file: string): RunResult {
  const fail = (why: string): never => {
    throw new InputError('E_BASELINE', [{ file, message: `Not a trustgate JSON report: ${why}` }]);
  };
  if (
    !baseline ||
    typeof baseline !== 'object' ||
    !Array.isArray((baseline as { findings?: unknown }).findings)
  ) {
    fail('it has no "findings" list. Write it with --format json=FILE.');
  }
  const before = new Map<string, Finding>();
  (baseline as { findings: unknown[] }).findings.forEach((f, i) => {
    const x = f as Partial<Finding>;
    if (
      !x ||
      typeof x.fingerprint !== 'string' ||
      typeof x.ruleId !== 'string' ||
      typeof x.subject !== 'string'
    ) {
      fail(`findings[${i}] needs ruleId, subject and fingerprint.`);
    }
    before.set(x.fingerprint!, x as Finding);
  });
  const now = new Set<string>();
  let fresh = 0;
  const expiredSince: Drift['expiredSince'] = [];
  const findings = result.findings.map((f) => {
    now.add(f.fingerprint);
    const old = before.get(f.fingerprint);
    if (!old) fresh++;
    if (old?.exception && f.expiredException) {
      expiredSince.push({
        ruleId: f.ruleId,
        subject: f.subject,
        expires: f.expiredException.expires,
        ...(f.expiredException.ticket ? { ticket: f.expiredException.ticket } : {}),
      });
    }
    return { ...f, drift: old ? ('unchanged' as const) : ('new' as const) };
  });
  const fixed = [...before.values()]
    .filter((f) => !now.has(f.fingerprint))
    .map((f) => ({
      ruleId: f.ruleId,
      subject: f.subject,
      message: String(f.message ?? ''),
      fingerprint: f.fingerprint,
    }));
  return {
    ...result,
    findings,
    drift: { baseline: file, new: fresh, unchanged: findings.length - fresh, fixed, expiredSince },
  };
}
