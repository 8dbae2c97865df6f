import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';

function org(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-explain-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'org.yaml'),
    `${HEAD}rules:\n  token-max-age:\n    level: error\n    locked: true\n    exceptions: allowed\n  no-classic-tokens:\n    level: error\n    locked: true\nsettings:\n  maxExceptionDays: 90\n`,
  );
  writeFileSync(
    path.join(dir, 'trustgate.yaml'),
    `${HEAD}extends: [./org.yaml]\nsettings:\n  expiryWarningDays: 10\n  maxExceptionDays: 120\nexceptions:\n  - rule: token-max-age\n    subject: "token:9f2c*"\n    reason: Release bot\n    expires: 2027-01-31\n`,
  );
  return dir;
}

describe('explain', () => {
  it("shows a locked rule's exceptions entry and the exception settings, with the layer that set each", () => {
    const dir = org();
    const r = runCli(['explain'], dir);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(
      r.stdout,
      `Policy trustgate.yaml (trustgate.yaml)

Layers, base first:
  1. org.yaml
  2. trustgate.yaml

Rules:
  no-classic-tokens  (locked at org.yaml:10:5)
    level            error                org.yaml:9:5
    onIndeterminate  error                (default)
    exceptions       locking policy only  org.yaml:10:5
    options.scope    ["tokens","npmrc"]   (default)
  token-max-age  (locked at org.yaml:6:5)
    level            error    org.yaml:5:5
    onIndeterminate  error    (default)
    exceptions       allowed  org.yaml:7:5
    options.access   "write"  (default)
    options.maxDays  90       (default)

Exceptions:
  token-max-age on token:9f2c* until 2027-01-31: Release bot  trustgate.yaml:8:5

Settings:
  expiryWarningDays  10  trustgate.yaml:5:3
  maxExceptionDays   90  org.yaml:12:3
`,
    );
  });

  it('--json gives the same, as data', () => {
    const dir = org();
    const r = runCli(['explain', '--json'], dir);
    assert.equal(r.status, 0);
    const data = JSON.parse(r.stdout) as {
      settings: Record<string, unknown>;
      rules: { id: string; exceptions?: unknown }[];
    };
    assert.deepEqual(data.settings, {
      expiryWarningDays: { value: 10, setBy: 'trustgate.yaml:5:3' },
      maxExceptionDays: { value: 90, setBy: 'org.yaml:12:3' },
    });
    assert.deepEqual(
      data.rules.map((rule) => [rule.id, rule.exceptions]),
      [
        ['no-classic-tokens', { value: 'locked', setBy: 'org.yaml:10:5' }],
        ['token-max-age', { value: 'allowed', setBy: 'org.yaml:7:5' }],
      ],
    );
  });

  it('without them: the default warning window, no maxExceptionDays, no exceptions row', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-explain-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'trustgate.yaml'), `${HEAD}rules:\n  no-classic-tokens: error\n`);
    const data = JSON.parse(runCli(['explain', '--json'], dir).stdout) as {
      settings: Record<string, unknown>;
      rules: Record<string, unknown>[];
    };
    assert.deepEqual(data.settings, { expiryWarningDays: { value: 14, setBy: '(default)' } });
    assert.equal('exceptions' in data.rules[0]!, false);
    assert.match(
      runCli(['explain'], dir).stdout,
      /\nSettings:\n {2}expiryWarningDays {2}14 {2}\(default\)\n$/,
    );
  });
});
