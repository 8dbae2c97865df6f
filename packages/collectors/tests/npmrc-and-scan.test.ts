import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseNpmrc, scanRepository } from '@trustgate/collectors';
import { repoWith, scan } from './helpers.ts';

/** Built at run time so that no secret scanner flags the repository. */
const FAKE_TOKEN = ['npm', '_', 'Zq9', 'x'.repeat(20), 'Lk2mW8pQ4rT6v'].join('');

describe('.npmrc', () => {
  it('classifies each credential as literal, env or empty, with its line and registry; never its value', () => {
    const text = [
      '# registry settings',
      'registry=https://npm.example.com',
      '//registry.npmjs.org/:_authToken=${NPM_TOKEN}',
      `//registry.npmjs.org/:_authToken=${FAKE_TOKEN}`,
      '_auth = "dXNlcjpwYXNz"',
      '//npm.pkg.github.com/:_password=',
      'always-auth=true',
      '_authToken=${CI_TOKEN?}',
    ].join('\n');
    const entries = parseNpmrc(text, 'packages/a/.npmrc');
    assert.deepEqual(
      entries.map((e) => [e.id, e.origin.line, e.key, e.value, e.registry, e.envVar]),
      [
        ['packages/a/.npmrc:3', 3, '_authToken', 'env', 'https://registry.npmjs.org/', 'NPM_TOKEN'],
        ['packages/a/.npmrc:4', 4, '_authToken', 'literal', 'https://registry.npmjs.org/', undefined],
        ['packages/a/.npmrc:5', 5, '_auth', 'literal', 'https://npm.example.com/', undefined],
        ['packages/a/.npmrc:6', 6, '_password', 'empty', 'https://npm.pkg.github.com/', undefined],
        ['packages/a/.npmrc:8', 8, '_authToken', 'env', 'https://npm.example.com/', 'CI_TOKEN'],
      ],
    );
    assert.ok(!JSON.stringify(entries).includes(FAKE_TOKEN));
    assert.ok(!JSON.stringify(entries).includes('dXNlcjpwYXNz'));
  });
});

describe('repository scan', () => {
  it('reads every .npmrc, honours workspaces, and keeps secrets out of package.json facts', async () => {
    const facts = await scan({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/a/package.json': JSON.stringify({
        name: '@acme/a',
        repository: { type: 'git', url: 'git+https://github.com/acme/a.git' },
        publishConfig: { access: 'public', provenance: true, _authToken: FAKE_TOKEN },
      }),
      'packages/a/.npmrc': `//registry.npmjs.org/:_authToken=${FAKE_TOKEN}\n`,
      'fixtures/not-a-workspace/package.json': JSON.stringify({ name: 'fixture' }),
      'node_modules/dep/package.json': JSON.stringify({ name: 'dep' }),
      'node_modules/dep/.npmrc': '_auth=abc\n',
    });
    assert.deepEqual(
      facts.manifests!.map((m) => [m.file, m.name, m.private, m.publishConfig, m.repository]),
      [
        ['package.json', 'root', true, null, null],
        [
          'packages/a/package.json',
          '@acme/a',
          false,
          { access: 'public', provenance: true },
          'git+https://github.com/acme/a.git',
        ],
      ],
    );
    assert.deepEqual(
      facts.npmrc!.map((n) => [n.file, n.value]),
      [['packages/a/.npmrc', 'literal']],
    );
    assert.ok(!JSON.stringify(facts).includes(FAKE_TOKEN));
  });

  it('never reads through a link out of the tree, and records oversized, binary and invalid files', async () => {
    const outside = repoWith({
      'secret.yml': 'on: push\njobs:\n  a:\n    steps:\n      - run: npm publish\n',
    });
    const dir = repoWith({
      '.github/workflows/big.yml': `on: push\n${'# padding\n'.repeat(200_000)}`,
      '.github/workflows/blob.yml': 'on: push\u0000\u0001',
      'package.json': '{ "name": ',
    });
    symlinkSync(path.join(outside, 'secret.yml'), path.join(dir, '.github/workflows/linked.yml'));
    mkdirSync(path.join(dir, 'loop'));
    symlinkSync(path.join(dir, 'loop'), path.join(dir, 'loop/again'));
    writeFileSync(path.join(dir, '.npmrc'), 'registry=https://registry.npmjs.org/\n');
    const facts = await scanRepository(dir, { now: new Date('2026-11-28T00:00:00Z') });
    assert.equal(facts.sources[0]!.complete, false);
    assert.deepEqual(facts.sources[0]!.errors, [
      { entity: 'file:package.json', message: 'It is not valid JSON; not read.' },
      { entity: 'file:.github/workflows/big.yml', message: 'It is larger than 1024 KiB; not read.' },
      { entity: 'file:.github/workflows/blob.yml', message: 'It holds binary data, not text; not read.' },
      {
        entity: 'file:.github/workflows/linked.yml',
        message: 'It is a symbolic link that points outside the repository; not read.',
      },
    ]);
    assert.deepEqual(facts.workflows, []);
  });

  it('literal tokens in workflow env and in written .npmrc lines are recorded without their value', async () => {
    const facts = await scan({
      '.github/workflows/release.yml': `on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: echo "//registry.npmjs.org/:_authToken=${FAKE_TOKEN}" > .npmrc
      - run: npm publish --provenance
        env:
          NODE_AUTH_TOKEN: ${FAKE_TOKEN}
`,
      'package.json': JSON.stringify({ name: 'x', publishConfig: { provenance: true } }),
    });
    assert.deepEqual(
      facts.npmrc!.map((n) => [n.file, n.origin.line, n.key, n.value]),
      [
        ['.github/workflows/release.yml', 6, '_authToken', 'literal'],
        ['.github/workflows/release.yml', 9, '_authToken', 'literal'],
      ],
    );
    assert.deepEqual(
      facts.workflows!.map((s) => [s.command, s.auth.tokenEnv, s.provenance]),
      [['npm publish --provenance', ['NODE_AUTH_TOKEN'], true]],
    );
    assert.ok(!JSON.stringify(facts).includes(FAKE_TOKEN.slice(4)));
  });

  it('publishConfig.provenance of the package counts as asking for provenance', async () => {
    const facts = await scan({
      '.github/workflows/release.yml': 'on: push\njobs:\n  p:\n    steps:\n      - run: npm publish\n',
      'package.json': JSON.stringify({ name: 'x', publishConfig: { provenance: true } }),
    });
    assert.deepEqual(
      facts.workflows!.map((s) => s.provenance),
      [true],
    );
  });

  it('never opens a FIFO (which would hang the scan), and records it', async () => {
    const dir = repoWith({ 'package.json': JSON.stringify({ name: 'x' }) });
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    execFileSync('mkfifo', [path.join(dir, '.github/workflows/pipe.yml'), path.join(dir, '.npmrc')]);
    const facts = await scanRepository(dir, { now: new Date('2026-11-28T00:00:00Z') });
    assert.deepEqual(facts.sources[0]!.errors, [
      { entity: 'file:.github/workflows/pipe.yml', message: 'It is not a regular file; not read.' },
      { entity: 'file:.npmrc', message: 'It is not a regular file; not read.' },
    ]);
  });

  it('a folder that does not exist cannot be scanned', async () => {
    await assert.rejects(scanRepository('/nonexistent/trustgate-repo'), {
      message: '/nonexistent/trustgate-repo: Cannot scan: it is not a readable folder.',
    });
  });
});
