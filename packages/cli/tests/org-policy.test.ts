import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

describe('the example org policy', () => {
  it('a plugin rule and a declarative rule both report with file locations in SARIF', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-org-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const facts = path.join(dir, 'facts.json');
    writeFileSync(
      facts,
      JSON.stringify({
        schemaVersion: 1,
        collectedAt: '2026-11-28T00:00:00Z',
        sources: [
          {
            collector: 'test',
            covers: ['tokens', 'packages', 'accounts', 'workflows', 'npmrc', 'manifests'],
            complete: true,
          },
        ],
        tokens: [
          {
            id: 'ci-bot-2',
            kind: 'granular',
            access: 'write',
            owner: 'ci-bot',
            bypass2fa: false,
            created: '2026-11-20T00:00:00Z',
            expires: '2026-12-20T00:00:00Z',
          },
        ],
        packages: [
          {
            id: '@acme/web-sdk',
            mfa: 'publish',
            trustedPublishers: [{ provider: 'github' }],
            maintainers: ['alice'],
            latest: { version: '1.0.0', provenance: true, trustedPublisher: true },
          },
        ],
        manifests: [
          {
            id: 'packages/web-sdk/package.json',
            file: 'packages/web-sdk/package.json',
            name: '@acme/web-sdk',
            private: false,
            origin: { file: 'packages/web-sdk/package.json', line: 1 },
          },
        ],
      }),
    );
    const sarifFile = path.join(dir, 'out.sarif');
    const run = runCli(
      [
        'check',
        '--policy',
        'examples/org-policy/teams/web.yaml',
        '--facts',
        facts,
        '--format',
        `sarif=${sarifFile}`,
      ],
      ROOT,
    );
    assert.equal(run.status, 1, run.stderr);
    const results = JSON.parse(readFileSync(sarifFile, 'utf8')).runs[0].results as {
      ruleId: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
    assert.deepEqual(
      results.map((r) => [
        r.ruleId,
        r.locations[0]!.physicalLocation.artifactLocation.uri,
        r.locations[0]!.physicalLocation.region.startLine,
      ]),
      [
        ['acme/bot-tokens-weekly', 'examples/org-policy/preset/policy.yaml', 27],
        ['acme/maintainer-count', 'packages/web-sdk/package.json', 1],
        // The web team's exception waives nothing in these facts: a note at its own line.
        ['trustgate/exception-stale', 'examples/org-policy/teams/web.yaml', 12],
      ],
    );
  });
});

describe('locks of the example org policy, from a repository policy', () => {
  const preset = path.join(ROOT, 'examples/org-policy/preset/policy.yaml');
  const facts = path.join(ROOT, 'examples/acme/facts.json');
  function repo(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-lock-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';

  it("lock bypass by extends order: check exits 2 and names the earlier layer's line", () => {
    const dir = repo({
      'evil.yaml': `${HEAD}overrides:\n  - subjects: ["**"]\n    rules: { token-max-age: "off" }\nrules:\n  token-max-age:\n    options: { maxDays: 100000 }\n`,
      'trustgate.yaml': `${HEAD}extends: [./evil.yaml, ${JSON.stringify(preset)}]\n`,
    });
    const run = runCli(['check', '--facts', facts], dir);
    // A file outside the working folder is shown by its absolute path.
    const shown = preset;
    assert.equal(run.status, 2, run.stdout);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      [
        `trustgate: evil.yaml:5:29: overrides[0].rules.token-max-age: Cannot lower rule "token-max-age" to off for some subjects: ${shown}:15 locks it.`,
        `trustgate: evil.yaml:8:16: rules.token-max-age.options.maxDays: Cannot loosen option maxDays of rule "token-max-age": ${shown}:15 locks it.`,
        '',
      ].join('\n'),
    );
  });

  it("exceptions to a locked rule: a repository policy cannot waive the org's locked token-max-age", () => {
    const dir = repo({
      'trustgate.yaml': `${HEAD}extends: [${JSON.stringify(preset)}]\nexceptions:\n  - rule: token-max-age\n    subject: "**"\n    reason: r\n    expires: 2027-01-31\n`,
    });
    const run = runCli(['check', '--facts', facts], dir);
    assert.equal(run.status, 2, run.stdout);
    assert.equal(
      run.stderr,
      `trustgate: trustgate.yaml:5:11: exceptions[0].rule: Cannot waive rule "token-max-age" here: ${preset}:15 locks it without "exceptions: allowed", so only that policy and the policies it extends may waive it.\n`,
    );
  });
});
