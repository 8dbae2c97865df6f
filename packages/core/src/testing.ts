/**
 * Test helpers for rule authors, on `node:test`.
 *
 *   new RuleTester({ now: '2026-11-28T00:00:00Z' }).run(myRule, { valid: [...], invalid: [...] });
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from './evaluate.js';
import { COLLECTIONS, type Facts, type LoadedFacts, type Source } from './facts.js';
import { checkFacts } from './facts-load.js';
import { createPolicy } from './policy.js';
import { type ActiveLevel, type Finding, type Level, SOURCE_ERROR } from './result.js';
import { type AnyRule, ruleCollections } from './rule.js';

/**
 * Facts for a case, as JSON would hold them: any collection left out is empty
 * and, unless `sources` says otherwise, complete. They are checked against the
 * facts schema when the case runs, so loose typing here loses nothing.
 */
export type PartialFacts = { [K in Exclude<keyof Facts, 'schemaVersion'>]?: unknown };

export interface ValidCase {
  name: string;
  facts: PartialFacts;
  options?: Record<string, unknown>;
}

export interface ExpectedFinding {
  subject: string;
  message: string | RegExp;
  level?: ActiveLevel;
  indeterminate?: boolean;
  /** `{ file, line }` of the finding's location. */
  location?: { file: string; line?: number; column?: number };
}

export interface InvalidCase extends ValidCase {
  /** Exactly these findings, in the engine's order (rule, subject, location, message). */
  findings: ExpectedFinding[];
  level?: Level;
  onIndeterminate?: Level;
}

export interface RuleTesterOptions {
  /** The evaluation time. Default: 2026-11-28T00:00:00Z. */
  now?: string;
}

/** The facts a case describes, completed and validated against the facts schema. */
export function caseFacts(
  partial: PartialFacts,
  rule: AnyRule,
  now: string,
  options: Record<string, unknown> = {},
): LoadedFacts {
  const reads = ruleCollections(rule, options);
  const sources = (partial.sources as Source[] | undefined) ?? [
    {
      collector: 'test',
      covers: COLLECTIONS.filter((c) => reads.includes(c) || c in partial),
      complete: true,
    },
  ];
  return checkFacts(
    { schemaVersion: 1, collectedAt: partial.collectedAt ?? now, ...partial, sources },
    '<case facts>',
  );
}

/** Run a rule over a case, through the real engine. */
export async function runRule(
  rule: AnyRule,
  testCase: ValidCase & { level?: Level; onIndeterminate?: Level },
  now = '2026-11-28T00:00:00Z',
): Promise<Finding[]> {
  const entry: Parameters<typeof createPolicy>[0][number] = { rule };
  if (testCase.options) entry.options = testCase.options;
  if (testCase.level) entry.level = testCase.level;
  if (testCase.onIndeterminate) entry.onIndeterminate = testCase.onIndeterminate;
  const policy = createPolicy([entry], `case "${testCase.name}"`);
  const result = await evaluate({
    facts: caseFacts(testCase.facts, rule, now, testCase.options),
    policy,
    now: new Date(now),
    tool: { name: 'trustgate', version: 'test' },
  });
  // The engine's own finding about an incomplete source is not the rule's: the rule's indeterminate
  // findings say what it could not check.
  return result.findings.filter((f) => f.ruleId !== SOURCE_ERROR);
}

export class RuleTester {
  readonly now: string;

  constructor(options: RuleTesterOptions = {}) {
    this.now = options.now ?? '2026-11-28T00:00:00Z';
  }

  /** Registers one `node:test` suite for the rule: a test per case. */
  run(rule: AnyRule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
    RuleTester.checkCases(cases);
    describe(rule.id, () => {
      for (const c of cases.valid) {
        it(`valid: ${c.name}`, async () => {
          const findings = await runRule(rule, c, this.now);
          assert.deepEqual(findings.map(summary), [], `Expected no findings for "${c.name}".`);
        });
      }
      for (const c of cases.invalid) {
        it(`invalid: ${c.name}`, async () => {
          const findings = await runRule(rule, c, this.now);
          assert.equal(
            findings.length,
            c.findings.length,
            `Expected ${c.findings.length} finding(s) for "${c.name}", got ${findings.length}:\n${findings.map(summary).join('\n')}`,
          );
          c.findings.forEach((expected, i) => {
            const actual = findings[i]!;
            assert.equal(actual.subject, expected.subject, `Finding ${i}: subject.`);
            if (typeof expected.message === 'string')
              assert.equal(actual.message, expected.message, `Finding ${i}: message.`);
            else assert.match(actual.message, expected.message, `Finding ${i}: message.`);
            if (expected.level) assert.equal(actual.level, expected.level, `Finding ${i}: level.`);
            if (expected.indeterminate !== undefined) {
              assert.equal(
                actual.indeterminate ?? false,
                expected.indeterminate,
                `Finding ${i}: indeterminate.`,
              );
            }
            if (expected.location) {
              const want = Object.fromEntries(
                Object.entries(expected.location).filter(([, v]) => v !== undefined),
              );
              const got = Object.fromEntries(
                Object.keys(want).map((k) => [
                  k,
                  (actual.location as Record<string, unknown> | undefined)?.[k],
                ]),
              );
              assert.deepEqual(got, want, `Finding ${i}: location.`);
            }
          });
        });
      }
    });
  }

  /** Tests of the tests: names are unique, no case repeats another, and every invalid case pins its findings. */
  static checkCases(cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
    const names = new Set<string>();
    const bodies = new Map<string, string>();
    for (const [kind, list] of [
      ['valid', cases.valid],
      ['invalid', cases.invalid],
    ] as const) {
      for (const c of list) {
        if (!c.name) throw new Error(`A ${kind} case has no name.`);
        if (names.has(c.name)) throw new Error(`Two cases are named "${c.name}".`);
        names.add(c.name);
        const body = JSON.stringify([c.facts, c.options ?? null]);
        const twin = bodies.get(body);
        if (twin !== undefined) throw new Error(`Case "${c.name}" repeats case "${twin}".`);
        bodies.set(body, c.name);
      }
    }
    for (const c of cases.invalid) {
      if (!Array.isArray(c.findings) || c.findings.length === 0) {
        throw new Error(`Invalid case "${c.name}" pins no findings; list the findings it must produce.`);
      }
      c.findings.forEach((f, i) => {
        if (!f.subject || f.message === undefined || f.message === '') {
          throw new Error(`Invalid case "${c.name}", finding ${i}: pin both subject and message.`);
        }
      });
    }
  }
}

function summary(f: Finding): string {
  return `${f.level} ${f.subject}: ${f.message}`;
}
