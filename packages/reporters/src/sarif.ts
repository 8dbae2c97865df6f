import { createRequire } from 'node:module';
import { type Finding, LEVEL_RANK, type Reporter, RULE_FAILED, type RunResult } from '@trustgate/core';
import { anchorOf, exceptionSummary, shown } from './anchor.js';

/** GitHub code scanning's limits for one upload. */
export const SARIF_LIMITS = {
  resultsPerRun: 25_000,
  locationsPerResult: 1_000,
  gzipBytes: 10 * 1024 * 1024,
} as const;

// node:zlib (with the stream modules it loads) is only needed to size a SARIF upload; loading it
// when the reporters load cost every other run about 3 ms of start-up.
let zlib: typeof import('node:zlib') | undefined;
const gzipSync = (text: string): Buffer => {
  zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  return zlib.gzipSync(text);
};

const INFORMATION_URI = 'https://github.com/trustgate/trustgate';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  properties: { tags: string[]; precision: string; 'security-severity': string };
}

/**
 * SARIF 2.1.0 that GitHub code scanning accepts: one run, one physical location
 * per result (findings with no file are anchored to the file that best explains
 * them, their subject kept as a logical location), stable fingerprints, waived
 * findings as suppressions, and GitHub's size limits respected.
 */
export const sarif: Reporter = (result, options) => createSarif(SARIF_LIMITS)(result, options);

/** A SARIF reporter with other limits (tests use small ones). */
export function createSarif(limits: { resultsPerRun: number; gzipBytes: number }): Reporter {
  return (result, options) => renderSarif(result, options, limits);
}

function renderSarif(
  result: RunResult,
  options: Parameters<Reporter>[1],
  limits: { resultsPerRun: number; gzipBytes: number },
): string {
  const rules = sarifRules(result);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  let findings = shown(result, options.omitWaived);
  const notifications: { level: 'warning'; message: { text: string } }[] = [];
  const limit = (text: string) => {
    notifications.push({ level: 'warning', message: { text } });
    options.warn?.(text);
  };

  if (findings.length > limits.resultsPerRun) {
    const total = findings.length;
    findings = mostSevere(findings, result).slice(0, limits.resultsPerRun);
    limit(
      `${total} findings exceed code scanning's ${limits.resultsPerRun} results per run; the ${limits.resultsPerRun} most severe are in the SARIF.`,
    );
  }
  const results = findings.map((f) => sarifResult(f, result, index, options.anchorFile));
  let text = render(result, rules, results, notifications);
  if (gzipSync(text).length > limits.gzipBytes) {
    // Keep the most severe results that fit: halve the search space until the upload fits.
    const ordered = mostSevere(findings, result);
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const body = render(
        result,
        rules,
        ordered.slice(0, mid).map((f) => sarifResult(f, result, index, options.anchorFile)),
        notifications,
      );
      if (gzipSync(body).length <= limits.gzipBytes) lo = mid;
      else hi = mid - 1;
    }
    limit(
      `The SARIF would exceed code scanning's ${Math.round(limits.gzipBytes / 1024)} KiB compressed upload; the ${lo} most severe of ${findings.length} results are in it.`,
    );
    text = render(
      result,
      rules,
      ordered.slice(0, lo).map((f) => sarifResult(f, result, index, options.anchorFile)),
      notifications,
    );
  }
  return text;
}

function render(result: RunResult, rules: SarifRule[], results: unknown[], notifications: unknown[]): string {
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: result.tool.name,
            version: result.tool.version,
            semanticVersion: result.tool.version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        automationDetails: { id: 'trustgate/' },
        invocations: [
          {
            executionSuccessful: result.summary.ruleFailures === 0,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: { policy: result.policy, summary: result.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRules(result: RunResult): SarifRule[] {
  const rules: SarifRule[] = result.rules.map((r) => {
    const full = r.rationale ? `${r.description} ${r.rationale}` : r.description;
    return {
      id: r.id,
      name: pascal(r.id),
      shortDescription: { text: r.description },
      fullDescription: { text: full },
      help: {
        text: r.docs ? `${full}\n\nRule documentation: ${r.docs}` : full,
        markdown: `**${r.description}**\n\n${r.rationale ?? ''}\n\nReads: ${r.collections.map((c) => `\`${c}\``).join(', ') || 'nothing'}.${r.docs ? `\n\n[Rule documentation](${r.docs})` : ''}`,
      },
      ...(r.docs ? { helpUri: r.docs } : {}),
      defaultConfiguration: { level: r.level },
      properties: {
        tags: ['security', 'npm', 'supply-chain', ...r.collections].slice(0, 20),
        precision: 'high',
        'security-severity': r.securitySeverity.toFixed(1),
      },
    };
  });
  if (result.findings.some((f) => f.ruleId === RULE_FAILED)) {
    rules.push({
      id: RULE_FAILED,
      name: 'RuleFailed',
      shortDescription: { text: 'A rule crashed, so its result is unknown.' },
      fullDescription: {
        text: 'A rule threw an error while it ran. trustgate fails closed: the run exits 3.',
      },
      help: {
        text: 'A rule threw an error while it ran; its checks did not complete. Fix or remove the rule.',
        markdown: 'A rule threw an error while it ran; its checks did not complete. Fix or remove the rule.',
      },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security', 'trustgate'], precision: 'very-high', 'security-severity': '5.0' },
    });
  }
  return rules;
}

function sarifResult(f: Finding, result: RunResult, index: Map<string, number>, existing?: string) {
  const at = anchorOf(f, result, existing);
  const region: Record<string, number> = { startLine: at.line };
  if (at.via === 'finding' && at.column !== undefined) region.startColumn = at.column;
  if (at.via === 'finding' && f.location?.endLine !== undefined) region.endLine = f.location.endLine;
  const [kind] = f.subject.split(':', 1);
  const out: Record<string, unknown> = {
    ruleId: f.ruleId,
    ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
    level: f.level,
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: encodeURI(at.file) }, region },
        logicalLocations: [
          {
            name: f.subject,
            fullyQualifiedName: f.subject,
            kind: kind === 'workflow' ? 'element' : 'resource',
          },
        ],
      },
    ],
    partialFingerprints: { primaryLocationLineHash: `${f.fingerprint}:1` },
    ...(f.drift ? { baselineState: f.drift } : {}),
    properties: {
      subject: f.subject,
      ...(f.indeterminate ? { indeterminate: true } : {}),
      ...(f.expiredException ? { expiredException: f.expiredException } : {}),
      ...(at.via !== 'finding' ? { anchoredTo: at.via } : {}),
    },
  };
  if (f.fix) {
    out.fixes = [
      {
        description: { text: f.fix.description },
        artifactChanges: f.fix.changes.map((c) => ({
          artifactLocation: { uri: encodeURI(c.file) },
          replacements: c.replacements.map((r) => ({
            deletedRegion: { charOffset: r.offset, charLength: r.length },
            ...(r.text ? { insertedContent: { text: r.text } } : {}),
          })),
        })),
      },
    ];
  }
  if (f.exception) {
    out.suppressions = [
      { kind: 'external', status: 'accepted', justification: exceptionSummary(f.exception) },
    ];
  }
  return out;
}

/** Most severe first: level, then the rule's security severity; waived last; stable otherwise. */
function mostSevere(findings: Finding[], result: RunResult): Finding[] {
  const severity = new Map(result.rules.map((r) => [r.id, r.securitySeverity]));
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        Number(Boolean(a.f.exception)) - Number(Boolean(b.f.exception)) ||
        LEVEL_RANK[b.f.level] - LEVEL_RANK[a.f.level] ||
        (severity.get(b.f.ruleId) ?? 0) - (severity.get(a.f.ruleId) ?? 0) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}

function pascal(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
