/**
 * The repository scanner as a pull request author would attack it (issue #18):
 * secrets in URLs and flags, links out of the repository, and files big enough
 * to overflow the stack. Each describe block is one defect.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  FileWriteError,
  RepositoryFiles,
  redactCommand,
  redactText,
  redactUrl,
  scanRepository,
} from '@trustgate/collectors';
// fix writes what collectors read: the path guard is tested for both here.
import { applyFixes, fileDiff, planFixes } from '@trustgate/fix';
import { repoWith } from './helpers.ts';

/** Secrets of every shape, made at run time so that no secret scanner flags the repository. */
const SHAPES = {
  npm: ['npm', '_', 'Zq9', 'x'.repeat(20), 'Lk2mW8pQ4rT6v'].join(''),
  uuid: ['3f1c9a2e', '7b4d', '4e8f', 'a1c2', 'd3e4f5a6b7c8'].join('-'),
  hex: ['9c1f', '00ab'.repeat(8), 'e7d2'].join(''),
  short: ['q7', 'Rt', 'x2'].join(''),
};
const NOW = new Date('2026-11-28T00:00:00Z');

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('secrets in URLs and flags reach facts and every report', () => {
  it('redactCommand masks every credential flag and URL user info, whatever the value looks like', () => {
    for (const [shape, t] of Object.entries(SHAPES)) {
      const cases: [string, string][] = [
        [
          `npm publish --registry https://ci:${t}@registry.npmjs.org/`,
          'npm publish --registry https://registry.npmjs.org/',
        ],
        [`npm publish --registry=//u:${t}@npm.example.com/`, 'npm publish --registry=//npm.example.com/'],
        [
          `npm publish --registry https://${t}@npm.example.com/`,
          'npm publish --registry https://npm.example.com/',
        ],
        [
          `npm publish --//registry.npmjs.org/:_authToken ${t}`,
          'npm publish --//registry.npmjs.org/:_authToken ***',
        ],
        [
          `npm publish --//registry.npmjs.org/:_authToken=${t}`,
          'npm publish --//registry.npmjs.org/:_authToken=***',
        ],
        [`npm publish --_authToken ${t} --tag next`, 'npm publish --_authToken *** --tag next'],
        [`npm publish --_auth=${t}`, 'npm publish --_auth=***'],
        [`npm publish --_password ${t}`, 'npm publish --_password ***'],
        [`npm publish --otp ${t}`, 'npm publish --otp ***'],
        [`npm publish --header "Authorization: Bearer ${t}"`, 'npm publish --header Authorization: ***'],
        [`npm publish -H 'Authorization: Bearer ${t}'`, 'npm publish -H Authorization: ***'],
        [`npm publish -H Authorization:${t}`, 'npm publish -H Authorization: ***'],
        [`npm publish --header=Authorization:Bearer:${t}`, 'npm publish --header=Authorization: ***'],
        [
          `npm config set //registry.npmjs.org/:_authToken ${t}`,
          'npm config set //registry.npmjs.org/:_authToken ***',
        ],
        [`npm config set //ci:${t}@npm.example.com/:_auth=x`, 'npm config set //npm.example.com/:_auth=***'],
        [`NODE_AUTH_TOKEN=${t} npm publish`, 'NODE_AUTH_TOKEN=*** npm publish'],
        [
          `npm publish --registry "https://npm.example.com/?token=${t}"`,
          'npm publish --registry https://npm.example.com/?token=***',
        ],
        [
          `npm publish --registry https://npm.example.com/?a=1&access_token=${t}`,
          'npm publish --registry https://npm.example.com/?a=1&access_token=***',
        ],
        [`sh -c "npm publish --_authToken ${t}"`, 'sh -c npm publish --_authToken ***'],
      ];
      for (const [command, expected] of cases)
        assert.equal(redactCommand(command), expected, `${shape}: ${command}`);
    }
    // References are names, not secrets; a pinned action commit is not a token.
    assert.equal(
      redactCommand('npm publish --//registry.npmjs.org/:_authToken ${NPM_TOKEN} --tag next'),
      'npm publish --//registry.npmjs.org/:_authToken ${NPM_TOKEN} --tag next',
    );
    assert.equal(
      redactCommand('uses: actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3'),
      'uses: actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3',
    );
  });

  it('redactUrl strips user info from URLs with a scheme and protocol-relative ones, and keeps the rest', () => {
    const t = SHAPES.short;
    assert.equal(redactUrl(`https://ci:${t}@npm.example.com/a`), 'https://npm.example.com/a');
    assert.equal(redactUrl(`//u:${t}@npm.example.com/`), '//npm.example.com/');
    assert.equal(redactUrl(`//u:${t}@npm.example.com/:_authToken=`), '//npm.example.com/:_authToken=');
    assert.equal(redactUrl(`https://u:p@ss${t}@npm.example.com/`), 'https://npm.example.com/');
    assert.equal(redactUrl(`https://npm.example.com/?sig=${t}&x=1`), 'https://npm.example.com/?sig=***&x=1');
    assert.equal(
      redactUrl('https://registry.npmjs.org/@scope%2fpkg git+https://github.com/acme/a.git'),
      'https://registry.npmjs.org/@scope%2fpkg git+https://github.com/acme/a.git',
    );
  });

  it('redactText masks YAML, .npmrc and shell lines in place, and leaves ordinary workflow lines alone', () => {
    const t = SHAPES.uuid;
    const before = [
      'permissions:',
      '  id-token: write',
      'jobs:',
      '  publish:',
      '    secrets: inherit',
      '    env:',
      `      NPM_TOKEN: ${t}`,
      `      NODE_AUTH_TOKEN: "${t}"`,
      '      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
      '    steps:',
      '      - uses: actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3',
      '      - uses: actions/setup-node@v4',
      '        with:',
      `          registry-url: https://ci:${t}@registry.npmjs.org/`,
      `          token: ${t}`,
      `      - run: echo "//registry.npmjs.org/:_authToken=${t}" >> ~/.npmrc`,
      '      - run: npm publish --_authToken \\',
      `          ${t}`,
      `      - run: curl -H "Authorization: Bearer ${t}" https://example.com`,
      "      - if: ${{ secrets.NPM_TOKEN == '' }}",
      `//ci:${t}@npm.example.com/:_authToken=${t}`,
      `_auth = "${t}"`,
    ].join('\n');
    assert.equal(
      redactText(before),
      [
        'permissions:',
        '  id-token: write',
        'jobs:',
        '  publish:',
        '    secrets: inherit',
        '    env:',
        '      NPM_TOKEN: ***',
        '      NODE_AUTH_TOKEN: "***"',
        '      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
        '    steps:',
        '      - uses: actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3',
        '      - uses: actions/setup-node@v4',
        '        with:',
        '          registry-url: https://registry.npmjs.org/',
        '          token: ***',
        '      - run: echo "//registry.npmjs.org/:_authToken=***" >> ~/.npmrc',
        '      - run: npm publish --_authToken \\',
        '          ***',
        '      - run: curl -H "Authorization: ***" https://example.com',
        "      - if: ${{ secrets.NPM_TOKEN == '' }}",
        '//npm.example.com/:_authToken=***',
        '_auth = "***"',
      ].join('\n'),
    );
  });

  it('no part of a secret in any place reaches the facts; registries keep their host', async () => {
    for (const [shape, t] of Object.entries(SHAPES)) {
      const cmds = [
        `npm publish --registry https://ci:${t}@registry.npmjs.org/`,
        `npm publish --//registry.npmjs.org/:_authToken ${t}`,
        `npm publish --_authToken ${t}`,
        `npm publish --_auth=${t}`,
        `npm publish --_password ${t}`,
        `npm publish --header "Authorization: Bearer ${t}"`,
        `npm publish -H "Authorization: Bearer ${t}"`,
        `npm publish --registry "https://registry.npmjs.org/?access_token=${t}"`,
      ];
      const dir = repoWith({
        '.npmrc': `registry=https://ci:${t}@npm.example.com/\n//ci:${t}@npm.example.com/:_authToken=${t}\n`,
        'package.json': JSON.stringify({
          name: '@acme/widget',
          repository: { type: 'git', url: `https://ci:${t}@github.com/acme/widget.git` },
          publishConfig: { registry: `//u:${t}@registry.npmjs.org/`, tag: 'latest' },
          scripts: { release: `npm publish --//registry.npmjs.org/:_authToken ${t}` },
        }),
        '.github/workflows/release.yml': [
          'on: push',
          'jobs:',
          '  publish:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - uses: actions/setup-node@v4',
          '        with:',
          `          registry-url: https://ci:${t}@registry.npmjs.org/`,
          `      - run: npm config set //registry.npmjs.org/:_authToken ${t}`,
          ...cmds.map((c) => `      - run: ${JSON.stringify(c)}`),
          '      - run: npm run release',
          '',
        ].join('\n'),
        '.gitlab-ci.yml': `publish:\n  script:\n${cmds.map((c) => `    - ${JSON.stringify(c)}`).join('\n')}\n`,
        '.circleci/config.yml': `version: 2.1\njobs:\n  publish:\n    steps:\n${cmds.map((c) => `      - run: ${JSON.stringify(c)}`).join('\n')}\n`,
      });
      const facts = await scanRepository(dir, { now: NOW });
      assert.deepEqual(facts.sources[0]!.errors, [], shape);
      const json = JSON.stringify(facts);
      for (const part of [t, t.slice(0, 4), t.slice(-4)])
        assert.ok(!json.includes(part), `${shape}: ${part} reached the facts`);
      assert.deepEqual(
        [...new Set(facts.workflows!.map((s) => s.registry))].sort(),
        ['https://registry.npmjs.org/', 'https://registry.npmjs.org/?access_token=***'],
        shape,
      );
      assert.deepEqual(
        facts.npmrc!.filter((n) => n.file === '.npmrc').map((n) => [n.registry, n.key, n.value]),
        [['https://npm.example.com/', '_authToken', 'literal']],
      );
      assert.equal(facts.manifests![0]!.repository, 'https://github.com/acme/widget.git');
      assert.deepEqual(facts.manifests![0]!.publishConfig, {
        registry: '//registry.npmjs.org/',
        tag: 'latest',
      });
      const github = facts.workflows!.filter((s) => s.provider === 'github').map((s) => s.command);
      assert.deepEqual(github, [
        'npm publish --registry https://registry.npmjs.org/',
        'npm publish --//registry.npmjs.org/:_authToken ***',
        'npm publish --_authToken ***',
        'npm publish --_auth=***',
        'npm publish --_password ***',
        'npm publish --header Authorization: ***',
        'npm publish -H Authorization: ***',
        'npm publish --registry https://registry.npmjs.org/?access_token=***',
        'npm run release',
      ]);
    }
  });

  it('redaction stays linear on hostile 256 KiB lines (a quadratic pattern would take minutes)', () => {
    const n = 256 * 1024;
    const lines = {
      'letters then @': `${'a'.repeat(n)}@`,
      'dashes then @': `${'-a'.repeat(n / 2)}@`,
      'URLs without user info': '//a'.repeat(n / 3),
      'query names': `?${'token'.repeat(n / 5)}=x`,
      assignments: 'a='.repeat(n / 2),
      'credential flags': `npm publish ${'--_authToken x '.repeat(n / 16)}`,
      'header flags': '-H '.repeat(n / 3),
      'unclosed expressions': '${{'.repeat(n / 3),
    };
    for (const [name, line] of Object.entries(lines)) {
      for (const redact of [redactText, redactCommand, redactUrl]) {
        const start = performance.now();
        redact(line);
        const ms = performance.now() - start;
        assert.ok(ms < 3000, `${redact.name} on ${name} took ${Math.round(ms)} ms`);
      }
    }
  });

  it('a diff that `fix` prints masks every shape on its removed, added and context lines', () => {
    const t = SHAPES.hex;
    const before = `jobs:\n  a:\n    env:\n      NPM_TOKEN: ${t}\n    steps:\n      - run: npm publish --_authToken ${t}\n      - run: curl -H "Authorization: Bearer ${t}" https://x\n`;
    const after = before.replace(`      NPM_TOKEN: ${t}\n`, '');
    const diff = fileDiff({
      file: 'w.yml',
      provider: 'github',
      status: 'fixed',
      before,
      after,
      steps: [],
      reasons: [],
      notes: [],
      trust: [],
    });
    assert.ok(!diff.includes(t.slice(0, 8)) && !diff.includes(t.slice(-8)), diff);
    assert.match(diff, /^- {6}NPM_TOKEN: \*\*\*$/m);
    assert.match(diff, /^ {7}- run: npm publish --_authToken \*\*\*$/m);
  });
});

describe('reads and writes outside the repository through a symlinked folder', () => {
  /** A repository whose `ci` folder is a link to a folder outside it, holding a publishing job. */
  function linkedInclude() {
    const outside = tempDir('trustgate-outside-');
    const job = 'publish:\n  script:\n    - npm publish\n  variables:\n    NPM_TOKEN: $NPM_TOKEN\n';
    writeFileSync(path.join(outside, 'publish.yml'), job);
    const dir = repoWith({
      '.gitlab-ci.yml': 'include:\n  - local: ci/publish.yml\nbuild:\n  script: [npm ci]\n',
      'package.json': JSON.stringify({ name: 'x', repository: 'https://gitlab.com/acme/x' }),
    });
    symlinkSync(outside, path.join(dir, 'ci'));
    return { dir, outside, job };
  }

  it('a local include reached through a link out of the repository is not read: the source is incomplete, naming the include line', async () => {
    const { dir } = linkedInclude();
    const facts = await scanRepository(dir, { now: NOW });
    assert.deepEqual(facts.workflows, []);
    assert.equal(facts.sources[0]!.complete, false);
    assert.deepEqual(facts.sources[0]!.errors, [
      {
        entity: 'file:ci/publish.yml',
        message:
          'It is included at .gitlab-ci.yml:2 and is reached through ci, a symbolic link that points outside the repository; not read, so the jobs defined there were not checked.',
      },
    ]);
  });

  it('fix does not touch the file outside: the plan lists it as not checked', async () => {
    const { dir, outside, job } = linkedInclude();
    const plan = await planFixes(dir);
    assert.deepEqual(plan.files, []);
    assert.deepEqual(
      plan.unchecked.map((e) => e.entity),
      ['file:ci/publish.yml'],
    );
    assert.equal(readFileSync(path.join(outside, 'publish.yml'), 'utf8'), job);
  });

  it('applyFixes refuses a write through a link out of the repository, and puts back what it wrote', () => {
    const outside = tempDir('trustgate-outside-');
    writeFileSync(path.join(outside, 'release.yml'), 'outside\n');
    const dir = repoWith({ '.github/workflows/a.yml': 'a\n' });
    symlinkSync(outside, path.join(dir, 'ci'));
    const fix = (file: string, before: string) => ({
      file,
      provider: 'github' as const,
      status: 'fixed' as const,
      before,
      after: 'fixed\n',
      steps: [],
      reasons: [],
      notes: [],
      trust: [],
    });
    assert.throws(
      () => applyFixes(dir, [fix('.github/workflows/a.yml', 'a\n'), fix('ci/release.yml', 'outside\n')]),
      {
        name: 'FileWriteError',
        message:
          'Cannot write ci/release.yml: it is reached through ci, a symbolic link that points outside the repository; nothing was written to it; no file was changed.',
      },
    );
    assert.equal(readFileSync(path.join(outside, 'release.yml'), 'utf8'), 'outside\n');
    assert.equal(readFileSync(path.join(dir, '.github/workflows/a.yml'), 'utf8'), 'a\n');
  });

  it('the guard resolves every component: a link inside is followed, a link out is refused, .. cannot leave', () => {
    const outside = tempDir('trustgate-outside-');
    writeFileSync(path.join(outside, 'x.yml'), 'x\n');
    const dir = repoWith({ 'real/x.yml': 'inside\n' });
    symlinkSync('real', path.join(dir, 'inside'));
    symlinkSync(outside, path.join(dir, 'out'));
    symlinkSync(path.join(outside, 'x.yml'), path.join(dir, 'file-out.yml'));
    // A sibling whose name starts with the repository's: a prefix comparison would let it through.
    const sibling = `${dir}-evil`;
    mkdirSync(sibling);
    after(() => rmSync(sibling, { recursive: true, force: true }));
    writeFileSync(path.join(sibling, 'x.yml'), 'evil\n');
    symlinkSync(sibling, path.join(dir, 'prefix'));
    const files = new RepositoryFiles(dir);
    assert.deepEqual(files.read('inside/x.yml'), { ok: true, text: 'inside\n' });
    const refused = (rel: string) => {
      const r = files.read(rel);
      return r.ok ? 'read' : r.message;
    };
    assert.equal(
      refused('out/x.yml'),
      'It is reached through out, a symbolic link that points outside the repository; not read.',
    );
    assert.equal(
      refused('file-out.yml'),
      'It is a symbolic link that points outside the repository; not read.',
    );
    assert.equal(
      refused('prefix/x.yml'),
      'It is reached through prefix, a symbolic link that points outside the repository; not read.',
    );
    assert.equal(refused('real/../../x.yml'), 'It is outside the repository; not read.');
    assert.equal(refused('/etc/passwd'), 'It is outside the repository; not read.');
    assert.throws(() => files.write('out/x.yml', 'changed\n'), FileWriteError);
    assert.equal(readFileSync(path.join(outside, 'x.yml'), 'utf8'), 'x\n');
    // A link inside the repository is written where it points, and stays a link.
    files.write('inside/x.yml', 'changed\n');
    assert.equal(readFileSync(path.join(dir, 'real/x.yml'), 'utf8'), 'changed\n');
  });

  it('an absent file behind a link inside is absent, not an error; a broken link is an error naming it', async () => {
    const dir = repoWith({ 'ci/circleci/README.md': '', 'package.json': '{"name":"x"}' });
    symlinkSync('ci/circleci', path.join(dir, '.circleci'));
    const clean = await scanRepository(dir, { now: NOW });
    assert.deepEqual(clean.sources[0]!.errors, []);
    assert.equal(clean.sources[0]!.complete, true);
    symlinkSync('nowhere.yml', path.join(dir, '.gitlab-ci.yml'));
    const broken = await scanRepository(dir, { now: NOW });
    assert.deepEqual(broken.sources[0]!.errors, [
      {
        entity: 'file:.gitlab-ci.yml',
        message: 'It is a broken symbolic link; not read.',
      },
    ]);
  });

  it('FIFOs, devices and files over 1 MiB are refused without being opened', () => {
    const dir = repoWith({ 'big.yml': 'x'.repeat(1024 * 1024 + 1) });
    execFileSync('mkfifo', [path.join(dir, 'pipe.yml')]);
    symlinkSync('/dev/zero', path.join(dir, 'zero.yml'));
    // A device node in the tree (where the system lets us make one): /dev/null's numbers.
    let device = true;
    try {
      execFileSync('mknod', [path.join(dir, 'null.yml'), 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      device = false;
    }
    const files = new RepositoryFiles(dir);
    const message = (rel: string) => {
      const r = files.read(rel);
      return r.ok ? 'read' : r.message;
    };
    assert.equal(message('big.yml'), 'It is larger than 1024 KiB; not read.');
    assert.equal(message('pipe.yml'), 'It is not a regular file; not read.');
    assert.equal(message('zero.yml'), 'It is a symbolic link that points outside the repository; not read.');
    if (device) assert.equal(message('null.yml'), 'It is not a regular file; not read.');
  });
});

describe('a symlinked .github/workflows is skipped silently', () => {
  const workflow =
    'on: push\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n';

  it('a workflows folder linked inside the repository is read', async () => {
    const dir = repoWith({ 'ci/workflows/release.yml': workflow, '.github/README.md': '' });
    symlinkSync('../ci/workflows', path.join(dir, '.github/workflows'));
    const facts = await scanRepository(dir, { now: NOW });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.file, s.job, s.origin.line]),
      [['.github/workflows/release.yml', 'p', 6]],
    );
    assert.equal(facts.sources[0]!.complete, true);
  });

  it('a workflows folder, or the .github folder, linked outside makes the source incomplete, naming it', async () => {
    const outside = tempDir('trustgate-outside-');
    mkdirSync(path.join(outside, 'workflows'));
    writeFileSync(path.join(outside, 'workflows/release.yml'), workflow);
    const a = repoWith({ '.github/README.md': '' });
    symlinkSync(path.join(outside, 'workflows'), path.join(a, '.github/workflows'));
    const b = repoWith({ 'README.md': '' });
    symlinkSync(outside, path.join(b, '.github'));
    for (const [dir, reason] of [
      [a, 'is a symbolic link that points outside the repository'],
      [b, 'is reached through .github, a symbolic link that points outside the repository'],
    ] as const) {
      const facts = await scanRepository(dir, { now: NOW });
      assert.deepEqual(facts.workflows, []);
      assert.equal(facts.sources[0]!.complete, false);
      assert.deepEqual(facts.sources[0]!.errors, [
        { entity: 'file:.github/workflows', message: `It ${reason}; the workflows in it were not read.` },
      ]);
    }
  });

  it('a workflow file linked inside is read; one linked outside is an error naming it', async () => {
    const outside = tempDir('trustgate-outside-');
    writeFileSync(path.join(outside, 'out.yml'), workflow);
    const dir = repoWith({ 'ci/release.yml': workflow });
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    symlinkSync('../../ci/release.yml', path.join(dir, '.github/workflows/in.yml'));
    symlinkSync(path.join(outside, 'out.yml'), path.join(dir, '.github/workflows/out.yml'));
    const facts = await scanRepository(dir, { now: NOW });
    assert.deepEqual(
      facts.workflows!.map((s) => s.file),
      ['.github/workflows/in.yml'],
    );
    assert.deepEqual(facts.sources[0]!.errors, [
      {
        entity: 'file:.github/workflows/out.yml',
        message: 'It is a symbolic link that points outside the repository; not read.',
      },
    ]);
  });
});

describe('stack overflow from spreading large arrays into push(...)', () => {
  it('a 1 MiB .npmrc of 131,072 credential lines is scanned, every line recorded, in seconds', async () => {
    const dir = repoWith({ '.npmrc': '_auth=x\n'.repeat(131_072) });
    const start = performance.now();
    const facts = await scanRepository(dir, { now: NOW });
    const ms = performance.now() - start;
    assert.equal(facts.sources[0]!.complete, true);
    assert.equal(facts.npmrc!.length, 131_072);
    assert.deepEqual(facts.npmrc!.at(-1), {
      id: '.npmrc:131072',
      file: '.npmrc',
      registry: 'https://registry.npmjs.org/',
      key: '_auth',
      value: 'literal',
      origin: { file: '.npmrc', line: 131_072, column: 1 },
    });
    assert.ok(ms < 10_000, `the scan took ${Math.round(ms)} ms`);
  });

  it('a workflow with 131,072 secrets named in one env value, and a merge key with as many keys', async () => {
    const refs = Array.from({ length: 131_072 }, (_, i) => `\${{ secrets.S${i} }}`).join('');
    const keys = Array.from({ length: 131_072 }, (_, i) => `k${i}: 1`).join(', ');
    const dir = repoWith({
      '.github/workflows/release.yml': `on: push\nx: &big { ${keys} }\ny:\n  <<: *big\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n        env:\n          NPM_TOKEN: "${refs.slice(0, 700_000)}"\n`,
    });
    const facts = await scanRepository(dir, { now: NOW, maxFileBytes: 4 * 1024 * 1024 });
    assert.equal(facts.sources[0]!.complete, true);
    assert.equal(facts.workflows!.length, 1);
    assert.ok(facts.workflows![0]!.auth.tokenSecrets.length > 30_000);
  });

  it('duplicate keys are still an error of the file, found in linear time', async () => {
    const dir = repoWith({
      '.github/workflows/release.yml':
        'on: push\njobs:\n  p:\n    runs-on: ubuntu-latest\n    runs-on: windows-latest\n    steps:\n      - run: npm publish\n',
    });
    const facts = await scanRepository(dir, { now: NOW });
    assert.equal(facts.sources[0]!.complete, false);
    assert.deepEqual(
      facts.sources[0]!.errors!.map((e) => e.message),
      ['Invalid YAML at line 5, column 5 (Map keys must be unique); the file was not analysed.'],
    );
  });
});
