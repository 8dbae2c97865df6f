/**
 * Issue #21: fail closed at the edges, and the rough edges a new user hits. Each case runs the
 * built CLI (or the Action's committed entry point) as a child process on real files, and pins
 * the exact sentence and exit code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, ROOT, runCli, runCliAsync } from './helpers.ts';

const ENTRY = path.join(ROOT, 'action/dist/index.mjs');

/** A temporary folder holding `files`; removed after the tests. */
function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-edges-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const TOKEN_WORKFLOW = `name: Release
on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
`;

const EMPTY =
  'trustgate: Found no CI configuration and no package.json in the current folder, so nothing was checked; run trustgate in a repository, or pass --allow-empty to accept an empty scan.\n';

describe('#21 nothing scanned is not a pass', () => {
  it('check in an empty folder exits 2 with one sentence; --allow-empty accepts it', () => {
    const dir = folder();
    const r = runCli(['check'], dir);
    assert.equal(r.stderr, EMPTY);
    assert.equal(r.stdout, '');
    assert.equal(r.status, 2);
    const allowed = runCli(['check', '--allow-empty'], dir);
    assert.equal(allowed.stdout, '✔ No problems.\n');
    assert.equal(allowed.status, 0);
  });

  it('collect in an empty folder exits 2 too, and writes no facts', () => {
    const dir = folder();
    const r = runCli(['collect', '-o', 'facts.json'], dir);
    assert.equal(r.stderr, EMPTY);
    assert.equal(r.status, 2);
    assert.throws(() => readFileSync(path.join(dir, 'facts.json')), { code: 'ENOENT' });
  });

  it('check from a subfolder of a git repository scans the repository, and says so', () => {
    const dir = folder({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.github/workflows/release.yml': TOKEN_WORKFLOW,
    });
    const r = runCli(['check'], path.join(dir, '.github'));
    assert.equal(r.stderr, `trustgate: Scanning the git repository that holds the current folder: ${dir}.\n`);
    assert.match(
      r.stdout,
      /^ {2}error {4}workflow:\.github\/workflows\/release\.yml#publish\/0 {2}Publishing step/m,
    );
    assert.equal(r.status, 1);
  });

  it('a positional DIR is the repository to scan (as --repo DIR); both at once is bad input', () => {
    const dir = folder({ 'app/.github/workflows/release.yml': TOKEN_WORKFLOW });
    const r = runCli(['check', 'app'], dir);
    assert.match(r.stdout, /workflow:\.github\/workflows\/release\.yml#publish\/0/);
    assert.equal(r.status, 1);
    const both = runCli(['check', 'app', '--repo', 'app'], dir);
    assert.equal(
      both.stderr,
      'trustgate: trustgate check takes the repository once: as DIR ("app") or as --repo "app".\n',
    );
    assert.equal(both.status, 2);
    const empty = runCli(
      ['check', 'nothing-here-either'],
      folder({ 'nothing-here-either/notes.txt': 'x\n' }),
    );
    assert.equal(
      empty.stderr,
      'trustgate: Found no CI configuration and no package.json in nothing-here-either, so nothing was checked; run trustgate in a repository, or pass --allow-empty to accept an empty scan.\n',
    );
    assert.equal(empty.status, 2);
  });

  it('the Action on an empty checkout: exit-code=2, and the sentence in the log', () => {
    const dir = folder({ 'README.md': 'Nothing to publish here.\n' });
    const output = path.join(dir, '..', `${path.basename(dir)}-output`);
    after(() => rmSync(output, { force: true }));
    const r = spawnSync(process.execPath, [ENTRY], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        NO_COLOR: '1',
        GITHUB_WORKSPACE: dir,
        GITHUB_OUTPUT: output,
        'INPUT_FAIL-ON': 'error',
        INPUT_SARIF: 'trustgate.sarif',
        INPUT_PLUGINS: 'none',
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stderr,
      `trustgate: Found no CI configuration and no package.json in ${dir}, so nothing was checked; run trustgate in a repository, or pass --allow-empty to accept an empty scan.\n`,
    );
    assert.equal(readFileSync(output, 'utf8').split('\n')[0], 'exit-code=2');
  });
});

describe('#21 a closed pipe ends quietly', () => {
  const piped = (command: string, cwd: string) =>
    spawnSync(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        `node "${BIN}" ${command} | head -c 1 >/dev/null; exit \${PIPESTATUS[0]}`,
      ],
      {
        cwd,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        timeout: 60_000,
      },
    );
  for (const command of [
    'rules',
    'rules --json',
    '--help',
    'check --fail-on never --format json --policy examples/acme/trustgate.yaml --facts examples/acme/facts.json',
    'explain --policy examples/acme/trustgate.yaml',
  ]) {
    it(`trustgate ${command} | head -c 1: exit 0, nothing on stderr`, () => {
      const r = piped(command, ROOT);
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
    });
  }
});

describe('#21 a source that could not be read is one finding', () => {
  const BROKEN = `${TOKEN_WORKFLOW}  other: [\n`;

  it('a workflow that does not parse: one trustgate/source-error at the parser line; the rules are indeterminate without repeating it; exit 1', () => {
    const dir = folder({
      'package.json': '{ "name": "app", "private": true }\n',
      '.github/workflows/release.yml': BROKEN,
    });
    const r = runCli(['check', '--format', 'text', '--format', 'sarif=out.sarif'], dir);
    assert.equal(r.status, 1, r.stderr);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('  error    file:'));
    assert.deepEqual(errors, [
      '  error    file:.github/workflows/release.yml  .github/workflows/release.yml could not be read, so what it holds is unknown: Invalid YAML at line 11, column 1 (Flow sequence in block collection must be sufficiently indented and end with a ]); the file was not analysed.',
    ]);
    assert.match(r.stdout, /^ {11}at \.github\/workflows\/release\.yml:11:1$/m);
    const indeterminate = r.stdout.split('\n').filter((l) => l.includes('[indeterminate]'));
    assert.ok(indeterminate.length >= 2);
    for (const line of indeterminate) {
      assert.match(line, /did not complete \(1 error, reported as trustgate\/source-error\)/);
      assert.doesNotMatch(line, /Invalid YAML/);
    }
    // SARIF: the source error and the collection findings are anchored to the file that explains them.
    const sarif = JSON.parse(readFileSync(path.join(dir, 'out.sarif'), 'utf8'));
    const uris = new Set(
      sarif.runs[0].results.map(
        (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          x.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
    );
    assert.deepEqual([...uris], ['.github/workflows/release.yml']);
  });

  it('check --registry with a preset that softens webauthn-2fa: a failed account lookup still exits 1', async () => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const table: Record<string, unknown> = {
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/x': { name: 'x', 'dist-tags': {}, versions: {}, maintainers: [] },
        '/-/package/x/trust': [
          { type: 'github', claims: { repository: 'acme/x', workflow_ref: { file: 'release.yml' } } },
        ],
        '/-/package/x/access': { publish_requires_tfa: true, access: 'public' },
      };
      const body = table[decodeURIComponent(req.url ?? '/')];
      if (req.url === '/-/npm/v1/user') res.writeHead(500).end();
      else if (body === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const dir = folder({ 'README.md': 'Our org.\n' });
    const r = await runCliAsync(
      [
        'check',
        '--registry',
        url,
        '--packages',
        'x',
        '--retries',
        '0',
        '--format',
        'text',
        '--format',
        'sarif=out.sarif',
      ],
      dir,
      { NPM_TOKEN: 'npm_TestToken0123456789abcdefghij' },
    );
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(
        `^ {2}error {4}source:registry:${url.replace(/[.]/g, '\\.')} {2}The registry source for ${url.replace(/[.]/g, '\\.')} did not complete for account, so what it would have collected is unknown: GET /-/npm/v1/user: HTTP 500 after 1 try\\.$`,
        'm',
      ),
    );
    // No trustgate.yaml is in use (a preset), and the facts name no file: SARIF anchors to a file
    // that exists in the folder (here README.md), never to a trustgate.yaml that is not there.
    const sarif = JSON.parse(readFileSync(path.join(dir, 'out.sarif'), 'utf8'));
    for (const x of sarif.runs[0].results)
      assert.equal(x.locations[0].physicalLocation.artifactLocation.uri, 'README.md');
  });
});

describe('#21 every policy problem in one run', () => {
  it('four mistakes in one policy: four sentences, each naming the bad value, exit 2', () => {
    const dir = folder({
      'package.json': '{ "name": "app", "private": true }\n',
      'trustgate.yaml': `apiVersion: trustgate/v1
kind: Policy
extends: [trustgate:recommended]
rules:
  token-max-age: { level: eror, options: { maxDays: "thirty" } }
  no-clasic-tokens: error
exceptions:
  - rule: token-max-age
    subject: "token:x"
    reason: Release bot
    expires: 2027-02-30
`,
    });
    const r = runCli(['check'], dir);
    assert.equal(
      r.stderr,
      [
        'trustgate: trustgate.yaml:5:27: rules.token-max-age.level: Must be one of "error", "warning", "note", "off"; got "eror". Did you mean "error"?',
        'trustgate: trustgate.yaml:11:14: exceptions[0].expires: Must be a real calendar date (YYYY-MM-DD) or an ISO 8601 date and time; got "2027-02-30".',
        'trustgate: trustgate.yaml:6:3: rules.no-clasic-tokens: Unknown rule "no-clasic-tokens". Did you mean "no-classic-tokens"?',
        'trustgate: trustgate.yaml:5:53: rules.token-max-age.options.maxDays: Must be a whole number; got "thirty".',
        '',
      ].join('\n'),
    );
    assert.equal(r.status, 2);
  });

  it('every layer: a mistake in the file it extends and one in the policy, both in one run', () => {
    const dir = folder({
      'package.json': '{ "name": "app", "private": true }\n',
      'base.yaml':
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\nrules:\n  no-classic-tokens: warn\n',
      'trustgate.yaml':
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [./base.yaml]\nrules:\n  token-max-ag: error\n',
    });
    const r = runCli(['check'], dir);
    assert.equal(
      r.stderr,
      [
        'trustgate: base.yaml:5:22: rules.no-classic-tokens: Must be one of "error", "warning", "note", "off"; got "warn". Did you mean "warning"?',
        'trustgate: trustgate.yaml:5:3: rules.token-max-ag: Unknown rule "token-max-ag". Did you mean "token-max-age"?',
        '',
      ].join('\n'),
    );
    assert.equal(r.status, 2);
  });

  it('a value that could be a credential is not repeated', () => {
    const dir = folder({
      'package.json': '{ "name": "app", "private": true }\n',
      'trustgate.yaml':
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\nrules:\n  token-max-age: npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n',
    });
    const r = runCli(['check'], dir);
    assert.doesNotMatch(r.stderr, /npm_AbCd/);
    assert.equal(r.status, 2);
  });
});

describe('#21 the error path is as fast as the success path', () => {
  it('facts with 4,000 schema errors: the first 50 at their lines, then a count; exit 2', () => {
    const tokens = Array.from({ length: 20_000 }, (_, i) => ({
      id: String(i).padStart(64, '0'),
      kind: i % 5 === 0 ? 'bogus' : 'granular',
      access: 'write',
      created: '2026-10-01T00:00:00Z',
      expires: '2026-12-30T00:00:00Z',
    }));
    const dir = folder({
      'facts.json': JSON.stringify(
        {
          schemaVersion: 1,
          collectedAt: '2026-11-28T09:00:00Z',
          sources: [{ collector: 'registry', covers: ['tokens'], complete: true }],
          tokens,
        },
        null,
        2,
      ),
    });
    const started = Date.now();
    const r = runCli(['check', '--facts', 'facts.json'], dir);
    const took = Date.now() - started;
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 51);
    assert.equal(
      lines[0],
      'trustgate: facts.json:16:15: tokens[0].kind: Must be one of "classic", "granular", "session", "unknown"; got "bogus".',
    );
    assert.equal(lines[50], 'trustgate: facts.json: And 3950 more problems.');
    assert.equal(r.status, 2);
    assert.ok(took < 15_000, `took ${took} ms`);
  });
});

describe('#21 exit codes', () => {
  it('check --registry that cannot be reached: exit 4, one sentence with the address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runCliAsync(
      ['check', '--registry', `http://127.0.0.1:${port}/`, '--retries', '0'],
      folder(),
      {
        NPM_TOKEN: 'npm_TestToken0123456789abcdefghij',
      },
    );
    assert.equal(
      r.stderr,
      `trustgate: Nothing could be collected from http://127.0.0.1:${port}/: GET /-/npm/v1/user: connection refused (127.0.0.1:${port}) after 1 try.\n`,
    );
    assert.equal(r.status, 4);
  });

  it('--help of check and the general help name exit code 4', () => {
    assert.match(runCli(['check', '--help'], ROOT).stdout, /4 a source could not be collected at all/);
    assert.match(runCli(['--help'], ROOT).stdout, /4 a source could not be collected at all/);
  });
});

describe('#21 the small ones', () => {
  it('collect -o with no value names the option and its value', () => {
    const r = runCli(['collect', '-o'], folder());
    assert.equal(
      r.stderr,
      'trustgate: Option --output (-o) of trustgate collect needs a value (--output FILE).\n',
    );
    assert.equal(r.status, 2);
  });

  it('trustgate help check prints the help of check', () => {
    const r = runCli(['help', 'check'], ROOT);
    assert.match(r.stdout, /^Usage: trustgate check \[DIR\] \[options\]\n/);
    assert.equal(r.status, 0);
  });

  it('-V prints the version', () => {
    const r = runCli(['-V'], ROOT);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(r.status, 0);
  });

  it('a plugin that fails to load says "failed to load" once', () => {
    const dir = folder({
      'package.json': '{ "name": "app", "private": true }\n',
      'trustgate.yaml':
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\nplugins: [./bad.mjs]\n',
      'bad.mjs': 'throw new Error("boom at import");\n',
    });
    const r = runCli(['check'], dir);
    assert.equal(
      r.stderr,
      'trustgate: trustgate.yaml:4:11: plugins[0]: The plugin "./bad.mjs" failed to load: boom at import.\n',
    );
    assert.equal(r.status, 2);
  });
});

describe('#21 options people bring from ESLint and Spectral', () => {
  const FACTS = {
    schemaVersion: 1,
    collectedAt: '2026-11-28T09:00:00Z',
    sources: [{ collector: 'registry', covers: ['tokens', 'packages'], complete: true }],
    tokens: [
      {
        id: 'a1',
        kind: 'granular',
        access: 'write',
        created: '2026-11-25T00:00:00Z',
        expires: '2026-12-02T00:00:00Z',
        bypass2fa: true,
      },
    ],
    packages: [],
  };
  const POLICY =
    'apiVersion: trustgate/v1\nkind: Policy\nrules:\n  no-bypass-2fa-tokens: warning\n  token-max-age: error\n';

  it('--max-warnings N: more warnings than N exits 1, with a sentence', () => {
    const dir = folder({ 'facts.json': JSON.stringify(FACTS), 'trustgate.yaml': POLICY });
    assert.equal(runCli(['check', '--facts', 'facts.json', '--max-warnings', '1'], dir).status, 0);
    const r = runCli(['check', '--facts', 'facts.json', '--max-warnings', '0'], dir);
    assert.equal(r.stderr, 'trustgate: 1 warning found, more than --max-warnings 0 allows.\n');
    assert.equal(r.status, 1);
    const bad = runCli(['check', '--facts', 'facts.json', '--max-warnings', 'few'], dir);
    assert.equal(
      bad.stderr,
      'trustgate: --max-warnings "few" is not a number of warnings; use a whole number such as 0 or 10.\n',
    );
    assert.equal(bad.status, 2);
  });

  it('--quiet reports errors only; the exit code still counts everything', () => {
    const dir = folder({ 'facts.json': JSON.stringify(FACTS), 'trustgate.yaml': POLICY });
    const r = runCli(['check', '--facts', 'facts.json', '--quiet', '--fail-on', 'warning'], dir);
    assert.equal(r.stdout, '✔ No problems.\n');
    assert.equal(r.status, 1);
  });

  it('--color forces colour, --no-color wins over FORCE_COLOR, both at once is bad input', () => {
    const dir = folder({ 'facts.json': JSON.stringify(FACTS), 'trustgate.yaml': POLICY });
    assert.match(
      runCli(['check', '--facts', 'facts.json', '--color'], dir).stdout,
      new RegExp(`${String.fromCharCode(27)}\\[`),
    );
    assert.doesNotMatch(
      runCli(['check', '--facts', 'facts.json', '--no-color'], dir, { FORCE_COLOR: '1', NO_COLOR: '' })
        .stdout,
      new RegExp(`${String.fromCharCode(27)}\\[`),
    );
    const both = runCli(['check', '--facts', 'facts.json', '--color', '--no-color'], dir);
    assert.equal(both.stderr, 'trustgate: --color and --no-color cannot be given together.\n');
    assert.equal(both.status, 2);
  });
});

describe('#21 the README says what the code does', () => {
  it('the exit-code table lists exactly the codes the CLI uses, and check --help names 0 to 4', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Exit codes'), readme.indexOf('A reader that stops early'));
    const codes = [...table.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    assert.deepEqual(codes, [0, 1, 2, 3, 4, 130, 143]);
    assert.match(table, /\| 4 +\| a source could not be collected at all/);
    const help = runCli(['check', '--help'], ROOT).stdout;
    for (const text of [
      '0 nothing at or above --fail-on',
      '1 findings',
      '2 bad input',
      '3 a rule or reporter',
      '4 a source',
    ])
      assert.ok(help.replace(/\s+/g, ' ').includes(text), text);
  });
});
