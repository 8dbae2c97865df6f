/**
 * A token value put anywhere it can hide in a repository must appear in no
 * output: not in facts, reports of any format, logs or error messages. The
 * values are generated here (seeded), so no secret scanner flags the repository.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rng } from '../../../scripts/fuzz.ts';
import { runCli } from './helpers.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function token(random: () => number, prefix: string, length: number): string {
  let s = prefix;
  for (let i = 0; i < length; i++) s += ALNUM[Math.floor(random() * ALNUM.length)];
  return s;
}

const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'github', 'gitlab', 'html'];

/** Every place a token can hide, for one generated value each. */
function repository(t: Record<string, string>): Record<string, string> {
  return {
    '.npmrc': `//registry.npmjs.org/:_authToken=${t.npmrc}\n_auth=${t.auth}\n`,
    'package.json': JSON.stringify({
      name: '@acme/widget',
      repository: { type: 'git', url: `https://ci:${t.repoUrl}@github.com/acme/widget.git` },
      publishConfig: {
        access: 'public',
        _authToken: t.publishConfig,
        registry: `https://u:${t.registryUrl}@registry.npmjs.org/`,
      },
      scripts: { release: `npm publish --//registry.npmjs.org/:_authToken=${t.script}` },
    }),
    '.github/workflows/release.yml': [
      'on: push',
      'env:',
      `  NPM_TOKEN: ${t.workflowEnv}`,
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo "//registry.npmjs.org/:_authToken=${t.echo}" > ~/.npmrc`,
      `      - run: NODE_AUTH_TOKEN=${t.prefix} npm publish`,
      `      - run: npm publish --//registry.npmjs.org/:_authToken=${t.flag}`,
      '      - run: pnpm run release',
      '',
    ].join('\n'),
    // A line the YAML parser rejects, holding a token.
    '.github/workflows/broken.yml': `on: push\njobs:\n  a:\n    steps:\n      - run: "echo ${t.broken}\n        env: [\n`,
    '.gitlab-ci.yml': `include:\n  - remote: https://ci:${t.include}@gitlab.example.com/ci.yml\npublish:\n  variables:\n    NPM_TOKEN: ${t.gitlabVar}\n  script:\n    - npm publish\n`,
    // A policy that fails to parse on a line holding a token.
    'bad-policy.yaml': `apiVersion: trustgate/v1\nkind: Policy\nrules:\n  token-max-age: "${t.policy}\n`,
  };
}

describe('no token value leaks', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: collect, check in every format, a bad policy, explain, fix`, () => {
      const random = rng(seed);
      const places = [
        'npmrc',
        'auth',
        'repoUrl',
        'publishConfig',
        'registryUrl',
        'script',
        'workflowEnv',
        'echo',
        'prefix',
        'flag',
        'broken',
        'include',
        'gitlabVar',
        'policy',
      ];
      const t: Record<string, string> = {};
      for (const p of places) t[p] = random() < 0.5 ? token(random, 'npm_', 36) : token(random, '', 40);
      const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-secrets-'));
      try {
        for (const [name, text] of Object.entries(repository(t))) {
          mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
          writeFileSync(path.join(dir, name), text);
        }
        mkdirSync(path.join(dir, 'out'));
        const runs = [
          runCli(['collect', '-o', 'out/facts.json'], dir),
          runCli(['check', ...FORMATS.flatMap((f) => ['--format', `${f}=out/report.${f}`])], dir),
          runCli(
            ['check', '--facts', 'out/facts.json', '--policy', 'trustgate:recommended', '--format', 'text'],
            dir,
          ),
          runCli(['check', '--policy', 'bad-policy.yaml'], dir),
          runCli(['explain', '--policy', 'bad-policy.yaml'], dir),
          // fix prints diffs of the CI files: their removed and context lines hold tokens.
          runCli(['fix'], dir),
          runCli(['fix', '--format', 'json'], dir),
        ];
        assert.equal(runs[0]!.status, 0, runs[0]!.stderr);
        assert.equal(runs[1]!.status, 1, runs[1]!.stderr);
        assert.equal(runs[3]!.status, 2);
        // The GitHub workflow passes the token as a flag of the publish: refused (1); GitLab is fixed.
        for (const r of runs.slice(5)) assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(runs[5]!.stdout, /^--- a\/\.gitlab-ci\.yml\n/);
        const outputs = readdirSync(path.join(dir, 'out')).map(
          (f) => [f, readFileSync(path.join(dir, 'out', f), 'utf8')] as const,
        );
        assert.equal(outputs.length, 1 + FORMATS.length);
        for (const [place, value] of Object.entries(t)) {
          for (const r of runs) {
            assert.ok(
              !r.stdout.includes(value) && !r.stderr.includes(value),
              `the ${place} token leaked to the console`,
            );
            assert.ok(
              !r.stdout.includes(value.slice(0, 12)) && !r.stderr.includes(value.slice(-12)),
              `part of the ${place} token leaked`,
            );
          }
          for (const [file, text] of outputs) {
            assert.ok(
              !text.includes(value.slice(0, 12)) && !text.includes(value.slice(-12)),
              `the ${place} token leaked into ${file}`,
            );
          }
        }
        // The scan did see them: as literal credentials, by place.
        const facts = JSON.parse(outputs.find(([f]) => f === 'facts.json')![1]);
        assert.ok(facts.npmrc.filter((n: { value: string }) => n.value === 'literal').length >= 4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
