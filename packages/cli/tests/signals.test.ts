/**
 * Issue #18 (18): SIGTERM during a long `check` was ignored (the run finished,
 * wrote its reports and exited 1). A signal now stops the run: exit 130
 * (SIGINT) or 143 (SIGTERM), temporary files removed, no report in place, and
 * nothing on standard output. The real CLI runs as a child process; a plugin
 * rule (or reporter) says on standard error when the slow part has started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, ROOT } from './helpers.ts';

const posix = process.platform !== 'win32';
const FACTS = readFileSync(path.join(ROOT, 'examples/acme/facts.json'), 'utf8');
const META =
  "{ description: 'Require nothing.', docs: 'https://example.test/slow', collections: [], defaultLevel: 'error', securitySeverity: 1 }";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-signals-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A policy with one plugin rule, whose `check` is the given body. */
function withRule(body: string): Record<string, string> {
  return {
    'trustgate.yaml':
      'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\nplugins: [./slow.mjs]\nrules:\n  slow/work: error\n',
    'slow.mjs': `export default { name: 'slow', rules: { work: { meta: ${META}, async check() { ${body} } } } };\n`,
    'facts.json': FACTS,
  };
}

/** Run the CLI; when `marker` appears on standard error, send `signal`. */
function runAndSignal(args: string[], cwd: string, marker: string, signal: NodeJS.Signals) {
  return new Promise<{
    status: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    afterSignalMs: number;
  }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sentAt && stderr.includes(marker)) {
        sentAt = Date.now();
        child.kill(signal);
      }
    });
    child.on('close', (status, sig) => {
      clearTimeout(killer);
      resolve({ status, signal: sig, stdout, stderr, afterSignalMs: sentAt ? Date.now() - sentAt : -1 });
    });
  });
}

const ARGS = [
  'check',
  '--facts',
  'facts.json',
  '--format',
  'text',
  '--format',
  'json=report.json',
  '--format',
  'sarif=report.sarif',
];
const left = (dir: string) => readdirSync(dir).sort();

describe('issue #18 (18): a signal stops a long check, and no report is written', { skip: !posix }, () => {
  it('SIGTERM while a rule computes (2 s of synchronous work): exit 143, no report, no temporary file', async () => {
    const dir = folder(
      withRule(
        "process.stderr.write('RULE STARTED\\n'); const end = Date.now() + 2000; while (Date.now() < end) {}",
      ),
    );
    const r = await runAndSignal(ARGS, dir, 'RULE STARTED', 'SIGTERM');
    assert.equal(r.stderr, 'RULE STARTED\ntrustgate: stopped by SIGTERM; no report was written.\n');
    assert.equal(r.status, 143);
    assert.equal(r.stdout, '', 'the text report is not written either');
    assert.deepEqual(left(dir), ['facts.json', 'slow.mjs', 'trustgate.yaml']);
    // It stops when the rule gives the thread back, not after the whole run.
    assert.ok(r.afterSignalMs < 6000, `${r.afterSignalMs} ms`);
  });

  it('SIGINT while a rule computes: exit 130', async () => {
    const dir = folder(
      withRule(
        "process.stderr.write('RULE STARTED\\n'); const end = Date.now() + 1000; while (Date.now() < end) {}",
      ),
    );
    const r = await runAndSignal(ARGS, dir, 'RULE STARTED', 'SIGINT');
    assert.equal(r.stderr, 'RULE STARTED\ntrustgate: stopped by SIGINT; no report was written.\n');
    assert.equal(r.status, 130);
    assert.deepEqual(left(dir), ['facts.json', 'slow.mjs', 'trustgate.yaml']);
  });

  it('SIGTERM while a rule waits (a timer of a minute): exit 143 at once', async () => {
    const dir = folder(
      withRule("process.stderr.write('RULE STARTED\\n'); await new Promise((r) => setTimeout(r, 60000));"),
    );
    const r = await runAndSignal(ARGS, dir, 'RULE STARTED', 'SIGTERM');
    assert.equal(r.status, 143);
    assert.equal(r.stderr, 'RULE STARTED\ntrustgate: stopped by SIGTERM; no report was written.\n');
    assert.ok(r.afterSignalMs < 3000, `${r.afterSignalMs} ms`);
    assert.deepEqual(left(dir), ['facts.json', 'slow.mjs', 'trustgate.yaml']);
  });

  it('SIGTERM while the reports are written: the temporary files are removed, none is put in place', async () => {
    const dir = folder({
      'trustgate.yaml': 'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\n',
      'facts.json': FACTS,
      // A reporter in pieces, slow enough to be caught writing.
      'slow-reporter.mjs': `export default function* () {
  for (let i = 0; i < 300; i++) {
    if (i === 3) process.stderr.write('WRITING\\n');
    const end = Date.now() + 20; while (Date.now() < end) {}
    yield 'piece ' + i + '\\n';
  }
}
`,
    });
    const r = await runAndSignal(
      [
        'check',
        '--facts',
        'facts.json',
        '--format',
        'json=report.json',
        '--format',
        './slow-reporter.mjs=slow.txt',
      ],
      dir,
      'WRITING',
      'SIGTERM',
    );
    assert.equal(r.stderr, 'WRITING\ntrustgate: stopped by SIGTERM; no report was written.\n');
    assert.equal(r.status, 143);
    assert.deepEqual(
      left(dir),
      ['facts.json', 'slow-reporter.mjs', 'trustgate.yaml'],
      'no report, no .tmp file',
    );
  });
});
