/**
 * `trustgate fix`: golden before/after fixtures (fix-fixtures/NAME/{before,after,expect.json}),
 * each checked for the exact edit, a clean rescan through the real trusted-publishing rule,
 * a YAML that still parses, and idempotence; then the CLI end to end.
 */
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { scanRepository } from '@trustgate/collectors';
import { runRule } from '@trustgate/core/testing';
import { fileReplacements, planFixes } from '@trustgate/fix';
import { rules } from '@trustgate/rules';
import { parseDocument } from 'yaml';
import { runCli } from './helpers.ts';

const FIXTURES = new URL('fix-fixtures/', import.meta.url);
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A fixture's `before` tree in a fresh folder (`dot-git` becomes `.git`: git cannot track a `.git`). */
function checkout(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `trustgate-fix-${name}-`));
  temps.push(dir);
  cpSync(new URL(`${name}/before`, FIXTURES), dir, { recursive: true });
  if (existsSync(path.join(dir, 'dot-git'))) renameSync(path.join(dir, 'dot-git'), path.join(dir, '.git'));
  return dir;
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

/** An npm-token-shaped value made at run time (none is committed, so no secret scanner flags the tests). */
function fakeToken(seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = seed;
  let out = 'npm_';
  for (let i = 0; i < 36; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[s % alphabet.length];
  }
  return out;
}

describe('trustgate fix: golden fixtures', () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    it(name, async () => {
      const dir = checkout(name);
      const expected = JSON.parse(readFileSync(new URL(`${name}/expect.json`, FIXTURES), 'utf8'));
      const plan = await planFixes(dir);
      assert.deepEqual(
        {
          files: plan.files.map((f) => ({
            file: f.file,
            status: f.status,
            steps: f.steps,
            reasons: f.reasons,
            notes: f.notes,
            trust: f.trust,
          })),
          repository: plan.repository,
        },
        expected,
      );
      for (const f of plan.files) {
        const golden = new URL(`${name}/after/${f.file}`, FIXTURES);
        if (f.status === 'refused') {
          assert.equal(existsSync(golden), false, `${f.file} is refused but has a golden`);
          assert.equal(f.after, f.before, 'a refused file is left as it is');
          assert.deepEqual(fileReplacements(f), []);
          continue;
        }
        assert.equal(f.after, readFileSync(golden, 'utf8'), `${f.file} differs from its golden`);
        assert.deepEqual(parseDocument(f.after).errors, [], 'the edited file still parses');
        writeFileSync(path.join(dir, f.file), f.after);
      }
      const fixed = plan.files.filter((f) => f.status === 'fixed');
      if (fixed.length === 0) return;

      // Rescan: every publishing step of the fixed files passes trusted-publishing, none was lost.
      const facts = await scanRepository(dir);
      const steps = facts.workflows!.filter((s) => fixed.some((f) => f.file === s.file));
      assert.ok(steps.length >= fixed.reduce((n, f) => n + f.steps.length, 0));
      const findings = await runRule(rules['trusted-publishing']!, {
        name,
        facts: { workflows: steps },
        options: { scope: ['workflows'] },
      });
      assert.deepEqual(
        findings.map((x) => x.message),
        [],
      );
      // Idempotent: a second run has nothing to change in these files.
      const again = await planFixes(dir);
      assert.deepEqual(
        again.files.filter((f) => fixed.some((x) => x.file === f.file)),
        [],
      );
    });
  }
});

describe('trustgate fix: mangled workflows', () => {
  it('never throws, and whatever it fixes parses, rescans clean and stays fixed', async () => {
    let seed = 20261128;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let fixed = 0;
    let refused = 0;
    for (const name of readdirSync(FIXTURES).sort()) {
      for (let round = 0; round < 12; round++) {
        const dir = checkout(name);
        const ci = existsSync(path.join(dir, '.gitlab-ci.yml'))
          ? '.gitlab-ci.yml'
          : path.join('.github/workflows', readdirSync(path.join(dir, '.github/workflows'))[0]!);
        const lines = read(dir, ci).split('\n');
        const at = Math.floor(random() * lines.length);
        const mangle = Math.floor(random() * 4);
        if (mangle === 0) lines.splice(at, 1);
        else if (mangle === 1) lines.splice(at, 0, lines[at] ?? '');
        else if (mangle === 2) lines[at] = ` ${lines[at]}`;
        else lines[at] = `${lines[at]} # note`;
        writeFileSync(path.join(dir, ci), lines.join('\n'));
        const plan = await planFixes(dir);
        for (const f of plan.files) {
          if (f.status === 'refused') {
            refused++;
            assert.equal(f.after, f.before);
            assert.ok(
              f.reasons.length > 0 && f.reasons.every((r) => /^[^:]+:\d+: \S/.test(r)),
              f.reasons.join(),
            );
            continue;
          }
          fixed++;
          assert.deepEqual(parseDocument(f.after).errors, [], `${name}: the fixed file parses`);
          writeFileSync(path.join(dir, f.file), f.after);
          const again = await planFixes(dir);
          assert.deepEqual(
            again.files.filter((x) => x.file === f.file),
            [],
            `${name} round ${round}: a second run has nothing left to do`,
          );
        }
      }
    }
    assert.ok(fixed > 50 && refused > 20, `fixed ${fixed}, refused ${refused}`);
  });
});

describe('trustgate fix: the edit is carried over line by line', () => {
  it('keeps lines the YAML parser would rewrite (flow padding, comment spacing) and touches only its own', async () => {
    const dir = checkout('pnpm-job-env');
    const [f] = (await planFixes(dir)).files;
    // The parser writes `contents: write # tags…` and `[ published ]`; the file keeps its own spelling.
    assert.match(f!.after, /contents: write {3}# tags the release\n/);
    assert.match(f!.after, /types: \[published\]\n/);
    assert.deepEqual(
      fileReplacements(f!).map((r) => [r.startLine, r.endLine, r.text]),
      [
        [11, 11, '      id-token: write\n'],
        [12, 12, ''],
        [
          22,
          22,
          '      - name: Use npm 11.5.1 or later for trusted publishing\n        run: npm install --global npm@^11.5.1\n',
        ],
      ],
    );
  });
});

describe('trustgate fix: CLI', () => {
  const widgetsDiff = readFileSync(
    new URL('npm-step-env/after/.github/workflows/release.yml', FIXTURES),
    'utf8',
  );

  it('prints the diff and the registry checklist, and writes nothing (dry run is the default)', () => {
    const dir = checkout('npm-step-env');
    const before = read(dir, '.github/workflows/release.yml');
    const r = runCli(['fix'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      `--- a/.github/workflows/release.yml
+++ b/.github/workflows/release.yml
@@ -14,15 +14,16 @@
   publish:
     needs: [test]
     runs-on: ubuntu-latest
+    permissions:
+      contents: read
+      id-token: write
     environment: npm
     steps:
       - uses: actions/checkout@v4
       # Node for the build
       - uses: actions/setup-node@v4
         with:
-          node-version: 20
+          node-version: 24
           registry-url: https://registry.npmjs.org
       - run: npm ci
       - run: npm publish --access public
-        env:
-          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}

trustgate fix: 1 file would change (dry run: nothing was written; apply with --write).
  .github/workflows/release.yml: job "publish" (1 publishing step)

Review before merging:
  - .github/workflows/release.yml: job "publish" had no permissions block and ran with the repository's default token permissions; it now has exactly contents: read, id-token: write. Add any other permission the job needs.
  - .github/workflows/release.yml: job "publish" now sets up Node 24 (it was 20): trusted publishing needs npm 11.5.1 or later on Node 22.14 or later.

On npmjs.com (each package → Settings → Trusted publisher), or with \`npm trust\` (npm 11.10 or later):
  Job "publish" in .github/workflows/release.yml:
    Publisher:            GitHub Actions
    Organization or user: acme
    Repository:           widgets
    Workflow filename:    release.yml
    Environment name:     npm
    Packages:             @acme/widgets
    $ npm trust github @acme/widgets --repository acme/widgets --file release.yml --environment npm
  After the first publish through OIDC:
    - delete the secret NPM_TOKEN (GitHub: Settings → Secrets and variables → Actions) and revoke the npm token behind it;
    - set each package to "Require two-factor authentication and disallow tokens": npm access set mfa=publish @acme/widgets.
`,
    );
    assert.equal(read(dir, '.github/workflows/release.yml'), before);
  });

  it('--write applies the edit; check then passes the step as trusted publishing', () => {
    const dir = checkout('npm-step-env');
    const policy =
      'apiVersion: trustgate/v1\nkind: Policy\nrules:\n  trusted-publishing:\n    level: error\n    options:\n      scope: [workflows]\n';
    writeFileSync(path.join(dir, 'trustgate.yaml'), policy);
    const before = runCli(['check', '--format', 'json'], dir);
    assert.equal(before.status, 1);
    assert.deepEqual(
      JSON.parse(before.stdout).findings.map((f: { subject: string; location: { line: number } }) => [
        f.subject,
        f.location.line,
      ]),
      [['workflow:.github/workflows/release.yml#publish/3', 26]],
    );
    const w = runCli(['fix', '--write'], dir);
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stdout, /^trustgate fix: wrote 1 file\.\n/);
    assert.equal(read(dir, '.github/workflows/release.yml'), widgetsDiff);
    const after = runCli(['check', '--format', 'json'], dir);
    assert.equal(after.status, 0, after.stdout);
    assert.deepEqual(JSON.parse(after.stdout).findings, []);
    const again = runCli(['fix', '--write'], dir);
    assert.equal(again.status, 0);
    assert.equal(
      again.stdout,
      'trustgate fix: no publishing step needs moving to trusted publishing; nothing to do.\n',
    );
    assert.equal(read(dir, '.github/workflows/release.yml'), widgetsDiff);
  });

  it('check attaches the same edit to the findings it resolves, as SARIF fixes', () => {
    const dir = checkout('npm-step-env');
    const before = read(dir, '.github/workflows/release.yml');
    const r = runCli(['check', '--format', 'sarif'], dir);
    assert.equal(r.status, 1, r.stderr);
    const results = JSON.parse(r.stdout).runs[0].results as {
      ruleId: string;
      fixes?: {
        description: { text: string };
        artifactChanges: {
          artifactLocation: { uri: string };
          replacements: {
            deletedRegion: { charOffset: number; charLength: number };
            insertedContent?: { text: string };
          }[];
        }[];
      }[];
    }[];
    assert.deepEqual(
      results.map((x) => [x.ruleId, x.fixes?.length ?? 0]),
      [
        ['publish-provenance', 1],
        ['trusted-publishing', 1],
      ],
    );
    const [fix] = results[1]!.fixes!;
    assert.equal(
      fix!.description.text,
      'Move .github/workflows/release.yml to trusted publishing (trustgate fix): id-token: write, no npm token, npm 11.5.1 or later.',
    );
    assert.deepEqual(results[1]!.fixes, results[0]!.fixes);
    const [change] = fix!.artifactChanges;
    assert.equal(change!.artifactLocation.uri, '.github/workflows/release.yml');
    // Applied from the end, the replacements turn the file into exactly what fix --write writes.
    let text = before;
    for (const rep of [...change!.replacements].reverse()) {
      const { charOffset, charLength } = rep.deletedRegion;
      text =
        text.slice(0, charOffset) + (rep.insertedContent?.text ?? '') + text.slice(charOffset + charLength);
    }
    assert.equal(text, widgetsDiff);
  });

  it('--write through a workflow that is a link writes the file it points to, and keeps the link', () => {
    const dir = checkout('npm-step-env');
    const real = path.join(dir, 'ci', 'release.yml');
    mkdirSync(path.dirname(real));
    renameSync(path.join(dir, '.github/workflows/release.yml'), real);
    symlinkSync('../../ci/release.yml', path.join(dir, '.github/workflows/release.yml'));
    const r = runCli(['fix', '--write'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(lstatSync(path.join(dir, '.github/workflows/release.yml')).isSymbolicLink());
    assert.equal(readFileSync(real, 'utf8'), widgetsDiff);
  });

  it('reads and writes outside the repository through a symlinked folder: fix --write leaves the file outside as it is, says so, and exits 1', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'trustgate-fix-outside-'));
    temps.push(outside);
    const job =
      'publish:\n  image: node:24\n  script:\n    - npm publish\n  variables:\n    NPM_TOKEN: $NPM_TOKEN\n';
    writeFileSync(path.join(outside, 'publish.yml'), job);
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-fix-include-'));
    temps.push(dir);
    writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'include:\n  - local: ci/publish.yml\n');
    writeFileSync(path.join(dir, 'package.json'), '{"name":"x","repository":"https://gitlab.com/acme/x"}');
    symlinkSync(outside, path.join(dir, 'ci'));
    for (const args of [
      ['fix', '--write'],
      ['fix', '--format', 'json', '--write'],
    ]) {
      const r = runCli(args, dir);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, '');
      if (args.includes('json'))
        assert.deepEqual(JSON.parse(r.stdout).unchecked, [
          {
            entity: 'file:ci/publish.yml',
            message:
              'It is included at .gitlab-ci.yml:2 and is reached through ci, a symbolic link that points outside the repository; not read, so the jobs defined there were not checked.',
          },
        ]);
      else
        assert.equal(
          r.stdout,
          `trustgate fix: no publishing step needs moving to trusted publishing in the files that could be read.

Not checked (the scan could not read these, so publishing steps in them were not looked at):
  - ci/publish.yml: It is included at .gitlab-ci.yml:2 and is reached through ci, a symbolic link that points outside the repository; not read, so the jobs defined there were not checked.
`,
        );
    }
    assert.equal(readFileSync(path.join(outside, 'publish.yml'), 'utf8'), job);
    // check fails closed on the same repository: the workflows source is incomplete.
    const check = runCli(['check', '--format', 'json'], dir);
    assert.equal(check.status, 1, check.stderr);
    const report = JSON.parse(check.stdout);
    assert.ok(report.findings.some((f: { indeterminate?: boolean }) => f.indeterminate));
  });

  it('one trusted publisher per workflow file and environment; a package published from two is pointed out', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-fix-two-'));
    temps.push(dir);
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      '{"name":"twice","version":"1.0.0","repository":"github:acme/twice"}',
    );
    const job = (name: string) =>
      `  ${name}:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 24\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}\n`;
    writeFileSync(
      path.join(dir, '.github/workflows/release.yml'),
      `on: push\njobs:\n${job('stable')}${job('next')}`,
    );
    writeFileSync(path.join(dir, '.github/workflows/canary.yml'), `on: push\njobs:\n${job('canary')}`);
    const r = runCli(['fix'], dir);
    assert.equal(r.status, 0, r.stderr);
    const checklist = r.stdout.slice(r.stdout.indexOf('On npmjs.com'));
    assert.deepEqual(
      checklist.split('\n').filter((l) => /^ {2}\S/.test(l)),
      [
        '  Job "canary" in .github/workflows/canary.yml:',
        '  Jobs "stable", "next" in .github/workflows/release.yml:',
        '  twice is published by more than one workflow or environment: add a trusted publisher for each of them.',
        '  After the first publish through OIDC:',
      ],
    );
  });

  it('refuses an unsafe file with its reason, exit 1, and leaves it untouched even with --write', () => {
    const dir = checkout('self-hosted');
    const before = read(dir, '.github/workflows/release.yml');
    const r = runCli(['fix', '--write'], dir);
    assert.equal(r.status, 1);
    assert.equal(
      r.stdout,
      `Not fixed (these files were left as they are):
  - .github/workflows/release.yml:4: Job "publish" runs on a self-hosted runner (runs-on: self-hosted, linux), which npm trusted publishing does not support (GitHub-hosted runners only).
`,
    );
    assert.equal(read(dir, '.github/workflows/release.yml'), before);
  });

  it('--format json gives the diff, the reasons and the trusted publishers', () => {
    const dir = checkout('gitlab');
    const r = runCli(['fix', '--format', 'json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.written, false);
    assert.deepEqual(out.repository, {
      host: 'gitlab',
      path: 'acme/tools/gl-lib',
      from: 'package.json "repository"',
    });
    assert.equal(out.files[0].status, 'fixed');
    assert.match(out.files[0].diff, /^--- a\/\.gitlab-ci\.yml\n\+\+\+ b\/\.gitlab-ci\.yml\n/);
    assert.deepEqual(out.trustedPublishers, [
      {
        provider: 'gitlab',
        jobs: ['publish'],
        file: '.gitlab-ci.yml',
        fields: [
          ['Publisher', 'GitLab CI/CD'],
          ['Namespace', 'acme/tools'],
          ['Project name', 'gl-lib'],
          ['Top-level CI file path', '.gitlab-ci.yml'],
          ['Environment', 'npm'],
        ],
        packages: ['gl-lib'],
        commands: [
          'npm trust gitlab gl-lib --project acme/tools/gl-lib --file .gitlab-ci.yml --environment npm',
        ],
        secrets: ['NPM_PUBLISH_TOKEN'],
      },
    ]);
  });

  it('rejects bad arguments with one sentence and exit 2', () => {
    const dir = checkout('npm-step-env');
    const cases: [string[], string][] = [
      [['fix', '--dry-run', '--write'], '--dry-run and --write contradict each other; give one.'],
      [
        ['fix', '--rule', 'publish-provenance'],
        'Rule "publish-provenance" has no automatic fix; rules with fixes: trusted-publishing.',
      ],
      [
        ['fix', '--rule', 'trusted-publishng'],
        'Unknown rule "trusted-publishng" in --rule. Did you mean "trusted-publishing"?',
      ],
      [['fix', '--format', 'sarif'], 'Unknown format "sarif" for trustgate fix; use text or json.'],
      [['fix', '--repo', 'nope'], 'nope: Cannot scan: it is not a readable folder.'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, dir);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr, `trustgate: ${message}\n`);
      assert.equal(r.stdout, '');
    }
  });

  it('never prints a committed token: the diff masks it, and the checklist says to revoke it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-fix-leak-'));
    temps.push(dir);
    const token = fakeToken(1);
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"leaky","version":"1.0.0"}');
    writeFileSync(
      path.join(dir, '.github/workflows/release.yml'),
      `on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 24\n      - run: echo "//registry.npmjs.org/:_authToken=${token}" > ~/.npmrc\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${token}\n`,
    );
    for (const args of [['fix'], ['fix', '--format', 'json'], ['fix', '--write']]) {
      const r = runCli(args, dir);
      assert.equal(r.status, 0, r.stderr);
      for (const out of [r.stdout, r.stderr]) {
        assert.ok(!out.includes(token.slice(4, 16)), `${args.join(' ')} printed the token`);
      }
    }
    const written = read(dir, '.github/workflows/release.yml');
    assert.ok(!written.includes(token.slice(4, 16)), 'the token is gone from the workflow');
    const r = runCli(['fix'], dir);
    assert.equal(r.status, 0);
  });

  it('masks a committed token in the diff and tells to revoke it', () => {
    const dir = checkout('npm-step-env');
    const file = path.join(dir, '.github/workflows/release.yml');
    const token = fakeToken(2);
    writeFileSync(file, readFileSync(file, 'utf8').replace('${{ secrets.NPM_TOKEN }}', token));
    const r = runCli(['fix', '--format', 'json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(token.slice(4, 16)));
    const out = JSON.parse(r.stdout);
    assert.match(out.files[0].diff, /^- {10}NODE_AUTH_TOKEN: \*\*\*$/m);
    assert.equal(
      out.files[0].notes.at(-1),
      '.github/workflows/release.yml: job "publish" had a token written in the workflow (NODE_AUTH_TOKEN, line 28); it stays in the git history: revoke it on npmjs.com.',
    );
    assert.deepEqual(out.trustedPublishers[0].secrets, []);
  });
});
