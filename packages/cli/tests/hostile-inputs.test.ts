/**
 * Issue #18, "Security holes": inputs that are not what they seem, through the
 * real CLI (a child process, real files). Each test is named after its defect.
 *
 *  10. A report must never replace an input, and two reports never share a file.
 *  11. An endless file (/dev/zero) or a huge one through `extends`, `--policy`,
 *      `--facts`, `--baseline`: refused at once, never read.
 *  12. A FIFO through `extends`, `--facts` or a policy test: refused at once,
 *      never waited on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

const posix = process.platform !== 'win32';
const FACTS = readFileSync(path.join(ROOT, 'examples/acme/facts.json'), 'utf8');
const POLICY = 'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\n';

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-hostile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs the CLI, which must end by itself within a few seconds: nothing may hang. */
function run(args: string[], cwd: string) {
  const started = Date.now();
  const r = runCli(args, cwd);
  assert.equal(r.signal, null, `the CLI was killed (${r.signal}): it hung`);
  assert.ok(Date.now() - started < 15_000, 'the CLI took too long');
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  return r;
}

describe('issue #18 (11): an endless or huge input file is refused, never read', { skip: !posix }, () => {
  it('/dev/zero through extends', () => {
    const dir = folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [./base.yaml]\n',
      'facts.json': FACTS,
    });
    symlinkSync('/dev/zero', path.join(dir, 'base.yaml'));
    const r = run(['check', '--facts', 'facts.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: base.yaml: Cannot read the policy (trustgate.yaml:3:11 extends it): it is a character device, not a regular file.\n',
    );
    assert.equal(r.status, 2);
  });

  it('/dev/zero named directly by extends', () => {
    const dir = folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [/dev/zero]\n',
      'facts.json': FACTS,
    });
    const r = run(['check', '--facts', 'facts.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: /dev/zero: Cannot read the policy (trustgate.yaml:3:11 extends it): it is a character device, not a regular file.\n',
    );
    assert.equal(r.status, 2);
  });

  it('/dev/zero as --policy', () => {
    const dir = folder({ 'facts.json': FACTS });
    const r = run(['check', '--policy', '/dev/zero', '--facts', 'facts.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: /dev/zero: Cannot read the policy: it is a character device, not a regular file.\n',
    );
    assert.equal(r.status, 2);
  });

  it('/dev/zero as --facts, also behind a link', () => {
    const dir = folder({ 'trustgate.yaml': POLICY });
    symlinkSync('/dev/zero', path.join(dir, 'facts.json'));
    for (const facts of ['/dev/zero', 'facts.json']) {
      const r = run(['check', '--facts', facts], dir);
      assert.equal(
        r.stderr,
        `trustgate: ${facts}: Cannot read facts: it is a character device, not a regular file.\n`,
      );
      assert.equal(r.status, 2);
    }
  });

  it('/dev/zero as --baseline', () => {
    const dir = folder({ 'trustgate.yaml': POLICY, 'facts.json': FACTS });
    const r = run(
      ['check', '--facts', 'facts.json', '--baseline', '/dev/zero', '--format', 'json=out.json'],
      dir,
    );
    assert.equal(
      r.stderr,
      'trustgate: /dev/zero: Cannot read the baseline report: it is a character device, not a regular file.\n',
    );
    assert.equal(r.status, 2);
    assert.deepEqual(readdirSync(dir).sort(), ['facts.json', 'trustgate.yaml'], 'no report written');
  });

  it('a policy over 1 MiB', () => {
    const dir = folder({
      'trustgate.yaml': `${POLICY}${'#'.repeat(1024 * 1024)}\n`,
      'facts.json': FACTS,
    });
    const r = run(['check', '--facts', 'facts.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: trustgate.yaml: Cannot read the policy: it is larger than the limit of 1 MiB.\n',
    );
    assert.equal(r.status, 2);
  });

  it('a facts file over 500 MiB (sparse: refused by its size, not read)', () => {
    const dir = folder({ 'trustgate.yaml': POLICY, 'huge.json': '' });
    truncateSync(path.join(dir, 'huge.json'), 501 * 1024 * 1024);
    const r = run(['check', '--facts', 'huge.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: huge.json: Cannot read facts: it is larger than the limit of 500 MiB.\n',
    );
    assert.equal(r.status, 2);
  });
});

describe('issue #18 (12): a FIFO is refused at once, never waited on', { skip: !posix }, () => {
  const fifo = (dir: string, name: string) => execFileSync('mkfifo', [path.join(dir, name)]);

  it('a FIFO through extends', () => {
    const dir = folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [./pipe.yaml]\n',
      'facts.json': FACTS,
    });
    fifo(dir, 'pipe.yaml');
    const r = run(['check', '--facts', 'facts.json'], dir);
    assert.equal(
      r.stderr,
      'trustgate: pipe.yaml: Cannot read the policy (trustgate.yaml:3:11 extends it): it is a FIFO, not a regular file.\n',
    );
    assert.equal(r.status, 2);
  });

  it('a FIFO as --facts', () => {
    const dir = folder({ 'trustgate.yaml': POLICY });
    fifo(dir, 'pipe.json');
    const r = run(['check', '--facts', 'pipe.json'], dir);
    assert.equal(r.stderr, 'trustgate: pipe.json: Cannot read facts: it is a FIFO, not a regular file.\n');
    assert.equal(r.status, 2);
  });

  it('a FIFO as a policy test file', () => {
    const dir = folder();
    fifo(dir, 'pipe.test.yaml');
    const r = run(['test', 'pipe.test.yaml'], dir);
    assert.equal(
      r.stderr,
      'trustgate: pipe.test.yaml: Cannot read the policy test file: it is a FIFO, not a regular file.\n',
    );
    assert.equal(r.status, 2);
  });
});

describe('issue #18 (10): a report never replaces an input', () => {
  const check = (dir: string, ...extra: string[]) =>
    run(['check', '--policy', 'trustgate.yaml', '--facts', 'facts.json', ...extra], dir);
  const unchanged = (dir: string) => {
    assert.equal(readFileSync(path.join(dir, 'facts.json'), 'utf8'), FACTS);
    assert.equal(
      readFileSync(path.join(dir, 'trustgate.yaml'), 'utf8'),
      'apiVersion: trustgate/v1\nkind: Policy\nextends: [./base.yaml]\n',
    );
    assert.equal(readFileSync(path.join(dir, 'base.yaml'), 'utf8'), POLICY);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
  };
  const setup = () =>
    folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [./base.yaml]\n',
      'base.yaml': POLICY,
      'facts.json': FACTS,
    });

  it('--format json=POLICY', () => {
    const dir = setup();
    const r = check(dir, '--format', 'json=trustgate.yaml');
    assert.equal(
      r.stderr,
      'trustgate: --format json=trustgate.yaml would replace the policy file trustgate.yaml, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    unchanged(dir);
  });

  it('--format text=FACTS', () => {
    const dir = setup();
    const r = check(dir, '--format', 'text=facts.json');
    assert.equal(
      r.stderr,
      'trustgate: --format text=facts.json would replace the facts file facts.json, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    unchanged(dir);
  });

  it('--format sarif=EXTENDED-POLICY, by another path to it', () => {
    const dir = setup();
    const r = check(dir, '--format', `sarif=${path.join(dir, 'x', '..', 'base.yaml')}`);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /^trustgate: --format sarif=.* would replace the policy file base\.yaml, which this run reads; write the report to another file\.\n$/,
    );
    unchanged(dir);
  });

  it('--format json=LINK where the link leads to the facts', { skip: !posix }, () => {
    const dir = setup();
    symlinkSync('facts.json', path.join(dir, 'report.json'));
    const r = check(dir, '--format', 'json=report.json');
    assert.equal(
      r.stderr,
      'trustgate: --format json=report.json would replace the facts file facts.json, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    unchanged(dir);
  });

  it('--format junit=HARDLINK of the policy', () => {
    const dir = setup();
    linkSync(path.join(dir, 'trustgate.yaml'), path.join(dir, 'report.xml'));
    const r = check(dir, '--format', 'junit=report.xml');
    assert.equal(
      r.stderr,
      'trustgate: --format junit=report.xml would replace the policy file trustgate.yaml, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    unchanged(dir);
  });

  it('--format json=BASELINE', () => {
    const dir = setup();
    assert.equal(check(dir, '--format', 'json=baseline.json').status, 1);
    const r = check(dir, '--baseline', 'baseline.json', '--format', 'json=baseline.json');
    assert.equal(
      r.stderr,
      'trustgate: --format json=baseline.json would replace the baseline report baseline.json, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    unchanged(dir);
  });

  it('two formats to one file', () => {
    const dir = setup();
    const r = check(dir, '--format', 'json=out.json', '--format', 'sarif=./out.json');
    assert.equal(
      r.stderr,
      'trustgate: --format json=out.json and --format sarif=./out.json write to the same file; give each format a file of its own.\n',
    );
    assert.equal(r.status, 2);
    assert.ok(!readdirSync(dir).includes('out.json'));
  });

  it('two formats to /dev/null are fine: a device is written in place', { skip: !posix }, () => {
    const dir = setup();
    const r = check(dir, '--format', 'json=/dev/null', '--format', 'sarif=/dev/null');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1);
  });
});

describe('issue #18 (17): control characters in facts reach no output raw, through the CLI', () => {
  const ESC = '\x1b';
  const file = `.github/workflows/x\n::error::pwned${ESC}[31m.yml`;
  const facts = JSON.parse(FACTS);
  facts.workflows.push({
    id: `${file}#rel\u202eesae/1`,
    file,
    provider: 'github',
    registry: 'https://registry.npmjs.org/',
    job: `rel\u202eesae${ESC}]0;title\x07`,
    tool: 'npm',
    command: 'npm publish',
    auth: { oidc: false, tokenSecrets: ['NPM_TOKEN'], tokenEnv: ['NODE_AUTH_TOKEN'] },
    provenance: false,
    origin: { file, line: 7, column: 9 },
  });
  const dir = folder({ 'trustgate.yaml': POLICY, 'facts.json': JSON.stringify(facts) });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what the test looks for.
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('text, github and markdown: escaped, one line each, no line starting with "::" but the annotations', () => {
    for (const format of ['text', 'github', 'markdown']) {
      const r = run(['check', '--facts', 'facts.json', '--format', format], dir);
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stdout, RAW, format);
      const lines = r.stdout.split('\n');
      const commands = lines.filter((l) => l.trimStart().startsWith('::'));
      if (format === 'github') assert.ok(commands.every((l) => /^::(error|warning|notice) file=/.test(l)));
      else assert.deepEqual(commands, [], format);
      // Markdown escapes the backslash of the escape once more: it renders as \n.
      const shown =
        format === 'markdown' ? '\\\\n::error::pwned\\\\x1b[31m.yml' : '\\n::error::pwned\\x1b[31m.yml';
      assert.ok(r.stdout.includes(shown), `${format} shows the file name escaped:\n${r.stdout}`);
    }
    const text = run(['check', '--facts', 'facts.json', '--format', 'text'], dir).stdout;
    assert.ok(text.includes('           at .github/workflows/x\\n::error::pwned\\x1b[31m.yml:7:9\n'), text);
    assert.ok(text.includes('job "rel\\u202eesae\\x1b]0;title\\x07"'), text);
  });
});

describe('issue #18 (10): nor the code of a local plugin', () => {
  it('--format json=PLUGIN', () => {
    const plugin =
      "export default { name: 'acme', rules: { ok: { meta: { description: 'Require nothing.', docs: 'https://example.test/acme', collections: [], defaultLevel: 'error', securitySeverity: 1 }, check() {} } } };\n";
    const dir = folder({
      'trustgate.yaml': `${POLICY}plugins: [./acme.mjs]\n`,
      'acme.mjs': plugin,
      'facts.json': FACTS,
    });
    const r = run(['check', '--facts', 'facts.json', '--format', 'json=acme.mjs'], dir);
    assert.equal(
      r.stderr,
      'trustgate: --format json=acme.mjs would replace the plugin acme.mjs, which this run reads; write the report to another file.\n',
    );
    assert.equal(r.status, 2);
    assert.equal(readFileSync(path.join(dir, 'acme.mjs'), 'utf8'), plugin);
  });
});
