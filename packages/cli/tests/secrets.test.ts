/**
 * A token value put anywhere it can hide in a repository must appear in no
 * output: not in facts, reports of any format, logs or error messages. The
 * values are generated here (seeded), so no secret scanner flags the repository.
 *
 * Every place (workflow run lines and setup-node inputs, GitLab script,
 * CircleCI run, .npmrc keys and values, package.json publishConfig and
 * scripts…) gets every way of writing a credential (URL user info with a
 * scheme or protocol-relative, credential flags with `=` or a space, headers,
 * `npm config set`, query parameters), with values of every shape (npm_,
 * UUID, hex, short random strings), so nothing relies on a value looking
 * like a token.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rng } from '../../../scripts/fuzz.ts';
import { runCli } from './helpers.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
function chars(random: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

/** Token values of every shape: none of them needs to look like a token to be masked. */
const SHAPES: Record<string, (random: () => number) => string> = {
  npm: (r) => `npm_${chars(r, ALNUM, 36)}`,
  long: (r) => chars(r, ALNUM, 40),
  uuid: (r) => [8, 4, 4, 4, 12].map((n) => chars(r, HEX, n)).join('-'),
  hex: (r) => chars(r, HEX, 40),
  short: (r) => chars(r, ALNUM, 10),
};

const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'github', 'gitlab', 'html'];

/** Every way a credential is written on a command line, for one value. */
const COMMANDS: ((t: string) => string)[] = [
  (t) => `npm publish --registry https://ci:${t}@registry.npmjs.org/`,
  (t) => `npm publish --registry //ci:${t}@registry.npmjs.org/`,
  (t) => `npm publish --//registry.npmjs.org/:_authToken ${t}`,
  (t) => `npm publish --//registry.npmjs.org/:_authToken=${t}`,
  (t) => `npm publish --_authToken ${t}`,
  (t) => `npm publish --_auth=${t}`,
  (t) => `npm publish --_password ${t}`,
  (t) => `npm publish --otp ${t}`,
  (t) => `npm publish --header "Authorization: Bearer ${t}"`,
  (t) => `npm publish -H 'Authorization: Bearer ${t}'`,
  (t) => `npm config set //registry.npmjs.org/:_authToken ${t}`,
  (t) => `npm config set //registry.npmjs.org/:_authToken=${t}`,
  (t) => `npm publish --registry "https://registry.npmjs.org/?token=${t}"`,
  (t) => `npm publish --registry "https://registry.npmjs.org/?access_token=${t}"`,
  (t) => `NODE_AUTH_TOKEN=${t} npm publish`,
];

/** Every place a token can hide; `t(place)` hands out a fresh value for each. */
function repository(t: (place: string) => string): Record<string, string> {
  const commands = (place: string) => COMMANDS.map((c, i) => c(t(`${place} #${i}`)));
  return {
    '.npmrc': [
      `//registry.npmjs.org/:_authToken=${t('npmrc token')}`,
      `_auth=${t('npmrc _auth')}`,
      `registry=https://ci:${t('npmrc registry')}@npm.example.com/`,
      `//ci:${t('npmrc key userinfo')}@npm.example.com/:_authToken=${t('npmrc key value')}`,
      `//npm.example.com/:_password=${t('npmrc password')}`,
      '',
    ].join('\n'),
    'package.json': JSON.stringify({
      name: '@acme/widget',
      repository: { type: 'git', url: `https://ci:${t('repository url')}@github.com/acme/widget.git` },
      publishConfig: {
        access: 'public',
        _authToken: t('publishConfig _authToken'),
        registry: `//u:${t('publishConfig registry')}@registry.npmjs.org/`,
      },
      scripts: Object.fromEntries(commands('package.json script').map((c, i) => [`release${i}`, c])),
    }),
    '.github/workflows/release.yml': [
      'on: push',
      'env:',
      `  NPM_TOKEN: ${t('workflow env')}`,
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/setup-node@v4',
      '        with:',
      `          registry-url: https://ci:${t('setup-node registry-url')}@registry.npmjs.org/`,
      `          token: ${t('setup-node token')}`,
      `      - run: echo "//registry.npmjs.org/:_authToken=${t('echo')}" > ~/.npmrc`,
      ...commands('workflow run').map((c) => `      - run: ${JSON.stringify(c)}`),
      ...COMMANDS.map((_, i) => `      - run: pnpm run release${i}`),
      '',
    ].join('\n'),
    // Fixable: its diff shows the lines around the edit, which hold credentials too.
    '.github/workflows/fixable.yml': [
      'on: push',
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: 'curl -H "Authorization: Bearer ${t('diff context header')}" https://example.com'`,
      '      - uses: actions/setup-node@v4',
      '        with:',
      `          registry-url: https://ci:${t('diff context registry-url')}@registry.npmjs.org/`,
      '          node-version: 20',
      `      - run: echo registry=//u:${t('diff context echo')}@npm.example.com/ > .yarnrc`,
      '      - run: npm publish',
      '        env:',
      '          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}',
      `      - run: curl "https://example.com/hook?access_token=${t('diff context query')}"`,
      '',
    ].join('\n'),
    // A line the YAML parser rejects, holding a token.
    '.github/workflows/broken.yml': `on: push\njobs:\n  a:\n    steps:\n      - run: "echo ${t('broken yaml')}\n        env: [\n`,
    '.gitlab-ci.yml': [
      'include:',
      `  - remote: https://ci:${t('gitlab include')}@gitlab.example.com/ci.yml`,
      'publish:',
      '  variables:',
      `    NPM_TOKEN: ${t('gitlab variable')}`,
      '  script:',
      ...commands('gitlab script').map((c) => `    - ${JSON.stringify(c)}`),
      '',
    ].join('\n'),
    '.circleci/config.yml': [
      'version: 2.1',
      'jobs:',
      '  publish:',
      '    docker: [{ image: cimg/node:22.14 }]',
      '    steps:',
      ...commands('circleci run').map((c) => `      - run: ${JSON.stringify(c)}`),
      '',
    ].join('\n'),
    // A policy that fails to parse on a line holding a token.
    'bad-policy.yaml': `apiVersion: trustgate/v1\nkind: Policy\nrules:\n  token-max-age: "${t('policy')}\n`,
  };
}

describe('no token value leaks', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every credential shape in every place; collect, check in every format, a bad policy, explain, fix`, () => {
      const random = rng(seed);
      const names = Object.keys(SHAPES);
      const t: Record<string, string> = {};
      const take = (place: string) => {
        // Every shape in every place: the shape cycles with the values handed out, from a seeded start.
        const shape = names[(Object.keys(t).length + seed) % names.length]!;
        t[`${place} (${shape})`] = SHAPES[shape]!(random);
        return t[`${place} (${shape})`]!;
      };
      const files = repository(take);
      const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-secrets-'));
      try {
        for (const [name, text] of Object.entries(files)) {
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
          runCli(['check', '--format', 'text', '--format', 'json'], dir),
        ];
        assert.equal(runs[0]!.status, 0, runs[0]!.stderr);
        assert.equal(runs[1]!.status, 1, runs[1]!.stderr);
        assert.equal(runs[3]!.status, 2);
        // Tokens passed as flags of a publish are refused (1); fixable.yml is fixed, and its diff printed.
        for (const r of runs.slice(5, 7)) assert.equal(r.status, 1, r.stdout + r.stderr);
        const outputs = readdirSync(path.join(dir, 'out')).map(
          (f) => [f, readFileSync(path.join(dir, 'out', f), 'utf8')] as const,
        );
        assert.equal(outputs.length, 1 + FORMATS.length);
        assert.ok(Object.keys(t).length > 80);
        for (const [place, value] of Object.entries(t)) {
          // The whole value, and any 12 characters from its start or end (a short value is checked whole).
          const parts = [value, value.slice(0, 12), value.slice(-12)];
          for (const r of runs) {
            for (const part of parts)
              assert.ok(
                !r.stdout.includes(part) && !r.stderr.includes(part),
                `part of the ${place} token leaked to the console`,
              );
          }
          for (const [file, text] of outputs) {
            for (const part of parts)
              assert.ok(!text.includes(part), `the ${place} token leaked into ${file}`);
          }
        }
        // The diff was printed, its context lines masked in place.
        assert.match(runs[5]!.stdout, /^--- a\/\.github\/workflows\/fixable\.yml\n/);
        assert.match(runs[5]!.stdout, /^ {11}registry-url: https:\/\/registry\.npmjs\.org\/$/m);
        assert.match(
          runs[5]!.stdout,
          /^ {7}- run: 'curl -H "Authorization: \*\*\*" https:\/\/example\.com'$/m,
        );
        // The scan did see them: as literal credentials, by place, and every step's registry keeps its host.
        const facts = JSON.parse(outputs.find(([f]) => f === 'facts.json')![1]);
        assert.ok(facts.npmrc.filter((n: { value: string }) => n.value === 'literal').length >= 20);
        const registries = new Set(facts.workflows.map((s: { registry: string }) => s.registry));
        assert.deepEqual([...registries].sort(), [
          'https://registry.npmjs.org/',
          'https://registry.npmjs.org/?access_token=***',
          'https://registry.npmjs.org/?token=***',
        ]);
        assert.deepEqual(
          facts.npmrc
            .filter((n: { file: string }) => n.file === '.npmrc')
            .map((n: { registry: string }) => n.registry),
          [
            'https://registry.npmjs.org/',
            'https://npm.example.com/',
            'https://npm.example.com/',
            'https://npm.example.com/',
          ],
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
