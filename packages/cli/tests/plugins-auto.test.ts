/**
 * Issue #18 (8): the Action's `plugins: auto` could be bypassed. A plugin named
 * without ./ (`rules/acme.mjs`) was a package to the guard and a path to the
 * CLI, and the files a local plugin imports were not watched: both ran
 * pull-request code next to NPM_TOKEN.
 *
 * Now one rule says what a name is (`isPathSpecifier`, core) for the CLI and
 * the guard, a bare name that is not an installed package is an error, and the
 * guard decides from every file the pull request changes (see
 * packages/cli/src/policy-files.ts). The last tests run the Action's bundled
 * entry point as GitHub runs it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decide, policyFiles } from '../src/policy-files.ts';
import { ROOT, runCli } from './helpers.ts';

const posix = process.platform !== 'win32';
const ENTRY = path.join(ROOT, 'action/dist/index.mjs');
const META =
  "{ description: 'Require nothing.', docs: 'https://example.test/acme', collections: [], defaultLevel: 'error', securitySeverity: 1 }";
/** A plugin that leaves a mark when it is imported: the stand-in for code that reads NPM_TOKEN. */
const PLUGIN = `import { writeFileSync } from 'node:fs';
import { helper } from '../lib/helper.mjs';
writeFileSync(new URL('../PLUGIN-RAN', import.meta.url), helper());
export default { name: 'acme', rules: { ok: { meta: ${META}, check() {} } } };
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-plugins-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

const policy = (plugin: string) =>
  `apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:repository]\nplugins: [${plugin}]\n`;

describe('issue #18 (8): a plugin name means one thing to the CLI and to the guard', () => {
  it('the CLI refuses a bare rules/acme.mjs that is not an installed package, and runs nothing', () => {
    const dir = folder({
      'trustgate.yaml': policy('rules/acme.mjs'),
      'rules/acme.mjs': PLUGIN,
      'lib/helper.mjs': "export const helper = () => 'ran';\n",
    });
    const r = runCli(['check'], dir);
    assert.equal(
      r.stderr,
      'trustgate: trustgate.yaml:4:11: plugins[0]: Cannot find the plugin "rules/acme.mjs": it is not an installed package, and a file is named with ./ or ../ ("./rules/acme.mjs").\n',
    );
    assert.equal(r.status, 2);
    assert.ok(!existsSync(path.join(dir, 'PLUGIN-RAN')), 'the plugin did not run');
  });

  it('a bare name that is an installed package loads as that package, and the guard lists it as one', () => {
    const dir = folder({
      'trustgate.yaml': policy('rules/acme.mjs'),
      // Something to scan: an empty scan is bad input (#21).
      'package.json': '{ "name": "app", "private": true }\n',
      'node_modules/rules/package.json': '{ "name": "rules", "version": "1.0.0" }\n',
      'node_modules/rules/acme.mjs': `export default { name: 'acme', rules: { ok: { meta: ${META}, check() {} } } };\n`,
    });
    assert.equal(runCli(['check', '--format', 'json=/dev/null'], dir).status, 0);
    const found = policyFiles(path.join(dir, 'trustgate.yaml'));
    assert.deepEqual(
      [found.files, found.pluginFiles, found.packages],
      [[path.join(dir, 'trustgate.yaml')], [], ['rules/acme.mjs']],
    );
  });

  it('the guard and the CLI classify every form alike', () => {
    const dir = folder({ 'x.mjs': '' });
    const cases: [string, 'path' | 'package'][] = [
      ['./rules/acme.mjs', 'path'],
      ['../acme.mjs', 'path'],
      [path.join(dir, 'x.mjs'), 'path'],
      ['rules/acme.mjs', 'package'],
      ['acme.mjs', 'package'],
      ['@acme/rules', 'package'],
      ['@acme/rules/sub.js', 'package'],
    ];
    for (const [spec, kind] of cases) {
      write(dir, {
        'p.yaml': `apiVersion: trustgate/v1\nkind: Policy\nplugins: [${JSON.stringify(spec)}]\n`,
      });
      const found = policyFiles(path.join(dir, 'p.yaml'));
      assert.equal(found.pluginFiles.length === 1 ? 'path' : 'package', kind, spec);
    }
  });
});

describe('issue #18 (8): the guard decides from every file a pull request changes', () => {
  const dir = folder({
    'trustgate.yaml': policy('./rules/acme.mjs'),
    'rules/acme.mjs': PLUGIN,
    'rules/data.txt': 'read by the plugin\n',
    'lib/helper.mjs': "export const helper = () => 'ran';\n",
  });
  const at = (p: string) => path.join(dir, p);
  const verdict = (...changed: string[]) => decide(at('trustgate.yaml'), dir, changed);

  it('allows plugins when nothing that can run changes', () => {
    assert.deepEqual(verdict('README.md', 'docs/guide.md', '.github/workflows/ci.yml'), {
      plugins: 'all',
      reason: '',
    });
    assert.deepEqual(verdict(), { plugins: 'all', reason: '' });
  });

  it('refuses them for each kind of change', () => {
    const cases: [string, string][] = [
      ['trustgate.yaml', 'it changes trustgate.yaml, the policy or a file it extends'],
      ['rules/data.txt', 'it changes rules/data.txt, in the folder of a local plugin'],
      ['lib/helper.mjs', 'it changes lib/helper.mjs, a file Node can load as code'],
      ['src/deep/x.ts', 'it changes src/deep/x.ts, a file Node can load as code'],
      ['package.json', 'it changes package.json, a file Node can load as code'],
      ['tsconfig.json', 'it changes tsconfig.json, a file Node can load as code'],
      ['bin/tool', 'it changes bin/tool, a file Node can load as code'],
      ['.npmrc', 'it changes .npmrc, a file Node can load as code'],
      ['pnpm-lock.yaml', 'it changes pnpm-lock.yaml, which decides the packages installed'],
      ['yarn.lock', 'it changes yarn.lock, which decides the packages installed'],
      [
        'node_modules/x/README.md',
        'it changes node_modules/x/README.md, which decides the packages installed',
      ],
    ];
    for (const [changed, reason] of cases)
      assert.deepEqual(verdict('README.md', changed), { plugins: 'none', reason }, changed);
  });

  it('follows local extends, and a plugin they name', () => {
    const d = folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [./policy/base.yaml]\n',
      'policy/base.yaml': policy('../plugins/team/index.mjs'),
      'plugins/team/index.mjs': '',
      'plugins/team/notes.md': '',
    });
    const v = (c: string) => decide(path.join(d, 'trustgate.yaml'), d, [c]).plugins;
    assert.equal(v('policy/base.yaml'), 'none');
    assert.equal(v('plugins/team/notes.md'), 'none');
    assert.equal(v('plugins/other.md'), 'all');
  });

  it('refuses them when the policy cannot be read', () => {
    const d = folder({ 'trustgate.yaml': 'plugins: [./a.mjs\n' });
    assert.deepEqual(decide(path.join(d, 'trustgate.yaml'), d, ['README.md']), {
      plugins: 'none',
      reason: `${path.join(d, 'trustgate.yaml')} or a file it extends cannot be read`,
    });
  });
});

describe("issue #18 (8): the Action's entry point, in a pull request", { skip: !posix }, () => {
  /** A repository with a base commit and a pull request commit on top; returns the run of the step. */
  function pullRequest(base: Record<string, string>, change: Record<string, string>) {
    const dir = folder(base);
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
      });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@example.test', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@example.test', '-c', 'user.name=t', 'commit', '-qm', 'base');
    const sha = git('rev-parse', 'HEAD').trim();
    write(dir, change);
    git('-c', 'user.email=t@example.test', '-c', 'user.name=t', 'commit', '-qam', 'pull request');
    git('remote', 'add', 'origin', `file://${dir}`);
    const event = path.join(dir, '..', `${path.basename(dir)}-event.json`);
    writeFileSync(event, JSON.stringify({ pull_request: { base: { sha } } }));
    after(() => rmSync(event, { force: true }));
    const output = path.join(dir, '.git', 'github-output');
    const r = spawnSync(process.execPath, [ENTRY], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        NO_COLOR: '1',
        GITHUB_WORKSPACE: dir,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_OUTPUT: output,
        'INPUT_FAIL-ON': 'error',
        INPUT_SARIF: 'trustgate.sarif',
        INPUT_PLUGINS: 'auto',
        NPM_TOKEN: 'npm_secret',
      },
    });
    return { ...r, dir, exitCode: `${readFileSync(output, 'utf8').split('\n')[0]}\n` };
  }

  const BASE = {
    'trustgate.yaml': policy('./rules/acme.mjs'),
    'rules/acme.mjs': PLUGIN,
    'lib/helper.mjs': "export const helper = () => 'ran';\n",
    'README.md': 'Hello\n',
    // Something to scan: an empty scan is bad input (#21).
    'package.json': '{ "name": "app", "private": true }\n',
  };

  it('a change to a file the plugin imports, outside its folder: --plugins none, and the plugin does not run', () => {
    const r = pullRequest(BASE, {
      'lib/helper.mjs': "export const helper = () => 'PR code read ' + (process.env.NPM_TOKEN ?? '');\n",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^trustgate: plugins are refused for this pull request \(--plugins none\): it changes lib\/helper\.mjs, a file Node can load as code\.\n/,
    );
    assert.equal(r.exitCode, 'exit-code=2\n', 'the policy names a plugin, and none may load');
    assert.ok(!existsSync(path.join(r.dir, 'PLUGIN-RAN')), 'the plugin did not run');
  });

  it('a change to the plugin named without ./: refused by the guard, and by the CLI', () => {
    const r = pullRequest(
      { ...BASE, 'trustgate.yaml': policy('rules/acme.mjs') },
      { 'rules/acme.mjs': `${PLUGIN}// changed\n` },
    );
    assert.match(r.stdout, /it changes rules\/acme\.mjs, a file Node can load as code\./);
    assert.equal(r.exitCode, 'exit-code=2\n');
    assert.ok(!existsSync(path.join(r.dir, 'PLUGIN-RAN')));
  });

  it('a change to the documentation only: plugins run', () => {
    const r = pullRequest(BASE, { 'README.md': 'Hello again\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /refused/);
    assert.equal(r.exitCode, 'exit-code=0\n', r.stdout + r.stderr);
    assert.equal(readFileSync(path.join(r.dir, 'PLUGIN-RAN'), 'utf8'), 'ran');
  });
});
