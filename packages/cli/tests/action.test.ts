/**
 * The GitHub Action as GitHub runs it: action.yml's shape and pins, and the
 * committed bundle (action/dist/index.mjs) run as a child process with the
 * inputs and environment GitHub gives it (INPUT_*, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_WORKSPACE).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { PINS } from '../src/pins.ts';
import { ROOT } from './helpers.ts';

const ENTRY = path.join(ROOT, 'action/dist/index.mjs');

const TOKEN_WORKFLOW = [
  'name: release',
  'on: { push: { tags: ["v*"] } }',
  'jobs:',
  '  publish:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: actions/checkout@v4',
  '      - run: npm publish',
  '        env:',
  '          NODE_AUTH_TOKEN: ${{ secrets.NPM_PUBLISH_TOKEN }}',
  '',
].join('\n');

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-action-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t.test', ...args], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** Runs the bundled entry point as GitHub runs a JavaScript action: inputs as INPUT_NAME-WITH-HYPHENS. */
function runAction(dir: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const output = path.join(dir, '.gh-output');
  const summary = path.join(dir, '.gh-summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const r = spawnSync(process.execPath, [ENTRY], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_EVENT_NAME: 'push',
      ...inputEnv,
      ...env,
    },
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    output: readFileSync(output, 'utf8'),
    summary: readFileSync(summary, 'utf8'),
  };
}

describe('action.yml', () => {
  const text = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
  const action = parse(text);
  const steps = action.runs.steps as {
    uses?: string;
    name?: string;
    run?: string;
    env?: Record<string, string>;
  }[];

  it('has the documented inputs, each described', () => {
    assert.deepEqual(Object.keys(action.inputs), [
      'policy',
      'fail-on',
      'sarif',
      'formats',
      'upload',
      'omit-waived',
      'plugins',
      'working-directory',
    ]);
    assert.equal(action.inputs.plugins.default, 'auto');
    for (const input of Object.values(action.inputs) as { description: string }[])
      assert.ok(input.description);
  });

  it("runs the committed bundle with the runner's Node: no setup-node, no install, no build", () => {
    assert.equal(action.runs.using, 'composite');
    assert.equal(steps[0]?.run, 'node "$GITHUB_ACTION_PATH/action/dist/index.mjs"');
    assert.ok(!steps.some((s) => s.uses?.startsWith('actions/setup-node')));
    assert.ok(!steps.some((s) => /\b(npm|npx|pnpm|yarn)\b/.test(s.run ?? '')));
    // Every input reaches the entry point through env, under the name GitHub gives JavaScript actions.
    assert.deepEqual(
      Object.keys(steps[0]?.env ?? {}),
      Object.keys(action.inputs)
        .filter((k) => k !== 'upload') // the upload step reads it
        .map((k) => `INPUT_${k.toUpperCase().replace(/-/g, '_')}`),
    );
  });

  it('never puts an input into script text (only into env)', () => {
    for (const step of steps) if (step.run) assert.doesNotMatch(step.run, /\$\{\{/);
  });

  it('pins every action it uses to a full commit, with the release in a comment, and uploads with upload-sarif v4', () => {
    const uses = [...text.matchAll(/uses: (\S+)(.*)$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(uses, [
      [`${PINS.uploadSarif.uses}@${PINS.uploadSarif.sha}`, ` # ${PINS.uploadSarif.version}`],
    ]);
    assert.match(PINS.uploadSarif.version, /^v4\./);
    assert.equal(steps.at(-1)?.name, 'Gate');
  });
});

describe('the committed action bundle', () => {
  it('equals a fresh build of this source tree', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-action.mjs'), '--check'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'action/ equals a fresh build.\n');
  });

  it('fails a repository that publishes with a token: exit-code 1 in GITHUB_OUTPUT, SARIF written, summary in Markdown', () => {
    const dir = workspace({
      '.github/workflows/release.yml': TOKEN_WORKFLOW,
      'package.json': '{"name":"x"}',
    });
    const r = runAction(dir, { 'fail-on': 'error', sarif: 'out/trustgate.sarif', plugins: 'auto' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.output, 'exit-code=1\nsarif=out/trustgate.sarif\n');
    assert.match(r.stdout, /uses the token secret NPM_PUBLISH_TOKEN/);
    const sarif = JSON.parse(readFileSync(path.join(dir, 'out/trustgate.sarif'), 'utf8'));
    assert.deepEqual(
      sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId),
      ['publish-provenance', 'trusted-publishing'],
    );
    assert.match(r.summary, /^## trustgate: 2 problem/);
  });

  it('passes a repository that publishes nothing, and honours working-directory and extra formats', () => {
    const dir = workspace({ 'pkg/package.json': '{"name":"x"}' });
    const r = runAction(dir, {
      'working-directory': 'pkg',
      sarif: 'trustgate.sarif',
      formats: 'json=report.json\n',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.output, 'exit-code=0\nsarif=pkg/trustgate.sarif\n');
    assert.ok(existsSync(path.join(dir, 'pkg/trustgate.sarif')));
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'pkg/report.json'), 'utf8')).summary.error, 0);
  });

  it('also reads inputs as a composite step passes them (INPUT_FAIL_ON)', () => {
    const dir = workspace({ '.github/workflows/release.yml': TOKEN_WORKFLOW });
    const r = runAction(dir, {}, { INPUT_FAIL_ON: 'never' });
    assert.equal(r.output, 'exit-code=0\nsarif=trustgate.sarif\n');
  });

  it('a bad input is exit 2, one sentence and an error annotation, and no exit-code output', () => {
    const dir = workspace({});
    const r = runAction(dir, { 'fail-on': 'sometimes' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'trustgate: fail-on is "sometimes"; use one of error, warning, note, never.\n');
    assert.equal(
      r.stdout,
      '::error title=trustgate::fail-on is "sometimes"; use one of error, warning, note, never.\n',
    );
    assert.equal(r.output, '');
    const missing = runAction(dir, { 'working-directory': 'nope' });
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'trustgate: working-directory "nope" does not exist in the workspace.\n');
  });

  describe('plugins: auto', () => {
    const PLUGIN = `export default { name: 'acme', rules: { 'always': { meta: { description: 'Require nothing.', collections: [], defaultLevel: 'warning', securitySeverity: 1 }, check(ctx) { ctx.report({ subject: 'repo:x', message: 'Plugin ran.' }); } } } };\n`;
    const POLICY =
      'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:repository]\nplugins: [./rules/acme.mjs]\nrules:\n  acme/always: warning\n';

    /** A repository whose main branch has the policy and plugin, and a pull request commit on top. */
    function pullRequest(change: Record<string, string>) {
      const dir = workspace({
        'trustgate.yaml': POLICY,
        'rules/acme.mjs': PLUGIN,
        'package.json': '{"name":"x"}',
      });
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'base');
      const base = git(dir, 'rev-parse', 'HEAD');
      for (const [name, text] of Object.entries(change)) writeFileSync(path.join(dir, name), text);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'pr');
      const event = path.join(dir, '.gh-event.json');
      writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: base } } }));
      return { dir, env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } };
    }

    it('loads plugins on a push', () => {
      const { dir } = pullRequest({ 'README.md': 'hi\n' });
      const r = runAction(dir, { formats: 'json=r.json' });
      assert.equal(r.output, 'exit-code=0\nsarif=trustgate.sarif\n');
      const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
      assert.deepEqual(
        report.findings.map((f: { ruleId: string }) => f.ruleId),
        ['acme/always'],
      );
    });

    it('loads plugins on a pull request that changes neither the policy nor its plugins', () => {
      const { dir, env } = pullRequest({ 'README.md': 'hi\n' });
      const r = runAction(dir, {}, env);
      assert.equal(r.output, 'exit-code=0\nsarif=trustgate.sarif\n');
      assert.doesNotMatch(r.stdout, /refused/);
    });

    it('refuses plugins on a pull request that changes a plugin (the policy then cannot load: exit-code 2)', () => {
      const { dir, env } = pullRequest({ 'rules/acme.mjs': `${PLUGIN}// changed\n` });
      const r = runAction(dir, {}, env);
      assert.match(
        r.stdout,
        /^trustgate: plugins are refused for this pull request \(--plugins none\): it changes rules\/acme\.mjs, in the folder of a local plugin\.\n/,
      );
      assert.equal(r.output, 'exit-code=2\nsarif=trustgate.sarif\n');
    });

    it('refuses plugins when the base commit cannot be found', () => {
      const { dir, env } = pullRequest({ 'README.md': 'hi\n' });
      writeFileSync(
        env.GITHUB_EVENT_PATH,
        JSON.stringify({ pull_request: { base: { sha: 'f'.repeat(40) } } }),
      );
      const r = runAction(dir, {}, env);
      assert.equal(
        r.stdout.split('\n')[0],
        'trustgate: plugins are refused for this pull request (--plugins none): its changes cannot be listed: the base commit could not be fetched.',
      );
      assert.equal(r.output, 'exit-code=2\nsarif=trustgate.sarif\n');
    });
  });
});
