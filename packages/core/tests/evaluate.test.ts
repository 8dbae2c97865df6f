import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkFacts,
  defineRule,
  evaluate,
  exitCodeFor,
  type Finding,
  fingerprint,
  type LoadedFacts,
  loadPolicy,
  type RunResult,
} from '@trustgate/core';
import { demoRules, load, tempDir } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';
const NOW = '2026-11-28T00:00:00Z';
const TOOL = { name: 'trustgate', version: 'test' };

function facts(partial: Record<string, unknown>): LoadedFacts {
  return checkFacts(
    {
      schemaVersion: 1,
      collectedAt: NOW,
      sources: [{ collector: 'test', covers: ['tokens', 'packages'], complete: true }],
      ...partial,
    },
    'facts.json',
  );
}

const token = (id: string, created: string, kind = 'granular') => ({
  id,
  kind,
  access: 'write',
  created: `${created}T00:00:00Z`,
  expires: null,
});

async function run(policyYaml: string, f: LoadedFacts): Promise<RunResult> {
  const dir = tempDir({ 'trustgate.yaml': policyYaml });
  return evaluate({ facts: f, policy: await load(dir), tool: TOOL });
}

const brief = (f: Finding) => [f.ruleId, f.level, f.subject, f.message];

describe('evaluation', () => {
  it('reports findings at the rule level, in a stable order', async () => {
    const result = await run(
      `${HEAD}rules:\n  token-max-age: { options: { maxDays: 30 } }\n  no-classic-tokens: error\n`,
      facts({
        tokens: [token('b', '2026-01-01', 'classic'), token('a', '2026-11-20'), token('c', '2025-01-01')],
      }),
    );
    assert.deepEqual(result.findings.map(brief), [
      ['no-classic-tokens', 'error', 'token:b', 'Token b is classic.'],
      ['token-max-age', 'error', 'token:b', 'Token b is too old.'],
      ['token-max-age', 'error', 'token:c', 'Token c is too old.'],
    ]);
    assert.deepEqual(result.summary, {
      error: 3,
      warning: 0,
      note: 0,
      waived: 0,
      indeterminate: 0,
      expiredExceptions: 0,
      ruleFailures: 0,
      expiringExceptions: 0,
      staleExceptions: 0,
      total: 3,
    });
    assert.equal(result.findings[1]!.fingerprint, fingerprint('token-max-age', 'token:b'));
    assert.match(result.findings[1]!.fingerprint, /^[0-9a-f]{32}$/);
    assert.equal(exitCodeFor(result, 'error'), 1);
  });

  it('off turns a rule off; overrides change levels by subject and by package', async () => {
    const f = facts({
      tokens: [token('bot-1', '2025-01-01'), token('alice-1', '2025-01-01')],
      packages: [
        { id: '@acme/legacy-a', mfa: 'none', trustedPublishers: [] },
        { id: '@acme/web', mfa: 'none', trustedPublishers: [] },
      ],
    });
    const result = await run(
      `${HEAD}rules:\n  token-max-age: error\n  package-check: error\n  no-classic-tokens: "off"\n` +
        'overrides:\n' +
        '  - subjects: ["token:bot-*"]\n    rules: { token-max-age: note }\n' +
        '  - packages: ["@acme/legacy-*"]\n    rules: { package-check: "off" }\n' +
        '  - packages: ["@acme/web"]\n    rules: { package-check: warning }\n',
      f,
    );
    assert.deepEqual(result.findings.map(brief), [
      ['package-check', 'warning', 'package:@acme/web', 'Package @acme/web found.'],
      ['token-max-age', 'error', 'token:alice-1', 'Token alice-1 is too old.'],
      ['token-max-age', 'note', 'token:bot-1', 'Token bot-1 is too old.'],
    ]);
    assert.equal(exitCodeFor(result, 'error'), 1);
    assert.equal(exitCodeFor(result, 'never'), 0);
  });

  it('an override can turn on, for some subjects, a rule that is otherwise off', async () => {
    const result = await run(
      `${HEAD}overrides:\n  - subjects: ["token:x"]\n    rules: { no-classic-tokens: warning }\n`,
      facts({ tokens: [token('x', '2026-11-01', 'classic'), token('y', '2026-11-01', 'classic')] }),
    );
    assert.deepEqual(result.findings.map(brief), [
      ['no-classic-tokens', 'warning', 'token:x', 'Token x is classic.'],
    ]);
    assert.equal(exitCodeFor(result, 'error'), 0);
    assert.equal(exitCodeFor(result, 'warning'), 1);
  });

  it('an active exception waives a finding; an expired one stops applying and says so', async () => {
    const result = await run(
      `${HEAD}rules:\n  token-max-age: error\nexceptions:\n` +
        '  - rule: token-max-age\n    subject: "token:bot-*"\n    reason: Release bot\n    ticket: SEC-1\n    owner: platform\n    expires: 2027-01-31\n' +
        '  - rule: token-max-age\n    subject: "token:old"\n    reason: Old one\n    expires: 2026-11-27\n' +
        '  - rule: token-max-age\n    subject: "token:today"\n    reason: Lasts through today\n    expires: 2026-11-28\n',
      facts({
        tokens: [token('bot-1', '2025-01-01'), token('old', '2025-01-01'), token('today', '2025-01-01')],
      }),
    );
    const [bot, old, today] = result.findings;
    assert.deepEqual(bot!.exception, {
      rule: 'token-max-age',
      subject: 'token:bot-*',
      reason: 'Release bot',
      ticket: 'SEC-1',
      owner: 'platform',
      expires: '2027-01-31',
    });
    assert.equal(bot!.expiredException, undefined);
    assert.equal(old!.exception, undefined);
    assert.deepEqual(old!.expiredException, {
      rule: 'token-max-age',
      subject: 'token:old',
      reason: 'Old one',
      expires: '2026-11-27',
    });
    assert.equal(today!.exception?.reason, 'Lasts through today');
    assert.equal(result.summary.waived, 2);
    assert.equal(result.summary.error, 1);
    assert.equal(result.summary.expiredExceptions, 1);
    assert.equal(exitCodeFor(result, 'error'), 1);
  });

  it('a waived finding alone does not fail the gate', async () => {
    const result = await run(
      `${HEAD}rules:\n  token-max-age: error\nexceptions:\n  - rule: token-max-age\n    subject: "token:*"\n    reason: r\n    expires: 2027-01-01T00:00:00Z\n`,
      facts({ tokens: [token('a', '2025-01-01')] }),
    );
    assert.equal(result.findings.length, 1);
    assert.equal(exitCodeFor(result, 'note'), 0);
  });

  it('a collection no source covers is indeterminate, at onIndeterminate', async () => {
    const f = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: NOW,
        sources: [{ collector: 'repository', covers: ['workflows'], complete: true }],
      },
      'facts.json',
    );
    const result = await run(
      `${HEAD}rules:\n  token-max-age: warning\n  package-check: { level: error, onIndeterminate: note }\n`,
      f,
    );
    assert.deepEqual(
      result.findings.map((x) => [...brief(x), x.indeterminate]),
      [
        [
          'package-check',
          'note',
          'collection:packages',
          'No source in the facts covers packages, so no package could be checked.',
          true,
        ],
        [
          'token-max-age',
          'error',
          'collection:tokens',
          'No source in the facts covers tokens, so no token could be checked.',
          true,
        ],
      ],
    );
    assert.equal(result.summary.indeterminate, 2);
    assert.equal(exitCodeFor(result, 'error'), 1);
  });

  it('an incomplete source makes the result indeterminate, and still reports what it saw', async () => {
    const f = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: NOW,
        sources: [
          {
            collector: 'registry',
            target: 'https://registry.npmjs.org/',
            covers: ['tokens'],
            complete: false,
            errors: [{ entity: 'tokens page 2', message: 'HTTP 500 after 5 tries.' }, { message: 'timeout' }],
          },
        ],
        tokens: [token('a', '2025-01-01')],
      },
      'facts.json',
    );
    const result = await run(
      `${HEAD}rules:\n  token-max-age: { level: error, onIndeterminate: warning }\n`,
      f,
    );
    assert.deepEqual(result.findings.map(brief), [
      [
        'token-max-age',
        'warning',
        'collection:tokens',
        'The registry source for https://registry.npmjs.org/ did not complete (2 errors, reported as trustgate/source-error), so some tokens may not have been checked.',
      ],
      ['token-max-age', 'error', 'token:a', 'Token a is too old.'],
      // Each error of the source once (#21), not once per rule that reads it.
      [
        'trustgate/source-error',
        'error',
        'source:registry:https://registry.npmjs.org/',
        'The registry source for https://registry.npmjs.org/ did not complete for tokens page 2, so what it would have collected is unknown: HTTP 500 after 5 tries.',
      ],
      [
        'trustgate/source-error',
        'error',
        'source:registry:https://registry.npmjs.org/',
        'The registry source for https://registry.npmjs.org/ did not complete, so what it would have collected is unknown: timeout.',
      ],
    ]);
    assert.equal(exitCodeFor(result, 'error'), 1);
  });

  it('a source error fails the run even when onIndeterminate softens the rules that need it, and no exception waives it', async () => {
    const f = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: NOW,
        sources: [
          {
            collector: 'repository',
            covers: ['tokens'],
            complete: false,
            errors: [
              { entity: 'file:.github/workflows/a.yml', message: 'Invalid YAML.', line: 3, column: 7 },
            ],
          },
        ],
        tokens: [],
      },
      'facts.json',
    );
    const result = await run(`${HEAD}rules:\n  token-max-age: { level: error, onIndeterminate: note }\n`, f);
    const error = result.findings.find((x) => x.ruleId === 'trustgate/source-error');
    assert.deepEqual(error?.location, { file: '.github/workflows/a.yml', line: 3, column: 7 });
    assert.equal(error?.level, 'error');
    assert.equal(error?.exception, undefined);
    assert.equal(exitCodeFor(result, 'error'), 1);
    // An exception cannot name it: it is no rule of the policy.
    await assert.rejects(
      run(
        `${HEAD}rules:\n  token-max-age: error\nexceptions:\n  - { rule: trustgate/source-error, subject: "file:*", reason: r, expires: 2099-01-01 }\n`,
        f,
      ),
      /Unknown rule "trustgate\/source-error"/,
    );
  });

  it('a rule that throws becomes trustgate/rule-failed; the others still run; exit 3', async () => {
    const registry = new Map(Object.entries(demoRules));
    registry.set(
      'boom',
      defineRule({
        id: 'boom',
        meta: {
          description: 'Require nothing.',
          docs: 'https://example.test/boom',
          collections: [],
          defaultLevel: 'error',
          securitySeverity: 1,
        },
        check() {
          throw new Error('cannot read properties of undefined\n    at secret stack');
        },
      }),
    );
    const dir = tempDir({ 'trustgate.yaml': `${HEAD}rules:\n  boom: error\n  no-classic-tokens: error\n` });
    const policy = await loadPolicy(`${dir}/trustgate.yaml`, { rules: registry, presetDir: dir, cwd: dir });
    const result = await evaluate({
      facts: facts({ tokens: [token('c', '2026-01-01', 'classic')] }),
      policy,
      tool: TOOL,
    });
    assert.deepEqual(result.findings.map(brief), [
      ['no-classic-tokens', 'error', 'token:c', 'Token c is classic.'],
      [
        'trustgate/rule-failed',
        'error',
        'rule:boom',
        'Rule "boom" failed, so its result is unknown: cannot read properties of undefined.',
      ],
    ]);
    assert.equal(result.summary.ruleFailures, 1);
    assert.equal(exitCodeFor(result, 'error'), 3);
    assert.equal(exitCodeFor(result, 'never'), 3);
  });

  it('a rule that reports a malformed finding fails like one that throws', async () => {
    const registry = new Map(Object.entries(demoRules));
    registry.set(
      'sloppy',
      defineRule({
        id: 'sloppy',
        meta: {
          description: 'Require nothing.',
          docs: 'https://example.test/sloppy',
          collections: [],
          defaultLevel: 'error',
          securitySeverity: 1,
        },
        check(ctx) {
          ctx.report({ subject: 'no-kind', message: 'x' });
        },
      }),
    );
    const dir = tempDir({ 'trustgate.yaml': `${HEAD}rules:\n  sloppy: error\n` });
    const policy = await loadPolicy(`${dir}/trustgate.yaml`, { rules: registry, presetDir: dir, cwd: dir });
    const result = await evaluate({ facts: facts({}), policy, tool: TOOL });
    assert.deepEqual(result.findings.map(brief), [
      [
        'trustgate/rule-failed',
        'error',
        'rule:sloppy',
        'Rule "sloppy" failed, so its result is unknown: ctx.report() needs a subject of the form "kind:id".',
      ],
    ]);
  });

  it('--now moves the clock: ages and exception expiry follow it', async () => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  token-max-age: { options: { maxDays: 30 } }\nexceptions:\n  - rule: token-max-age\n    subject: "token:a"\n    reason: r\n    expires: 2026-12-31\n`,
    });
    const f = facts({ tokens: [token('a', '2026-11-01')] });
    const early = await evaluate({ facts: f, policy: await load(dir), tool: TOOL });
    // Nothing to waive yet: the exception is stale.
    assert.deepEqual(early.findings.map(brief), [
      [
        'trustgate/exception-stale',
        'note',
        'exception:token-max-age:token:a',
        'The exception for rule "token-max-age" on "token:a" matches no finding; remove it.',
      ],
    ]);
    const later = await evaluate({
      facts: f,
      policy: await load(dir),
      now: new Date('2027-01-05T00:00:00Z'),
      tool: TOOL,
    });
    assert.deepEqual(later.findings.map(brief), [
      ['token-max-age', 'error', 'token:a', 'Token a is too old.'],
    ]);
    assert.equal(later.findings[0]!.expiredException?.expires, '2026-12-31');
    assert.equal(later.now, '2027-01-05T00:00:00.000Z');
  });
});
