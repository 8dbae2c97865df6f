import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCliAsync } from './helpers.ts';

describe('a registry that goes away', () => {
  it('dying half-way through a collection makes check exit non-zero, never 0', async () => {
    let served = 0;
    const server = createServer((req, res) => {
      served++;
      const path = decodeURIComponent(req.url ?? '');
      if (served > 4) {
        // The registry dies: this and every later connection is cut.
        req.socket.destroy();
        server.close();
        return;
      }
      const body =
        path === '/-/npm/v1/user'
          ? { name: 'alice', tfa: { mode: 'auth-and-writes', pending: false } }
          : path === '/-/npm/v1/tokens'
            ? { objects: [], urls: {} }
            : path.startsWith('/@acme/')
              ? { name: path.slice(1), 'dist-tags': {}, versions: {} }
              : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const run = await runCliAsync(
      [
        'check',
        '--registry',
        url,
        '--packages',
        '@acme/a',
        '--packages',
        '@acme/b',
        '--packages',
        '@acme/c',
        '--retries',
        '1',
        '--format',
        'json',
      ],
      process.cwd(),
      { NPM_TOKEN: 'token-for-tests' },
    );
    server.closeAllConnections();
    assert.notEqual(run.status, 0);
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.ok(
      report.findings.some(
        (f: { ruleId: string; subject: string; indeterminate?: boolean }) =>
          f.subject === 'collection:packages' && f.indeterminate,
      ),
    );
    assert.match(
      run.stderr,
      /^trustgate: \d+ of \d+ registry requests failed; the facts record them and rules that need them fail closed\.\n$/,
    );
  });

  it('a registry that is not there at all is exit 4 (a source could not be collected at all, #21), with one sentence naming the address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runCliAsync(
      ['collect', '--registry', `http://127.0.0.1:${port}/`, '--retries', '0'],
      process.cwd(),
      {
        NPM_TOKEN: 'token-for-tests',
      },
    );
    assert.equal(run.status, 4);
    assert.equal(
      run.stderr,
      `trustgate: Nothing could be collected from http://127.0.0.1:${port}/: GET /-/npm/v1/user: connection refused (127.0.0.1:${port}) after 1 try.\n`,
    );
  });
});

describe('the registry token', () => {
  it('comes from the user .npmrc line for that registry, with ${VAR} expanded, and is sent as a bearer token', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      const body =
        req.url === '/-/npm/v1/user'
          ? { name: 'alice', tfa: false }
          : req.url === '/-/npm/v1/tokens'
            ? { objects: [], urls: {} }
            : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-npmrc-'));
    const npmrc = path.join(dir, 'npmrc');
    writeFileSync(
      npmrc,
      `registry=https://registry.npmjs.org/\n//127.0.0.1:${port}/:_authToken=\${MY_REGISTRY_TOKEN}\n`,
    );
    const run = await runCliAsync(
      ['collect', '--registry', `http://127.0.0.1:${port}/`, '--retries', '0'],
      dir,
      {
        NPM_CONFIG_USERCONFIG: npmrc,
        MY_REGISTRY_TOKEN: 'from-npmrc-123',
      },
    );
    server.close();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(seen.length >= 3 && seen.every((h) => h === 'Bearer from-npmrc-123'));
    assert.ok(!run.stdout.includes('from-npmrc-123'));
  });

  it('--token-env names a variable that must be set; a token is never a flag', async () => {
    const run = await runCliAsync(
      ['collect', '--registry', 'http://127.0.0.1:9/', '--token-env', 'NOPE_NOT_SET'],
      process.cwd(),
    );
    assert.equal(run.status, 2);
    assert.equal(run.stderr, 'trustgate: --token-env NOPE_NOT_SET: that environment variable is not set.\n');
    const flag = await runCliAsync(
      ['collect', '--registry', 'http://127.0.0.1:9/', '--token', 'x'],
      process.cwd(),
    );
    assert.equal(flag.status, 2);
    assert.match(
      flag.stderr,
      /^trustgate: Unknown option --token for trustgate collect\. Did you mean "--token-env"\?\n$/,
    );
  });
});

describe('interrupted', () => {
  it('SIGINT during collect leaves no output file, half-written or whole', async () => {
    const server = createServer(() => {
      // Never answers: collect is still waiting when it is interrupted.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-sigint-'));
    const child = spawn(process.execPath, [BIN, 'collect', '--registry', url, '-o', 'facts.json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NPM_TOKEN: 'token-for-tests' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    server.closeAllConnections();
    server.close();
    assert.equal(code, 130);
    assert.equal(stderr, 'trustgate: stopped by SIGINT; no report was written.\n');
    assert.deepEqual(readdirSync(dir), []);
    rmSync(dir, { recursive: true, force: true });
  });
});
