import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

describe('check --baseline', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-drift-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const facts = JSON.parse(readFileSync(path.join(ROOT, 'examples/acme/facts.json'), 'utf8'));
  const policy = path.join(ROOT, 'examples/acme/trustgate.yaml');
  const check = (factsFile: string, ...extra: string[]) =>
    runCli(['check', '--policy', policy, '--facts', factsFile, ...extra], dir);

  // The baseline: the example as it is.
  writeFileSync(path.join(dir, 'before.json'), JSON.stringify(facts));
  check(path.join(dir, 'before.json'), '--format', `json=${path.join(dir, 'baseline.json')}`);
  // Since then: the erin token that never expired was revoked, and a new bad one appeared.
  const forever = facts.tokens.find(
    (t: { owner: string; expires: null }) => t.owner === 'erin' && t.expires === null,
  );
  const fixed = { ...facts, tokens: facts.tokens.filter((t: { id: string }) => t.id !== forever.id) };
  const both = {
    ...fixed,
    tokens: [...fixed.tokens, { ...forever, id: 'f'.repeat(128), display: 'npm_…Nw01', owner: 'grace' }],
  };
  writeFileSync(path.join(dir, 'fixed.json'), JSON.stringify(fixed));
  writeFileSync(path.join(dir, 'both.json'), JSON.stringify(both));

  it('reports 1 fixed and 1 new, by fingerprint, in JSON and text', () => {
    const run = check(
      path.join(dir, 'both.json'),
      '--baseline',
      path.join(dir, 'baseline.json'),
      '--format',
      'json',
    );
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.drift.new, 1);
    assert.equal(report.drift.fixed.length, 1);
    assert.deepEqual(
      report.findings
        .filter((f: { drift: string }) => f.drift === 'new')
        .map((f: { ruleId: string; subject: string }) => [f.ruleId, f.subject]),
      [['token-max-age', `token:${'f'.repeat(128)}`]],
    );
    assert.deepEqual(
      report.drift.fixed.map((f: { ruleId: string; subject: string }) => [f.ruleId, f.subject]),
      [['token-max-age', `token:${forever.id}`]],
    );
    const text = check(path.join(dir, 'both.json'), '--baseline', path.join(dir, 'baseline.json')).stdout;
    assert.match(text, /^Since .*baseline\.json: 1 new, \d+ unchanged, 1 fixed\.$/m);
  });

  it('--fail-on-new exits 1 only for the run with a new finding', () => {
    assert.equal(
      check(path.join(dir, 'both.json'), '--baseline', path.join(dir, 'baseline.json'), '--fail-on-new')
        .status,
      1,
    );
    assert.equal(
      check(path.join(dir, 'fixed.json'), '--baseline', path.join(dir, 'baseline.json'), '--fail-on-new')
        .status,
      0,
    );
    assert.equal(
      check(path.join(dir, 'fixed.json'), '--baseline', path.join(dir, 'baseline.json')).status,
      1,
    );
  });

  it('a baseline that is not a report, or --fail-on-new alone, is bad input', () => {
    writeFileSync(path.join(dir, 'not-a-report.json'), '{"findings": [{"ruleId": "x"}]}');
    const bad = check(path.join(dir, 'fixed.json'), '--baseline', path.join(dir, 'not-a-report.json'));
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      `trustgate: ${path.join(dir, 'not-a-report.json')}: Not a trustgate JSON report: findings[0] needs ruleId, subject and fingerprint.\n`,
    );
    const alone = check(path.join(dir, 'fixed.json'), '--fail-on-new');
    assert.equal(alone.stderr, 'trustgate: --fail-on-new needs --baseline REPORT.json.\n');
    assert.equal(alone.status, 2);
  });
});

describe('writing to a device', () => {
  it('--format json=/dev/null writes in place and leaves /dev/null a device', () => {
    const run = runCli(
      [
        'check',
        '--policy',
        path.join(ROOT, 'examples/acme/trustgate.yaml'),
        '--facts',
        path.join(ROOT, 'examples/acme/facts.json'),
        '--format',
        'json=/dev/null',
      ],
      ROOT,
    );
    assert.equal(run.status, 1, run.stderr);
    assert.ok(statSync('/dev/null').isCharacterDevice());
  });
});
