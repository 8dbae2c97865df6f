import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { type Diagnostic, formatPath, InputError, TrustgateError, whyUnreadable } from './errors.js';
import { evaluate } from './evaluate.js';
import { COLLECTIONS, type LoadedFacts } from './facts.js';
import { checkFacts } from './facts-load.js';
import { type LoadPolicyOptions, loadPolicy } from './policy.js';
import { INPUT_LIMITS, readInputTextSync } from './read-input.js';
import { EXCEPTION_EXPIRING, EXCEPTION_STALE, type Finding, type Level } from './result.js';
import { explainErrors, parseDateOrDateTime, sharedAjv } from './schema.js';
import { diagnosticAt, parseYamlSource, type SourceFile, toData } from './yaml-source.js';

/** One expected finding: rule and subject, and the level or message when given. */
export interface ExpectedFinding {
  rule: string;
  subject: string;
  level?: Exclude<Level, 'off'>;
  message?: string;
}

export interface PolicyTestCase {
  name: string;
  now?: string;
  facts: Record<string, unknown>;
  expect: ExpectedFinding[];
}

export interface PolicyTestFile {
  policy: string;
  now?: string;
  cases: PolicyTestCase[];
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** What differs, one line each: missing, unexpected, or a wrong level or message. */
  differences: string[];
}

export interface FileResult {
  file: string;
  cases: CaseResult[];
}

const TEST_SCHEMA = {
  type: 'object',
  required: ['policy', 'cases'],
  additionalProperties: false,
  properties: {
    policy: { type: 'string', minLength: 1 },
    now: { type: 'string', format: 'trustgate-date' },
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'facts', 'expect'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          now: { type: 'string', format: 'trustgate-date' },
          facts: { type: 'object' },
          expect: {
            type: 'array',
            items: {
              type: 'object',
              required: ['rule', 'subject'],
              additionalProperties: false,
              properties: {
                rule: { type: 'string', minLength: 1 },
                subject: { type: 'string', minLength: 1 },
                level: { type: 'string', enum: ['error', 'warning', 'note'] },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
};

let validator: ValidateFunction | undefined;

/** Run one `*.test.yaml`: load its policy, evaluate each case, compare findings. */
export async function runPolicyTestFile(
  file: string,
  options: Omit<LoadPolicyOptions, 'cwd'> & { cwd: string },
): Promise<FileResult> {
  const shown = path.relative(options.cwd, file) || file;
  let text: string;
  try {
    text = readInputTextSync(file, INPUT_LIMITS.policyTest);
  } catch (error) {
    throw new TrustgateError(
      'E_TEST_READ',
      `${shown}: Cannot read the policy test file: ${whyUnreadable(error)}.`,
    );
  }
  const source = parseYamlSource(text, shown, 'E_TEST_YAML');
  const data = toData(source);
  validator ??= sharedAjv().compile(TEST_SCHEMA);
  if (!validator(data)) {
    throw new InputError(
      'E_TEST_SCHEMA',
      explainErrors(validator.errors).map((p) =>
        diagnosticAt(source, p.path, p.message, {
          key: p.atKey,
          ...(p.path.length ? { pathText: formatPath(p.path) } : {}),
        }),
      ),
    );
  }
  const spec = data as PolicyTestFile;
  const policy = await loadPolicy(path.resolve(path.dirname(file), spec.policy), options);
  const known = new Set([...policy.rules.map((r) => r.id)]);
  const results: CaseResult[] = [];
  for (const [index, c] of spec.cases.entries()) {
    const nowText = c.now ?? spec.now ?? '2026-01-01T00:00:00Z';
    const now = startOf(nowText);
    const facts = caseFacts(c, index, nowText, source);
    const problems: Diagnostic[] = [];
    c.expect.forEach((e, i) => {
      if (!known.has(e.rule) && !e.rule.startsWith('trustgate/')) {
        problems.push(
          diagnosticAt(
            source,
            ['cases', index, 'expect', i, 'rule'],
            `The policy runs no rule "${e.rule}".`,
            {
              pathText: `cases[${index}].expect[${i}].rule`,
            },
          ),
        );
      }
    });
    if (problems.length) throw new InputError('E_TEST_SCHEMA', problems);
    const result = await evaluate({ facts, policy, now, tool: { name: 'trustgate', version: 'test' } });
    const active = result.findings.filter(
      (f) => !f.exception && f.ruleId !== EXCEPTION_STALE && f.ruleId !== EXCEPTION_EXPIRING,
    );
    const differences = compare(c.expect, active);
    results.push({ name: c.name, passed: differences.length === 0, differences });
  }
  return { file: shown, cases: results };
}

/** A date means its start; a date and time, that instant. */
function startOf(value: string): Date {
  const end = parseDateOrDateTime(value)!;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(end.getTime() - 86_400_000) : end;
}

/** Partial facts: a collection left out is empty and complete, unless the case gives its own sources. */
function caseFacts(c: PolicyTestCase, index: number, now: string, source: SourceFile): LoadedFacts {
  const body: Record<string, unknown> = {
    schemaVersion: 1,
    collectedAt: startOf(now).toISOString(),
    sources: [{ collector: 'policy-test', covers: [...COLLECTIONS], complete: true }],
    ...c.facts,
  };
  try {
    return checkFacts(body, `${source.file} cases[${index}].facts`);
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(
        'E_TEST_FACTS',
        error.diagnostics.map((d) => {
          const at = diagnosticAt(source, ['cases', index, 'facts', ...pathOf(d.path)], d.message, {
            pathText: `cases[${index}].facts${d.path ? `.${d.path}` : ''}`,
          });
          return at;
        }),
      );
    }
    throw error;
  }
}

function pathOf(p: string | undefined): (string | number)[] {
  if (!p) return [];
  return p
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Exactly these findings, in any order. */
function compare(expected: ExpectedFinding[], actual: Finding[]): string[] {
  const left = [...actual];
  const out: string[] = [];
  for (const e of expected) {
    const i = left.findIndex((f) => f.ruleId === e.rule && f.subject === e.subject);
    if (i === -1) {
      out.push(`missing:    ${e.rule} ${e.subject}`);
      continue;
    }
    const [f] = left.splice(i, 1);
    if (e.level && f!.level !== e.level)
      out.push(`level:      ${e.rule} ${e.subject}: expected ${e.level}, got ${f!.level}`);
    if (e.message !== undefined && f!.message !== e.message) {
      out.push(`message:    ${e.rule} ${e.subject}: expected "${e.message}", got "${f!.message}"`);
    }
  }
  for (const f of left) out.push(`unexpected: ${f.ruleId} ${f.subject} (${f.level}: ${f.message})`);
  return out;
}
