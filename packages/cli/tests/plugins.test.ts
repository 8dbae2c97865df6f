/**
 * `--plugins LIST` allows files, not specifier text: a path in the list is
 * resolved from the working directory, a plugin from the folder of the policy
 * that names it, and they must be the same real file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';
const PLUGIN = `export default { name: 'acme', rules: { owner: { meta: { description: 'Tokens have owners.', docs: 'https://example.test/owner', collections: ['tokens'], defaultLevel: 'error', securitySeverity: 5 }, check(ctx) { for (const t of ctx.facts.tokens) if (!t.owner) ctx.report({ subject: 'token:' + t.id, message: 'No owner.' }); } } } };\n`;
// What a pull request could add: a file under a subfolder with the allowed specifier's text.
const INTRUDER = `process.stderr.write('INTRUDER RAN\\n');\nexport default { name: 'acme', rules: {} };\n`;

function repo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-plugins-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'plugin/acme.mjs': PLUGIN,
    'sub/plugin/acme.mjs': INTRUDER,
    'sub/team.yaml': `${HEAD}plugins: [./plugin/acme.mjs]\nrules: { acme/owner: error }\n`,
    'bypass.yaml': `${HEAD}extends: [./sub/team.yaml]\n`,
    'trustgate.yaml': `${HEAD}plugins: [./plugin/acme.mjs]\nrules: { acme/owner: error }\n`,
    'linked.yaml': `${HEAD}plugins: [./link.mjs]\nrules: { acme/owner: error }\n`,
    'facts.json': JSON.stringify({
      schemaVersion: 1,
      collectedAt: '2026-11-28T00:00:00Z',
      sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
      tokens: [{ id: 't1', kind: 'granular', access: 'write', created: null, expires: null }],
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  symlinkSync(path.join(dir, 'plugin/acme.mjs'), path.join(dir, 'link.mjs'));
  return dir;
}

describe('check --plugins LIST', () => {
  it('refuses a subfolder policy plugin that only reads like the allowed one, and runs none of it', () => {
    const dir = repo();
    const r = runCli(
      ['check', '--policy', 'bypass.yaml', '--facts', 'facts.json', '--plugins', './plugin/acme.mjs'],
      dir,
    );
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'trustgate: sub/team.yaml:3:11: plugins[0]: The plugin "./plugin/acme.mjs" is sub/plugin/acme.mjs, which --plugins does not allow (it allows plugin/acme.mjs); to run it, add ./sub/plugin/acme.mjs to --plugins.\n',
    );
  });

  it('runs the plugin meant, named directly or through a link, and reads the list from the working directory', () => {
    const dir = repo();
    for (const [cwd, policy, allow] of [
      [dir, 'trustgate.yaml', './plugin/acme.mjs'],
      [dir, 'linked.yaml', './plugin/acme.mjs'],
      [dir, 'trustgate.yaml', './link.mjs'],
      [path.join(dir, 'sub'), '../trustgate.yaml', '../plugin/acme.mjs'],
    ] as const) {
      const r = runCli(
        [
          'check',
          '--policy',
          policy,
          '--facts',
          path.join(dir, 'facts.json'),
          '--plugins',
          allow,
          '--format',
          'json',
        ],
        cwd,
      );
      assert.equal(r.stderr, '', `${policy} with ${allow}`);
      assert.equal(r.status, 1);
      const report = JSON.parse(r.stdout) as { findings: { ruleId: string; subject: string }[] };
      assert.deepEqual(
        report.findings.map((f) => [f.ruleId, f.subject]),
        [['acme/owner', 'token:t1']],
      );
    }
    // From the subfolder, ./plugin/acme.mjs is the subfolder's file: the root policy's plugin is refused.
    const r = runCli(
      [
        'check',
        '--policy',
        '../trustgate.yaml',
        '--facts',
        '../facts.json',
        '--plugins',
        './plugin/acme.mjs',
      ],
      path.join(dir, 'sub'),
    );
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /The plugin "\.\/plugin\/acme\.mjs" is .*plugin\/acme\.mjs, which --plugins does not allow/,
    );
    assert.doesNotMatch(r.stderr, /INTRUDER/);
  });
});
