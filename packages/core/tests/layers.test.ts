import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { checkFacts, evaluate, loadPolicy } from '@trustgate/core';
import { demoRegistry, errorOf, tempDir } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';
const TOOL = { name: 'trustgate', version: 'test' };
const importer = (spec: string, from: string) => import(pathToFileURL(path.resolve(from, spec)).href);

function load(dir: string, file = 'trustgate.yaml', extra: { allowPlugins?: string[] } = {}) {
  return loadPolicy(path.join(dir, file), {
    rules: demoRegistry,
    presetDir: path.join(dir, 'presets'),
    cwd: dir,
    loadModule: importer,
    ...extra,
  });
}

const facts = (partial: Record<string, unknown>) =>
  checkFacts(
    {
      schemaVersion: 1,
      collectedAt: '2026-11-28T00:00:00Z',
      sources: [
        {
          collector: 'test',
          covers: ['tokens', 'packages', 'accounts', 'workflows', 'npmrc'],
          complete: true,
        },
      ],
      ...partial,
    },
    'facts.json',
  );

describe('locked rules', () => {
  const org = `${HEAD}rules:\n  token-max-age:\n    level: error\n    locked: true\n    options: { maxDays: 30 }\n`;

  it('a later layer may tighten a locked rule', async () => {
    const dir = tempDir({
      'org.yaml': org,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nrules:\n  token-max-age:\n    options: { maxDays: 7 }\n`,
    });
    const policy = await load(dir);
    assert.deepEqual(policy.rules[0]!.options, { maxDays: 7, access: 'write' });
    assert.equal(policy.rules[0]!.locked, true);
  });

  it('lowering its level, loosening an option, or lowering it by override names both files', async () => {
    const dir = tempDir({
      'org.yaml': org,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nrules:\n  token-max-age:\n    level: warning\n    options: { maxDays: 60 }\noverrides:\n  - subjects: ["token:bot-*"]\n    rules: { token-max-age: note }\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'trustgate.yaml:6:5: rules.token-max-age.level: Cannot lower the level from error to warning of rule "token-max-age": org.yaml:6 locks it.',
        'trustgate.yaml:7:16: rules.token-max-age.options.maxDays: Cannot loosen option maxDays of rule "token-max-age": org.yaml:6 locks it.',
        'trustgate.yaml:10:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to note for some subjects: org.yaml:6 locks it.',
      ].join('\n'),
    );
  });
});

describe('locks bind the effective rule, whatever the order of layers', () => {
  const org = `${HEAD}rules:\n  token-max-age:\n    level: error\n    locked: true\n    options: { maxDays: 30 }\n`;
  const top = `${HEAD}extends: [./evil.yaml, ./org.yaml]\n`;

  it('lock bypass by extends order: an earlier layer cannot switch a locked rule off', async () => {
    const dir = tempDir({
      'org.yaml': org,
      'evil.yaml': `${HEAD}overrides:\n  - subjects: ["**"]\n    rules: { token-max-age: "off" }\n`,
      'trustgate.yaml': top,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'evil.yaml:5:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to off for some subjects: org.yaml:6 locks it.',
    );
  });

  it('lock bypass by extends order: an earlier layer cannot loosen a locked option, lower its level or unlock it', async () => {
    const dir = tempDir({
      'org.yaml': org,
      'evil.yaml': `${HEAD}rules:\n  token-max-age:\n    level: note\n    locked: false\n    options: { maxDays: 100000 }\n`,
      'trustgate.yaml': top,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'evil.yaml:5:5: rules.token-max-age.level: Cannot lower the level from error to note of rule "token-max-age": org.yaml:6 locks it.',
        'evil.yaml:6:5: rules.token-max-age.locked: Cannot unlock rule "token-max-age": org.yaml:6 locks it.',
        'evil.yaml:7:16: rules.token-max-age.options.maxDays: Cannot loosen option maxDays of rule "token-max-age": org.yaml:6 locks it.',
      ].join('\n'),
    );
  });

  it('lock bypass by extends order: an earlier value weaker than the rule default cannot win when the lock sets none', async () => {
    // The locking layer sets no maxDays: the lock binds the rule's default (90), and an earlier
    // layer's 100000 would otherwise be the value that runs.
    const dir = tempDir({
      'org.yaml': `${HEAD}rules:\n  token-max-age: { level: error, locked: true }\n`,
      'evil.yaml': `${HEAD}rules:\n  token-max-age:\n    options: { maxDays: 100000 }\n`,
      'trustgate.yaml': top,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'evil.yaml:5:16: rules.token-max-age.options.maxDays: Cannot loosen option maxDays of rule "token-max-age": org.yaml:4 locks it.',
    );
  });

  it('lock bypass by extends order: an earlier layer may set stricter values, and the locking layer wins where it sets its own', async () => {
    const dir = tempDir({
      'org.yaml': `${HEAD}rules:\n  token-max-age: { level: warning, locked: true }\n`,
      'evil.yaml': `${HEAD}rules:\n  token-max-age:\n    level: error\n    options: { maxDays: 7 }\n`,
      'trustgate.yaml': top,
    });
    const policy = await load(dir);
    const rule = policy.rules.find((r) => r.id === 'token-max-age')!;
    // Later wins as always: the org's level, and the earlier layer's stricter maxDays, which the org left alone.
    assert.deepEqual(
      [rule.level, rule.options, rule.locked],
      ['warning', { maxDays: 7, access: 'write' }, true],
    );
  });

  it('lock bypass by extends order: the locking policy and the layers it extends may set anything', async () => {
    const dir = tempDir({
      'base.yaml': `${HEAD}rules:\n  token-max-age: { level: note, options: { maxDays: 365 } }\noverrides:\n  - subjects: ["token:legacy-*"]\n    rules: { token-max-age: "off" }\n`,
      'org.yaml': `${HEAD}extends: [./base.yaml]\nrules:\n  token-max-age: { locked: true }\n`,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n`,
    });
    const rule = (await load(dir)).rules.find((r) => r.id === 'token-max-age')!;
    assert.deepEqual([rule.level, rule.options.maxDays], ['note', 365]);
  });

  it("lock bypass of onIndeterminate: an override cannot lower a locked rule's indeterminate results", async () => {
    const locked = `${HEAD}rules:\n  token-max-age: { level: warning, onIndeterminate: error, locked: true }\n`;
    const lower = `${HEAD}overrides:\n  - subjects: ["collection:*"]\n    rules: { token-max-age: warning }\n`;
    const later = tempDir({
      'org.yaml': locked,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\noverrides:\n  - subjects: ["collection:*"]\n    rules: { token-max-age: warning }\n`,
    });
    assert.equal(
      await errorOf(() => load(later)),
      'trustgate.yaml:6:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to warning for some subjects: its indeterminate results are at error (onIndeterminate), and org.yaml:4 locks it.',
    );
    const earlier = tempDir({ 'org.yaml': locked, 'evil.yaml': lower, 'trustgate.yaml': top });
    assert.equal(
      await errorOf(() => load(earlier)),
      'evil.yaml:5:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to warning for some subjects: its indeterminate results are at error (onIndeterminate), and org.yaml:4 locks it.',
    );
    // Without the override, the locked onIndeterminate holds: a missing collection is an error.
    const fine = tempDir({ 'org.yaml': locked, 'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n` });
    const result = await evaluate({
      facts: checkFacts({ schemaVersion: 1, collectedAt: '2026-11-28T00:00:00Z', sources: [] }, 'f.json'),
      policy: await load(fine),
      tool: TOOL,
    });
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.level, f.subject]),
      [['token-max-age', 'error', 'collection:tokens']],
    );
  });

  it('lock bypass of onIndeterminate: a layer cannot lower it directly, before or after the lock', async () => {
    const dir = tempDir({
      'org.yaml': `${HEAD}rules:\n  token-max-age: { onIndeterminate: error, locked: true }\n`,
      'evil.yaml': `${HEAD}rules:\n  token-max-age: { onIndeterminate: note }\n`,
      'trustgate.yaml': `${HEAD}extends: [./evil.yaml, ./org.yaml]\nrules:\n  token-max-age: { onIndeterminate: warning }\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'evil.yaml:4:20: rules.token-max-age.onIndeterminate: Cannot lower onIndeterminate from error to note of rule "token-max-age": org.yaml:4 locks it.',
        'trustgate.yaml:5:20: rules.token-max-age.onIndeterminate: Cannot lower onIndeterminate from error to warning of rule "token-max-age": org.yaml:4 locks it.',
      ].join('\n'),
    );
  });

  it('a lock also binds the overrides of the locking policy: no other layer may lower what they raise', async () => {
    const dir = tempDir({
      'org.yaml': `${HEAD}rules:\n  token-max-age: { level: warning, onIndeterminate: warning, locked: true }\noverrides:\n  - subjects: ["token:prod-*"]\n    rules: { token-max-age: error }\n`,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\noverrides:\n  - subjects: ["**"]\n    rules: { token-max-age: warning }\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'trustgate.yaml:6:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to warning for some subjects: the locking policy raises it to error for some subjects, and org.yaml:4 locks it.',
    );
  });

  it('a locked declarative rule cannot be redefined by another layer', async () => {
    const decl = (assertion: string, locked = '') =>
      `${HEAD}rules:\n  acme/bots:\n    select: tokens\n${locked}    assert: ${assertion}\n    message: m\n`;
    const dir = tempDir({
      'org.yaml': decl('{ required: [expires] }', '    locked: true\n'),
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nrules:\n  acme/bots:\n    select: tokens\n    assert: {}\n    message: m\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'trustgate.yaml:5:3: rules.acme/bots: Cannot define rule "acme/bots" here: org.yaml:6 locks it.',
    );
  });
});

describe('exceptions to locked rules', () => {
  const org = (extra = '') =>
    `${HEAD}rules:\n  token-max-age:\n    locked: true\n${extra}    options: { maxDays: 30 }\n`;
  const waiver = (rule = 'token-max-age', expires = '2027-01-31') =>
    `exceptions:\n  - rule: ${rule}\n    subject: "**"\n    reason: r\n    expires: ${expires}\n`;

  it('exceptions to a locked rule: another layer cannot waive it', async () => {
    const dir = tempDir({
      'org.yaml': org(),
      'evil.yaml': `${HEAD}${waiver()}`,
      'trustgate.yaml': `${HEAD}extends: [./evil.yaml, ./org.yaml]\n${waiver()}`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'evil.yaml:4:11: exceptions[0].rule: Cannot waive rule "token-max-age" here: org.yaml:5 locks it without "exceptions: allowed", so only that policy and the policies it extends may waive it.',
        'trustgate.yaml:5:11: exceptions[0].rule: Cannot waive rule "token-max-age" here: org.yaml:5 locks it without "exceptions: allowed", so only that policy and the policies it extends may waive it.',
      ].join('\n'),
    );
  });

  it('exceptions to a locked rule: the locking policy (and what it extends) may waive it, and "exceptions: allowed" lets others', async () => {
    const own = tempDir({
      'base.yaml': `${HEAD}${waiver()}`,
      'org.yaml': `${org()}extends: [./base.yaml]\n${waiver()}`,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n`,
    });
    assert.equal((await load(own)).exceptions.length, 2);
    const allowed = tempDir({
      'org.yaml': org('    exceptions: allowed\n'),
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n${waiver()}`,
    });
    assert.equal((await load(allowed)).exceptions.length, 1);
  });

  it('exceptions to a locked rule: only the locking policy can allow them', async () => {
    const dir = tempDir({
      'org.yaml': org(),
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nrules:\n  token-max-age: { exceptions: allowed }\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'trustgate.yaml:5:20: rules.token-max-age.exceptions: Cannot allow exceptions to rule "token-max-age": org.yaml:5 locks it.',
    );
  });

  it('exceptions to a locked rule: the effective rule says who may waive it, and which line says so', async () => {
    const allowing = tempDir({
      'org.yaml': org('    exceptions: allowed\n'),
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n`,
    });
    const rule = (await load(allowing)).rules[0]!;
    assert.deepEqual(
      [rule.exceptions, rule.setBy.exceptions],
      ['allowed', { file: 'org.yaml', line: 6, column: 5 }],
    );
    // A lock in a policy that extends the allowing one allows them too (it binds what that policy set).
    const chain = tempDir({
      'org.yaml': org('    exceptions: allowed\n'),
      'team.yaml': `${HEAD}extends: [./org.yaml]\nrules:\n  token-max-age: { locked: true }\n`,
      'trustgate.yaml': `${HEAD}extends: [./team.yaml]\n`,
    });
    const chained = (await load(chain)).rules[0]!;
    assert.deepEqual(
      [chained.exceptions, chained.setBy.exceptions],
      ['allowed', { file: 'org.yaml', line: 6, column: 5 }],
    );
    // Without it, only the locking policy may waive it: the lock says so.
    const plain = tempDir({ 'org.yaml': org(), 'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n` });
    const locked = (await load(plain)).rules[0]!;
    assert.deepEqual(
      [locked.exceptions, locked.setBy.exceptions],
      ['locked', { file: 'org.yaml', line: 5, column: 5 }],
    );
    const unlocked = tempDir({ 'trustgate.yaml': `${HEAD}rules:\n  token-max-age: error\n` });
    assert.equal((await load(unlocked)).rules[0]!.exceptions, undefined);
  });

  it('settings.maxExceptionDays: a longer exception is bad input at its expires, and the shortest limit of any layer holds', async () => {
    const dir = tempDir({
      'org.yaml': `${org('    exceptions: allowed\n')}settings: { maxExceptionDays: 90 }\n`,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nsettings: { maxExceptionDays: 1000 }\n${waiver('token-max-age', '2099-12-31')}`,
    });
    const policy = await load(dir);
    assert.equal(policy.settings.maxExceptionDays, 90);
    const run = (now: string) => evaluate({ facts: facts({}), policy, now: new Date(now), tool: TOOL });
    const error = await errorOf(() => run('2026-11-28T00:00:00Z'));
    assert.equal(
      error,
      'trustgate.yaml:9:5: exceptions[0].expires: The exception runs until 2099-12-31, more than 90 days after 2026-11-28, the most settings.maxExceptionDays (org.yaml:8) allows; shorten it.',
    );
    const inTime = tempDir({
      'org.yaml': `${org('    exceptions: allowed\n')}settings: { maxExceptionDays: 90 }\n`,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\n${waiver('token-max-age', '2027-02-25')}`,
    });
    const ok = await evaluate({ facts: facts({}), policy: await load(inTime), tool: TOOL });
    assert.equal(ok.exceptions.length, 1);
  });
});

describe('declarative rules', () => {
  const rule = `${HEAD}rules:
  acme/cidr:
    level: warning
    select: tokens
    where: { properties: { access: { const: write } } }
    assert:
      required: [cidr, created]
      properties:
        cidr: { minItems: 1 }
        created: { maxAgeDays: 30 }
    message: "Token {{display}} of {{owner}} needs a CIDR range and a recent date."
`;

  it('select, where, assert with date keywords, and a message template, with the entity location', async () => {
    const dir = tempDir({ 'trustgate.yaml': rule });
    const tok = (id: string, o: Record<string, unknown>) => ({
      id,
      kind: 'granular',
      access: 'write',
      created: '2026-11-20T00:00:00Z',
      expires: null,
      owner: 'alice',
      ...o,
    });
    const result = await evaluate({
      facts: facts({
        tokens: [
          tok('ok', { cidr: ['192.0.2.0/24'] }),
          tok('open', { display: 'npm_…Ab12', cidr: [], origin: { file: '.npmrc', line: 3 } }),
          tok('old', { cidr: ['192.0.2.0/24'], created: '2026-09-01T00:00:00Z' }),
          tok('read', { access: 'read' }),
        ],
      }),
      policy: await load(dir),
      tool: TOOL,
    });
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.level, f.subject, f.message, f.location?.file ?? null]),
      [
        [
          'acme/cidr',
          'warning',
          'token:old',
          'Token (none) of alice needs a CIDR range and a recent date.',
          null,
        ],
        [
          'acme/cidr',
          'warning',
          'token:open',
          'Token npm_…Ab12 of alice needs a CIDR range and a recent date.',
          '.npmrc',
        ],
      ],
    );
  });

  it('fails closed when its collection was not collected', async () => {
    const dir = tempDir({ 'trustgate.yaml': rule });
    const result = await evaluate({
      facts: checkFacts({ schemaVersion: 1, collectedAt: '2026-11-28T00:00:00Z', sources: [] }, 'f.json'),
      policy: await load(dir),
      tool: TOOL,
    });
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.level, f.subject, f.indeterminate]),
      [['acme/cidr', 'error', 'collection:tokens', true]],
    );
  });

  it('an invalid schema, a missing message, or declarative keys on a plain rule are errors at their line', async () => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  acme/x:\n    select: tokens\n    assert: { properties: { created: { maxAgeDay: 3 } } }\n    message: m\n  acme/y:\n    select: tokenz\n  token-max-age:\n    where: {}\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'trustgate.yaml:9:13: rules.acme/y.select: Must be one of "tokens", "accounts", "packages", "orgs", "workflows", "npmrc", "manifests"; got "tokenz". Did you mean "tokens"?',
        // Every problem in one run (#21): the declarative key on a plain rule is reported too.
        'trustgate.yaml:11:5: rules.token-max-age.where: Only a declarative rule (one with "select") takes "where".',
      ].join('\n'),
    );
    const dir2 = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  acme/x:\n    select: tokens\n    assert: { properties: { created: { maxAgeDay: 3 } } }\n    message: m\n  acme/y:\n    select: tokens\n    assert: {}\n  token-max-age:\n    where: {}\n`,
    });
    assert.equal(
      await errorOf(() => load(dir2)),
      [
        'trustgate.yaml:8:3: rules.acme/y: A declarative rule needs "message".',
        'trustgate.yaml:12:5: rules.token-max-age.where: Only a declarative rule (one with "select") takes "where".',
      ].join('\n'),
    );
    const dir3 = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  acme/x:\n    select: tokens\n    assert: { properties: { created: { maxAgeDay: 3 } } }\n    message: m\n  token-max-age:\n    select: tokens\n    assert: {}\n    message: m\n`,
    });
    assert.equal(
      await errorOf(() => load(dir3)),
      [
        'trustgate.yaml:6:13: rules.acme/x.assert: Not a valid JSON Schema: strict mode: unknown keyword: "maxAgeDay".',
        'trustgate.yaml:8:3: rules.token-max-age: A declarative rule cannot be named "token-max-age": a rule of that name exists already.',
      ].join('\n'),
    );
  });
});

describe('declarative rules: patterns run in linear time', () => {
  const tok = (owner: string) => ({
    id: owner,
    kind: 'granular',
    access: 'write',
    created: '2026-11-20T00:00:00Z',
    expires: null,
    owner,
  });
  const policy = (pattern: string, where = 'assert') =>
    `${HEAD}rules:\n  acme/owner:\n    select: tokens\n    ${where}:\n      properties:\n        owner: { type: string, pattern: ${JSON.stringify(pattern)} }\n    message: "Owner {{owner}} does not match."\n${where === 'assert' ? '' : '    assert: { required: [nothing] }\n'}`;

  it('ReDoS in declarative rules: ^(a+)+$ against a long fact value ends at once, with the right answer', async () => {
    const dir = tempDir({ 'trustgate.yaml': policy('^(a+)+$') });
    const bad = `${'a'.repeat(40)}!`;
    const good = 'a'.repeat(40);
    const started = Date.now();
    const result = await evaluate({
      facts: facts({ tokens: [tok(bad), tok(good), tok(`${'a'.repeat(100_000)}!`)] }),
      policy: await load(dir),
      tool: TOOL,
    });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    // Lengths, not the subjects: a failing assertion would print 100 kB.
    assert.deepEqual(
      result.findings.map((f) => [f.subject.length, f.subject.endsWith('!')]),
      [
        [6 + 41, true],
        [6 + 100_001, true],
      ],
    );
  });

  it('ReDoS in declarative rules: a pattern the linear-time engine cannot run is a policy error at its key', async () => {
    const dir = tempDir({ 'trustgate.yaml': policy('^(a)\\1$') });
    const error = await errorOf(() => load(dir));
    assert.equal(
      error,
      'trustgate.yaml:8:41: rules.acme/owner.assert.properties.owner.pattern: This pattern cannot be matched in linear time (invalid escape sequence); patterns use RE2 syntax, which has no backreferences, lookahead or lookbehind.',
    );
    const dir2 = tempDir({ 'trustgate.yaml': policy('^(?!root)', 'where') });
    assert.equal(
      await errorOf(() => load(dir2)),
      'trustgate.yaml:8:41: rules.acme/owner.where.properties.owner.pattern: This pattern cannot be matched in linear time (invalid or unsupported Perl syntax); patterns use RE2 syntax, which has no backreferences, lookahead or lookbehind.',
    );
    const dir3 = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  acme/x:\n    select: tokens\n    assert:\n      patternProperties:\n        "(?<=a)b": { type: string }\n    message: m\n`,
    });
    assert.equal(
      await errorOf(() => load(dir3)),
      'trustgate.yaml:8:9: rules.acme/x.assert.patternProperties.(?<=a)b: This pattern cannot be matched in linear time (invalid named capture); patterns use RE2 syntax, which has no backreferences, lookahead or lookbehind.',
    );
  });

  it("ReDoS in plugin option schemas: plugin rules' option patterns run in linear time too", async () => {
    const dir = tempDir({
      'plugin.mjs': `export default { name: 'acme', rules: { owner: {
        meta: { description: 'Require x.', docs: 'https://example.test', collections: ['tokens'], defaultLevel: 'error', securitySeverity: 1,
          options: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } }, additionalProperties: false } },
        check() {} } } };\n`,
      'trustgate.yaml': `${HEAD}plugins: [./plugin.mjs]\nrules:\n  acme/owner:\n    options: { name: "${'a'.repeat(40)}!" }\n`,
    });
    const started = Date.now();
    assert.equal(
      await errorOf(() => load(dir)),
      'trustgate.yaml:6:22: rules.acme/owner.options.name: Must match pattern "^(a+)+$".',
    );
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});

describe('plugins', () => {
  const plugin = `export default {
  name: 'acme',
  rules: {
    'one-owner': {
      meta: { description: 'Require owners.', docs: 'https://example.test/one-owner', collections: ['tokens'], defaultLevel: 'warning', securitySeverity: 3,
        options: { type: 'object', properties: { min: { type: 'integer', default: 1 } }, additionalProperties: false } },
      check(ctx, options) { for (const t of ctx.facts.tokens) if (!t.owner) ctx.report({ subject: 'token:' + t.id, message: 'Token ' + t.id + ' has no owner (min ' + options.min + ').' }); },
    },
  },
  reporters: { count: (r) => String(r.findings.length) },
};
`;

  it('loads a plugin; its rules are pluginName/ruleName with validated options, its reporters pluginName/name', async () => {
    const dir = tempDir({
      'rules/acme.mjs': plugin,
      'trustgate.yaml': `${HEAD}plugins: [./rules/acme.mjs]\nrules:\n  acme/one-owner: { level: error, options: { min: 2 } }\n`,
    });
    const policy = await load(dir);
    assert.deepEqual(
      policy.plugins.map((p) => [p.name, p.spec, p.setBy.line]),
      [['acme', './rules/acme.mjs', 3]],
    );
    assert.deepEqual(Object.keys(policy.reporters), ['acme/count']);
    const result = await evaluate({
      facts: facts({
        tokens: [{ id: 'a', kind: 'granular', access: 'write', created: null, expires: null }],
      }),
      policy,
      tool: TOOL,
    });
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.level, f.message]),
      [['acme/one-owner', 'error', 'Token a has no owner (min 2).']],
    );
    const bad = tempDir({
      'rules/acme.mjs': plugin,
      'trustgate.yaml': `${HEAD}plugins: [./rules/acme.mjs]\nrules:\n  acme/one-owner: { options: { min: two } }\n`,
    });
    assert.equal(
      await errorOf(() => load(bad)),
      'trustgate.yaml:5:37: rules.acme/one-owner.options.min: Must be a whole number; got "two".',
    );
  });

  it('a plugin that throws at import, exports the wrong shape, or has a bad option schema is named, at its line', async () => {
    const cases: [string, string][] = [
      [
        "throw new Error('boom at import');\nexport default {};\n",
        'The plugin "./p.mjs" failed to load: boom at import.',
      ],
      [
        'export default { rules: {} };\n',
        'The plugin "./p.mjs" needs a "name" of lowercase letters, digits and dashes, such as "acme".',
      ],
      [
        "export default { name: 'acme', rules: { r: { meta: { description: 'd', docs: 'x', collections: ['tokens'], defaultLevel: 'error', securitySeverity: 1, options: { type: 'objekt' } }, check() {} } } };\n",
        'The plugin "acme" (./p.mjs): rule "r" has an invalid option schema: schema is invalid: data/type must be equal to one of the allowed values, data/type must be array, data/type must match a schema in anyOf.',
      ],
      [
        "export default { name: 'acme', rules: { r: { meta: { description: 'd', docs: 'x', collections: ['tokenz'], defaultLevel: 'error', securitySeverity: 1 }, check() {} } } };\n",
        'The plugin "acme" (./p.mjs): rule "r" reads an unknown collection "tokenz". Did you mean "tokens"?',
      ],
    ];
    for (const [code, message] of cases) {
      const dir = tempDir({ 'p.mjs': code, 'trustgate.yaml': `${HEAD}plugins: [./p.mjs]\n` });
      assert.equal(await errorOf(() => load(dir)), `trustgate.yaml:3:11: plugins[0]: ${message}`);
    }
  });

  it('a locked plugin rule cannot be replaced by another plugin of the same name, even under the same specifier', async () => {
    const fake = plugin.replace('check(ctx, options) {', 'check() { return;');
    const dir = tempDir({
      'org/rules/acme.mjs': plugin,
      'org/org.yaml': `${HEAD}plugins: [./rules/acme.mjs]\nrules:\n  acme/one-owner: { level: error, locked: true }\n`,
      'rules/acme.mjs': fake,
      'trustgate.yaml': `${HEAD}extends: [./org/org.yaml]\nplugins: [./rules/acme.mjs]\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      'trustgate.yaml:4:11: plugins[0]: Two different plugins are named "acme": ./rules/acme.mjs (org/org.yaml) and ./rules/acme.mjs (trustgate.yaml).',
    );
    // Nor can a plugin replace a declarative rule of the same name.
    const shadow = tempDir({
      'org.yaml': `${HEAD}rules:\n  acme/one-owner:\n    select: tokens\n    locked: true\n    assert: { required: [owner] }\n    message: m\n`,
      'rules/acme.mjs': fake,
      'trustgate.yaml': `${HEAD}extends: [./org.yaml]\nplugins: [./rules/acme.mjs]\n`,
    });
    assert.equal(
      await errorOf(() => load(shadow)),
      'trustgate.yaml:4:11: plugins[0]: The plugin "acme" (./rules/acme.mjs) has a rule "acme/one-owner", which a policy already defines.',
    );
    // The same plugin file named again, by another path, is the same plugin.
    const same = tempDir({
      'org/rules/acme.mjs': plugin,
      'org/org.yaml': `${HEAD}plugins: [./rules/acme.mjs]\nrules:\n  acme/one-owner: { level: error, locked: true }\n`,
      'trustgate.yaml': `${HEAD}extends: [./org/org.yaml]\nplugins: [./org/rules/acme.mjs]\n`,
    });
    assert.equal((await load(same)).rules.length, 1);
  });

  it('--plugins none refuses every plugin; an allow-list refuses the others', async () => {
    const dir = tempDir({
      'rules/acme.mjs': plugin,
      'trustgate.yaml': `${HEAD}plugins: [./rules/acme.mjs]\nrules: { no-classic-tokens: error }\n`,
    });
    assert.equal(
      await errorOf(() => load(dir, 'trustgate.yaml', { allowPlugins: [] })),
      'trustgate.yaml:3:11: plugins[0]: Plugins are not allowed in this run (--plugins none), and the policy names "./rules/acme.mjs"; to run it, pass --plugins ./rules/acme.mjs.',
    );
    assert.equal(
      await errorOf(() => load(dir, 'trustgate.yaml', { allowPlugins: ['@acme/approved'] })),
      'trustgate.yaml:3:11: plugins[0]: The plugin "./rules/acme.mjs" is rules/acme.mjs, which --plugins does not allow (it allows @acme/approved (not found)); to run it, add ./rules/acme.mjs to --plugins.',
    );
    for (const entry of ['./rules/acme.mjs', './rules/../rules/acme.mjs', path.join(dir, 'rules/acme.mjs')]) {
      assert.equal((await load(dir, 'trustgate.yaml', { allowPlugins: [entry] })).plugins.length, 1, entry);
    }
    // A bare name is a package, as everywhere (isPathSpecifier): it does not allow the file.
    assert.equal(
      await errorOf(() => load(dir, 'trustgate.yaml', { allowPlugins: ['rules/acme.mjs'] })),
      'trustgate.yaml:3:11: plugins[0]: The plugin "./rules/acme.mjs" is rules/acme.mjs, which --plugins does not allow (it allows rules/acme.mjs (not found)); to run it, add ./rules/acme.mjs to --plugins.',
    );
  });
});

describe('plugins allowed by --plugins are files, not specifier text', () => {
  const plugin = (name: string) =>
    `globalThis.loaded = [...(globalThis.loaded ?? []), ${JSON.stringify(name)}];\nexport default { name: 'acme', rules: { r: { meta: { description: 'd', docs: 'https://example.test/r', collections: ['tokens'], defaultLevel: 'warning', securitySeverity: 1 }, check() {} } } };\n`;
  const loaded = () => (globalThis as { loaded?: string[] }).loaded ?? [];
  const cwd = (dir: string) => path.join(dir, 'repo');

  it('a policy in a subfolder naming ./plugin/acme.mjs is refused when the root one was allowed, and nothing of it runs', async () => {
    const dir = tempDir({
      'repo/plugin/acme.mjs': plugin('root'),
      'repo/sub/plugin/acme.mjs': plugin('sub'),
      'repo/sub/team.yaml': `${HEAD}plugins: [./plugin/acme.mjs]\nrules: { acme/r: error }\n`,
      'repo/trustgate.yaml': `${HEAD}extends: [./sub/team.yaml]\n`,
    });
    const before = loaded().length;
    assert.equal(
      await errorOf(() => load(cwd(dir), 'trustgate.yaml', { allowPlugins: ['./plugin/acme.mjs'] })),
      'sub/team.yaml:3:11: plugins[0]: The plugin "./plugin/acme.mjs" is sub/plugin/acme.mjs, which --plugins does not allow (it allows plugin/acme.mjs); to run it, add ./sub/plugin/acme.mjs to --plugins.',
    );
    assert.equal(loaded().length, before);
  });

  it('the plugin meant loads, by any path to the same file, a symbolic link included', async () => {
    const dir = tempDir({
      'repo/plugin/acme.mjs': plugin('root'),
      'repo/trustgate.yaml': `${HEAD}plugins: [./plugin/acme.mjs]\nrules: { acme/r: error }\n`,
      'repo/linked.yaml': `${HEAD}plugins: [./link/acme.mjs]\nrules: { acme/r: error }\n`,
      'repo/deep/er/policy.yaml': `${HEAD}plugins: [../../plugin/acme.mjs]\nrules: { acme/r: error }\n`,
    });
    symlinkSync(path.join(cwd(dir), 'plugin'), path.join(cwd(dir), 'link'));
    const allow = { allowPlugins: ['./plugin/acme.mjs'] };
    for (const file of ['trustgate.yaml', 'linked.yaml', 'deep/er/policy.yaml']) {
      const policy = await load(cwd(dir), file, allow);
      assert.deepEqual(
        policy.rules.map((r) => r.id),
        ['acme/r'],
        file,
      );
    }
    // Allowed through the link, the real file is allowed too.
    assert.equal(
      (await load(cwd(dir), 'trustgate.yaml', { allowPlugins: ['./link/acme.mjs'] })).rules.length,
      1,
    );
    // A link in the repository to a file outside it is that file: allowing the link's path allows
    // what it points at, and nothing else.
    writeFileSync(path.join(dir, 'outside.mjs'), plugin('outside'));
    symlinkSync(path.join(dir, 'outside.mjs'), path.join(cwd(dir), 'plugin', 'other.mjs'));
    writeFileSync(
      path.join(cwd(dir), 'other.yaml'),
      `${HEAD}plugins: [./plugin/other.mjs]\nrules: { acme/r: error }\n`,
    );
    assert.match(
      await errorOf(() => load(cwd(dir), 'other.yaml', allow)),
      /^other\.yaml:3:11: plugins\[0\]: The plugin "\.\/plugin\/other\.mjs" is \/.*\/outside\.mjs, which --plugins does not allow \(it allows plugin\/acme\.mjs\); to run it, add \/.*\/outside\.mjs to --plugins\.$/,
    );
  });

  it('a package allowed by name allows the copy installed where trustgate runs, not a nested one', async () => {
    const pkg = (name: string) => ({
      'package.json': JSON.stringify({ name: '@acme/rules', version: '1.0.0', main: 'index.mjs' }),
      'index.mjs': plugin(name),
    });
    const files: Record<string, string> = {
      'repo/trustgate.yaml': `${HEAD}plugins: ["@acme/rules"]\nrules: { acme/r: error }\n`,
      'repo/sub/team.yaml': `${HEAD}plugins: ["@acme/rules"]\nrules: { acme/r: error }\n`,
      'repo/by-path.yaml': `${HEAD}plugins: [./node_modules/@acme/rules/index.mjs]\nrules: { acme/r: error }\n`,
    };
    for (const [f, text] of Object.entries(pkg('installed')))
      files[`repo/node_modules/@acme/rules/${f}`] = text;
    for (const [f, text] of Object.entries(pkg('nested')))
      files[`repo/sub/node_modules/@acme/rules/${f}`] = text;
    const dir = tempDir(files);
    const allow = { allowPlugins: ['@acme/rules'] };
    assert.equal((await load(cwd(dir), 'trustgate.yaml', allow)).rules.length, 1);
    assert.equal((await load(cwd(dir), 'by-path.yaml', allow)).rules.length, 1);
    const before = loaded().length;
    assert.equal(
      await errorOf(() => load(cwd(dir), 'sub/team.yaml', allow)),
      'sub/team.yaml:3:11: plugins[0]: The plugin "@acme/rules" resolves from sub to sub/node_modules/@acme/rules/index.mjs, another copy than the one --plugins allows (it allows node_modules/@acme/rules/index.mjs); to run it, add ./sub/node_modules/@acme/rules/index.mjs to --plugins.',
    );
    assert.equal(loaded().length, before);
    // Another package is not allowed by this one's name, nor by a path that happens to read the same.
    assert.match(
      await errorOf(() =>
        load(cwd(dir), 'trustgate.yaml', { allowPlugins: ['@acme/other', './@acme/rules'] }),
      ),
      /it allows @acme\/other \(not found\), \.\/@acme\/rules \(not found\)\); to run it, add @acme\/rules to --plugins\.$/,
    );
  });
});

describe('exception lifecycle', () => {
  it('an exception about to expire is a note; one that waives nothing is stale; the window is a setting', async () => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  no-classic-tokens: error\nsettings: { expiryWarningDays: 10 }\nexceptions:\n  - rule: no-classic-tokens\n    subject: "token:c1"\n    reason: Soon gone.\n    ticket: SEC-1\n    expires: 2026-12-05\n  - rule: no-classic-tokens\n    subject: "token:c2"\n    reason: Later.\n    expires: 2027-06-01\n  - rule: no-classic-tokens\n    subject: "token:gone"\n    reason: Already revoked.\n    owner: bob\n    expires: 2027-01-01\n`,
    });
    const classic = (id: string) => ({
      id,
      kind: 'classic',
      access: 'write',
      created: '2024-01-01T00:00:00Z',
      expires: null,
    });
    const result = await evaluate({
      facts: facts({ tokens: [classic('c1'), classic('c2')] }),
      policy: await load(dir),
      tool: TOOL,
    });
    assert.deepEqual(
      result.findings
        .filter((f) => f.ruleId.startsWith('trustgate/'))
        .map((f) => [f.ruleId, f.level, f.message, f.location?.line]),
      [
        [
          'trustgate/exception-expiring',
          'note',
          'The exception for rule "no-classic-tokens" on "token:c1" (SEC-1) expires on 2026-12-05, in 8 days; renew it or fix what it waives.',
          7,
        ],
        [
          'trustgate/exception-stale',
          'note',
          'The exception for rule "no-classic-tokens" on "token:gone" (bob) matches no finding; remove it.',
          16,
        ],
      ],
    );
    assert.equal(result.summary.waived, 2);
    assert.equal(result.summary.expiringExceptions, 1);
    assert.equal(result.summary.staleExceptions, 1);
  });
});
