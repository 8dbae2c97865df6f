import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TrustgateError } from '@trustgate/core';
import { errorOf, load, tempDir } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';

function policyError(yaml: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = tempDir({ 'trustgate.yaml': yaml, ...extra });
  return errorOf(() => load(dir));
}

describe('policy loading', () => {
  it('loads levels, shorthand and options, filling defaults from the rule schema', async () => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}name: acme\nrules:\n  token-max-age:\n    level: warning\n    options: { maxDays: 30 }\n  no-classic-tokens: error\n`,
    });
    const policy = await load(dir);
    assert.equal(policy.name, 'acme');
    assert.equal(policy.file, 'trustgate.yaml');
    assert.deepEqual(
      policy.rules.map((r) => [r.id, r.level, r.options, r.onIndeterminate]),
      [
        ['no-classic-tokens', 'error', {}, 'error'],
        ['token-max-age', 'warning', { maxDays: 30, access: 'write' }, 'error'],
      ],
    );
    assert.deepEqual(policy.rules[1]!.setBy.options.maxDays, { file: 'trustgate.yaml', line: 7, column: 16 });
  });

  it('names a misspelled rule with its position and suggests the right name', async () => {
    assert.equal(
      await policyError(`${HEAD}rules:\n  token-max-ag: error\n`),
      'trustgate.yaml:4:3: rules.token-max-ag: Unknown rule "token-max-ag". Did you mean "token-max-age"?',
    );
  });

  it('names a wrong level and suggests the nearest one', async () => {
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens: eror\n`),
      'trustgate.yaml:4:22: rules.no-classic-tokens: Must be one of "error", "warning", "note", "off"; got "eror". Did you mean "error"?',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens:\n    level: warn\n`),
      'trustgate.yaml:5:12: rules.no-classic-tokens.level: Must be one of "error", "warning", "note", "off"; got "warn". Did you mean "warning"?',
    );
  });

  it('checks option types against the rule schema, at the line that set them', async () => {
    assert.equal(
      await policyError(`${HEAD}rules:\n  token-max-age:\n    options:\n      maxDays: thirty\n`),
      'trustgate.yaml:6:16: rules.token-max-age.options.maxDays: Must be a whole number; got "thirty".',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  token-max-age:\n    options: { maxDay: 30 }\n`),
      'trustgate.yaml:5:16: rules.token-max-age.options.maxDay: Unknown key "maxDay". Did you mean "maxDays"?',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens:\n    options: { strict: true }\n`),
      'trustgate.yaml:5:16: rules.no-classic-tokens.options.strict: Rule "no-classic-tokens" takes no options.',
    );
  });

  it('rejects unknown keys, suggesting the nearest valid one', async () => {
    assert.equal(
      await policyError(`${HEAD}rule:\n  no-classic-tokens: error\n`),
      'trustgate.yaml:3:1: rule: Unknown key "rule". Did you mean "rules"?',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens:\n    severity: error\n`),
      'trustgate.yaml:5:5: rules.no-classic-tokens.severity: Unknown key "severity". Allowed keys: level, options, onIndeterminate, locked, exceptions, select, where, assert, message, description, securitySeverity, docs.',
    );
  });

  it('reports broken YAML with its position, without quoting the source', async () => {
    const message = await policyError(
      `${HEAD}rules:\n  no-classic-tokens: error\n   token-max-age: [error\n`,
    );
    assert.match(message, /^trustgate\.yaml:\d+:\d+: Invalid YAML: /);
    assert.doesNotMatch(message, /token-max-age: \[error/);
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens: error\n  no-classic-tokens: warning\n`),
      'trustgate.yaml:5:3: Invalid YAML: a key appears twice in the same mapping.',
    );
    assert.equal(
      (await policyError(`${HEAD}rules:\n\tno-classic-tokens: error\n`)).split('\n')[0],
      'trustgate.yaml:4:1: Invalid YAML: tabs are not allowed for indentation; use spaces.',
    );
  });

  it('requires apiVersion and kind, and refuses other versions', async () => {
    assert.equal(
      await policyError('kind: Policy\n'),
      'trustgate.yaml:1:1: This is not a trustgate policy: it has no apiVersion. A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.',
    );
    assert.equal(
      await policyError('apiVersion: trustgate/v2\nkind: Policy\n'),
      'trustgate.yaml:1:13: apiVersion: This is not a trustgate/v1 policy: its apiVersion is another. A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.',
    );
    assert.equal(
      await policyError('apiVersion: trustgate/v1\nkind: PolicyTest\n'),
      'trustgate.yaml:2:7: kind: This is not a trustgate policy: its kind is not Policy. A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.',
    );
    assert.equal(
      await policyError(''),
      'trustgate.yaml:1:1: The policy is empty; it needs at least apiVersion and kind.',
    );
    assert.equal(
      await policyError('- rules\n'),
      'trustgate.yaml:1:1: The policy must be a mapping with apiVersion and kind, not a list.',
    );
  });

  it('validates exceptions: required reason and real expiry dates', async () => {
    assert.equal(
      await policyError(
        `${HEAD}exceptions:\n  - rule: token-max-age\n    subject: "token:a*"\n    expires: 2027-01-31\n`,
      ),
      'trustgate.yaml:4:5: exceptions[0]: Missing required key "reason".',
    );
    assert.equal(
      await policyError(
        `${HEAD}exceptions:\n  - rule: token-max-age\n    subject: "token:a*"\n    reason: r\n    expires: 2027-02-30\n`,
      ),
      'trustgate.yaml:7:14: exceptions[0].expires: Must be a real calendar date (YYYY-MM-DD) or an ISO 8601 date and time; got "2027-02-30".',
    );
    assert.equal(
      await policyError(
        `${HEAD}exceptions:\n  - rule: token-max-age\n    subject: "token:a*"\n    reason: r\n    expires: soon\n`,
      ),
      'trustgate.yaml:7:14: exceptions[0].expires: Must be a real calendar date (YYYY-MM-DD) or an ISO 8601 date and time; got "soon".',
    );
    assert.equal(
      await policyError(
        `${HEAD}exceptions:\n  - rule: token-max-aeg\n    subject: "token:a*"\n    reason: r\n    expires: 2027-01-31\n`,
      ),
      'trustgate.yaml:4:11: exceptions[0].rule: Unknown rule "token-max-aeg". Did you mean "token-max-age"?',
    );
  });

  it('requires an override to say what it applies to', async () => {
    assert.equal(
      await policyError(`${HEAD}overrides:\n  - rules: { token-max-age: warning }\n`),
      'trustgate.yaml:4:5: overrides[0]: An override needs "packages" or "subjects" to say what it applies to.',
    );
  });

  it('merges extends in order, later layers winning, and records who set what', async () => {
    const dir = tempDir({
      'presets/base.yaml': `${HEAD}rules:\n  token-max-age: { level: error, options: { maxDays: 90, access: any } }\n  no-classic-tokens: error\n`,
      'team.yaml': `${HEAD}extends: [trustgate:base]\nrules:\n  token-max-age:\n    options: { maxDays: 30 }\n`,
      'trustgate.yaml': `${HEAD}extends: [./team.yaml]\nrules:\n  no-classic-tokens: warning\n`,
    });
    const policy = await load(dir);
    assert.deepEqual(policy.layers, ['presets/base.yaml', 'team.yaml', 'trustgate.yaml']);
    const tma = policy.rules.find((r) => r.id === 'token-max-age')!;
    assert.deepEqual(tma.options, { maxDays: 30, access: 'any' });
    assert.equal(tma.level, 'error');
    assert.deepEqual(tma.setBy.options.maxDays, { file: 'team.yaml', line: 6, column: 16 });
    assert.deepEqual(tma.setBy.options.access, { file: 'presets/base.yaml', line: 4, column: 58 });
    assert.equal(policy.rules.find((r) => r.id === 'no-classic-tokens')!.level, 'warning');
  });

  it('reports an extends cycle with the chain of files', async () => {
    const dir = tempDir({
      'a.yaml': `${HEAD}extends: [./b.yaml]\n`,
      'b.yaml': `${HEAD}extends: [./a.yaml]\n`,
    });
    assert.equal(
      await errorOf(() => load(dir, 'a.yaml')),
      'b.yaml:3:11: extends[0]: Policies extend each other in a cycle: a.yaml → b.yaml → a.yaml.',
    );
  });

  it('reports a missing extends target and an unknown preset', async () => {
    assert.equal(
      await policyError(`${HEAD}extends: [./nope.yaml]\n`),
      'trustgate.yaml:3:11: extends[0]: Cannot find the policy nope.yaml; the file does not exist.',
    );
    assert.equal(
      await policyError(`${HEAD}extends: [trustgate:recommendd]\n`, { 'presets/recommended.yaml': HEAD }),
      'trustgate.yaml:3:11: extends[0]: Unknown preset "trustgate:recommendd". Did you mean "trustgate:recommended"?',
    );
    assert.equal(
      await policyError(`${HEAD}extends: ["@acme/no-such-policy"]\n`),
      'trustgate.yaml:3:11: extends[0]: Cannot find the policy package "@acme/no-such-policy" from .; install it, or use a relative path.',
    );
  });

  it('resolves an npm package in extends like a Node import, from the policy folder', async () => {
    const dir = tempDir({
      'node_modules/@acme/npm-policy/package.json': JSON.stringify({
        name: '@acme/npm-policy',
        exports: './policy.yaml',
      }),
      'node_modules/@acme/npm-policy/policy.yaml': `${HEAD}rules:\n  no-classic-tokens: note\n`,
      'trustgate.yaml': `${HEAD}extends: ["@acme/npm-policy"]\n`,
    });
    const policy = await load(dir);
    assert.deepEqual(policy.layers, ['node_modules/@acme/npm-policy/policy.yaml', 'trustgate.yaml']);
    assert.equal(policy.rules[0]!.level, 'note');
  });

  it('refuses a YAML alias bomb quickly', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const started = Date.now();
    const message = await policyError(`${lines.join('\n')}\n`);
    assert.equal(
      message,
      'trustgate.yaml:1:1: Invalid YAML: the document expands aliases too often (more than 100); this looks like an alias bomb.',
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('keeps __proto__ keys as data and reports them as unknown', async () => {
    const message = await policyError(`${HEAD}__proto__:\n  polluted: yes\n`);
    assert.equal(
      message,
      'trustgate.yaml:3:1: __proto__: Unknown key "__proto__". Allowed keys: apiVersion, kind, name, description, extends, plugins, rules, overrides, exceptions, settings.',
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('options.__proto__ is an unknown option, at its line, not silently dropped', async () => {
    assert.equal(
      await policyError(
        `${HEAD}rules:\n  token-max-age:\n    options:\n      __proto__: { maxDays: 100000 }\n`,
      ),
      'trustgate.yaml:6:7: rules.token-max-age.options.__proto__: Unknown key "__proto__". Allowed keys: maxDays, access.',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  no-classic-tokens:\n    options: { __proto__: 1 }\n`),
      'trustgate.yaml:5:16: rules.no-classic-tokens.options.__proto__: Rule "no-classic-tokens" takes no options.',
    );
  });

  it('an empty policy (no rules at all, after extends) is bad input', async () => {
    assert.equal(
      await policyError(HEAD),
      'trustgate.yaml:1:1: The policy enables no rules, so it would pass anything; turn a rule on, or extend a preset such as trustgate:recommended.',
    );
    assert.equal(
      await policyError(`${HEAD}rules:\n  token-max-age: "off"\n  no-classic-tokens: { level: "off" }\n`),
      'trustgate.yaml:3:1: rules: The policy enables no rules, so it would pass anything; turn a rule on, or extend a preset such as trustgate:recommended.',
    );
    assert.equal(
      await policyError(`${HEAD}extends: [./empty.yaml]\n`, { 'empty.yaml': HEAD }),
      'trustgate.yaml:1:1: The policy enables no rules, so it would pass anything; turn a rule on, or extend a preset such as trustgate:recommended.',
    );
    // A rule that is off but that an override turns on for some subjects runs: that is a policy.
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}rules:\n  token-max-age: "off"\noverrides:\n  - subjects: ["token:bot-*"]\n    rules: { token-max-age: error }\n`,
    });
    assert.equal((await load(dir)).rules.length, 1);
  });

  it('extends of an absolute path never echoes that file: a shadow-like file gets one sentence', async () => {
    const secret = 'root:$6$abcSECRETsaltXYZ$hashhashhash:19000:0:99999:7:::';
    const dir = tempDir({
      shadow: `${secret}\ndaemon:*:19000:0:99999:7:::\n`,
      'kube.yaml': 'apiVersion: v1\nkind: Secret\ndata: { token: c2VjcmV0LXRva2VuLXZhbHVl }\n',
    });
    const shadow = path.join(dir, 'shadow');
    const message = await policyError(`${HEAD}extends:\n  - ${shadow}\nrules: { token-max-age: error }\n`);
    assert.equal(
      message,
      `${shadow}:1:1: This is not a trustgate policy: it has no apiVersion (trustgate.yaml:4:5 extends it). A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.`,
    );
    for (const part of ['root', 'SECRET', '19000', 'daemon', '99999'])
      assert.ok(!message.includes(part), part);
    const kube = await policyError(`${HEAD}extends:\n  - ${path.join(dir, 'kube.yaml')}\n`);
    assert.equal(
      kube,
      `${path.join(dir, 'kube.yaml')}:1:13: apiVersion: This is not a trustgate/v1 policy: its apiVersion is another (trustgate.yaml:4:5 extends it). A policy starts with apiVersion: trustgate/v1 and kind: Policy; nothing else in this file is read or shown.`,
    );
    for (const part of ['v1.', 'Secret', 'token', 'c2Vj']) assert.ok(!kube.includes(part), part);
  });

  it('extends of a device or a folder is refused unread', async () => {
    const dir = tempDir({ 'folder/x': '' });
    assert.equal(
      await policyError(`${HEAD}extends: [/dev/zero]\n`),
      '/dev/zero: Cannot read the policy (trustgate.yaml:3:11 extends it): it is a character device, not a regular file.',
    );
    assert.equal(
      await policyError(`${HEAD}extends: [${path.join(dir, 'folder')}]\n`),
      `${path.join(dir, 'folder')}: Cannot read the policy (trustgate.yaml:3:11 extends it): it is a directory.`,
    );
  });

  it('a missing policy file is bad input (exit code 2)', async () => {
    const dir = tempDir();
    try {
      await load(dir, 'missing.yaml');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof TrustgateError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, `missing.yaml: Cannot read the policy: the file does not exist.`);
    }
    assert.ok(path.isAbsolute(dir));
  });
});
