import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT, runCli } from './helpers.ts';

function emptyRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-init-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('trustgate init', () => {
  it('writes a policy and a workflow that work as they are', () => {
    const dir = emptyRepo();
    const init = runCli(['init'], dir);
    assert.equal(init.status, 0, init.stderr);
    assert.equal(
      init.stdout,
      'Wrote trustgate.yaml\nWrote .github/workflows/trustgate.yml\nCommit both files. The workflow uploads its findings to code scanning (Security tab).\n',
    );
    // The policy is valid, and the workflow it sits next to publishes nothing: the check passes.
    const check = runCli(['check', '--format', 'sarif=trustgate.sarif'], dir);
    assert.equal(check.status, 0, check.stderr);
    const sarif = JSON.parse(readFileSync(path.join(dir, 'trustgate.sarif'), 'utf8'));
    assert.deepEqual(sarif.runs[0].results, []);
    assert.equal(sarif.runs[0].properties.policy.file, 'trustgate.yaml');
  });

  it('the workflow has the least permissions it needs, pins checkout to a commit, and uses the released action', () => {
    const dir = emptyRepo();
    runCli(['init'], dir);
    const text = readFileSync(path.join(dir, '.github/workflows/trustgate.yml'), 'utf8');
    const wf = parse(text);
    assert.deepEqual(wf.permissions, { contents: 'read' });
    const job = wf.jobs.trustgate;
    assert.deepEqual(job.permissions, { contents: 'read', 'security-events': 'write', actions: 'read' });
    const version = JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')).version;
    assert.deepEqual(
      job.steps.map((s: { uses: string }) => s.uses),
      ['actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', `trustgate/trustgate@v${version}`],
    );
    assert.match(text, /uses: actions\/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7\.0\.1\n/);
    assert.deepEqual(job.steps[0].with, { 'persist-credentials': false });
  });

  it('the workflow runs on pushes to the default branch and on pull requests', () => {
    const dir = emptyRepo();
    spawnSync('git', ['init', '-q', '-b', 'trunk', dir]);
    runCli(['init', '--action', 'acme/trustgate@v1'], dir);
    const wf = parse(readFileSync(path.join(dir, '.github/workflows/trustgate.yml'), 'utf8'));
    assert.deepEqual(wf.on, {
      push: { branches: ['trunk'] },
      pull_request: null,
      schedule: [{ cron: '23 5 * * 1' }],
    });
    assert.equal(wf.jobs.trustgate.steps[1].uses, 'acme/trustgate@v1');
    // Outside a git repository: main.
    const plain = emptyRepo();
    runCli(['init'], plain);
    const wf2 = parse(readFileSync(path.join(plain, '.github/workflows/trustgate.yml'), 'utf8'));
    assert.deepEqual(wf2.on.push, { branches: ['main'] });
  });

  it('refuses to overwrite without --force', () => {
    const dir = emptyRepo();
    runCli(['init'], dir);
    const again = runCli(['init'], dir);
    assert.equal(again.status, 2);
    assert.equal(
      again.stderr,
      'trustgate: trustgate.yaml and .github/workflows/trustgate.yml already exist; nothing was written. Use --force to overwrite.\n',
    );
    assert.equal(runCli(['init', '--force'], dir).status, 0);
  });
});

describe('check --omit-waived', () => {
  it('keeps a waived finding as a suppression, or leaves it out of the SARIF when asked', () => {
    const dir = emptyRepo();
    const files = {
      'trustgate.yaml':
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:repository]\nexceptions:\n  - rule: no-classic-tokens\n    subject: "npmrc:*"\n    reason: Old mirror.\n    expires: 2099-01-01\n',
      '.npmrc': '_password=${MIRROR_PASSWORD}\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const kept = runCli(['check', '--format', 'sarif=kept.sarif'], dir);
    const omitted = runCli(['check', '--omit-waived', '--format', 'sarif=omitted.sarif'], dir);
    assert.equal(kept.status, 0);
    assert.equal(omitted.status, 0);
    const results = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')).runs[0].results;
    assert.deepEqual(
      results('kept.sarif').map((r: { suppressions: unknown }) => r.suppressions),
      [[{ kind: 'external', status: 'accepted', justification: 'Old mirror. (until 2099-01-01)' }]],
    );
    assert.deepEqual(results('omitted.sarif'), []);
  });
});

describe("trustgate's own repository", () => {
  it('passes its own check: the release workflow publishes with trusted publishing and provenance, and no token', () => {
    const run = runCli(['check', '--repo', ROOT, '--format', 'json'], ROOT);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const facts = runCli(['collect', '--repo', ROOT], ROOT);
    const steps = JSON.parse(facts.stdout).workflows;
    assert.deepEqual(
      steps.map((s: Record<string, unknown>) => [s.file, s.job, s.tool, s.auth, s.provenance]),
      [
        [
          '.github/workflows/release.yml',
          'publish',
          'npm',
          { oidc: true, tokenSecrets: [], tokenEnv: [] },
          true,
        ],
      ],
    );
  });
});
