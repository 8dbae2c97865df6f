/**
 * `trustgate check --facts` runs on every push, so its start-up is a feature:
 * the build bundles each package (scripts/bundle.mjs), and a check whose policy
 * needs no globs loads no CommonJS at all. Before the bundle it loaded 75
 * CommonJS files (the yaml package alone is 72), about a third of a cold start.
 * This test fails if a CommonJS dependency creeps back onto that path, or if a
 * dependency the bundle should hold is left outside it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, ROOT } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Preloaded into the CLI's process: at exit, the CommonJS modules it loaded (itself aside). */
const PROBE = path.join(dir, 'probe.cjs');
writeFileSync(
  PROBE,
  `process.on('exit', () => {
  const loaded = Object.keys(require.cache).filter((f) => f !== __filename);
  require('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'loaded.json'))}, JSON.stringify(loaded));
});\n`,
);

function checkWithProbe(args: string[]) {
  const r = spawnSync(process.execPath, ['--require', PROBE, BIN, 'check', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    timeout: 30_000,
  });
  return { ...r, loaded: JSON.parse(readFileSync(path.join(dir, 'loaded.json'), 'utf8')) as string[] };
}

describe('start-up of check', () => {
  it('loads no CommonJS module for a policy without globs over a facts file', () => {
    const facts = path.join(dir, 'facts.json');
    writeFileSync(
      facts,
      JSON.stringify({
        schemaVersion: 1,
        collectedAt: '2026-11-28T00:00:00.000Z',
        sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
        tokens: [
          {
            id: 't1',
            kind: 'classic',
            classicType: 'automation',
            access: 'write',
            created: '2026-11-01T00:00:00.000Z',
            expires: null,
          },
        ],
      }),
    );
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: trustgate/v1\nkind: Policy\nrules:\n  no-classic-tokens: { level: error, options: { scope: [tokens] } }\n',
    );
    const r = checkWithProbe([
      '--policy',
      policy,
      '--facts',
      facts,
      '--format',
      `json=${path.join(dir, 'out.json')}`,
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1);
    const report = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
      findings: { ruleId: string; subject: string }[];
    };
    assert.deepEqual(
      report.findings.map((f) => [f.ruleId, f.subject]),
      [['no-classic-tokens', 'token:t1']],
    );
    assert.deepEqual(r.loaded, []);
  });

  it('loads micromatch only for a glob with a wildcard, and re2js only for a glob micromatch could not match in linear time', () => {
    const facts = path.join(dir, 'glob-facts.json');
    writeFileSync(
      facts,
      JSON.stringify({
        schemaVersion: 1,
        collectedAt: '2026-11-28T00:00:00.000Z',
        sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
        tokens: [{ id: 't1', kind: 'classic', access: 'write', created: null, expires: null }],
      }),
    );
    const run = (subject: string) => {
      const policy = path.join(dir, 'glob-policy.yaml');
      writeFileSync(
        policy,
        `apiVersion: trustgate/v1\nkind: Policy\nrules:\n  no-classic-tokens: { level: error, options: { scope: [tokens] } }\nexceptions:\n  - rule: no-classic-tokens\n    subject: ${JSON.stringify(subject)}\n    reason: r\n    expires: 2027-01-31\n`,
      );
      const r = checkWithProbe([
        '--policy',
        policy,
        '--facts',
        facts,
        '--format',
        `json=${path.join(dir, 'g.json')}`,
      ]);
      assert.equal(r.stderr, '', subject);
      assert.equal(r.status, 0, subject);
      return ['micromatch', 're2js'].filter((m) => r.loaded.some((f) => f.includes(`/${m}@`)));
    };
    assert.deepEqual(run('token:t1'), []);
    assert.deepEqual(run('token:t*'), ['micromatch']);
    assert.deepEqual(run('token:{t1,t2}'), ['micromatch', 're2js']);
  });
});
