/**
 * The registry collector against a real Verdaccio 6.8.0 on 127.0.0.1, started
 * and stopped by this test: a user, tokens and a published package, collected
 * through the CLI. No token value may appear in the facts or the logs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

const VERDACCIO = path.join(ROOT, 'node_modules/verdaccio/bin/verdaccio');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`Verdaccio did not start at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('collect from a real Verdaccio', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-verdaccio-'));
  let server: ChildProcess | undefined;
  let url = '';
  const secrets: string[] = [];
  let loginToken = '';

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    writeFileSync(
      path.join(dir, 'config.yaml'),
      [
        `storage: ${path.join(dir, 'storage')}`,
        'auth:',
        '  htpasswd:',
        `    file: ${path.join(dir, 'htpasswd')}`,
        '    max_users: 10',
        'uplinks: {}',
        'packages:',
        "  '**':",
        '    access: $authenticated',
        '    publish: $authenticated',
        'log: { type: stdout, format: json, level: error }',
        'flags:',
        '  token: true',
        '',
      ].join('\n'),
    );
    server = spawn(
      process.execPath,
      [VERDACCIO, '-c', path.join(dir, 'config.yaml'), '-l', `127.0.0.1:${port}`],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(`${url}-/ping`, 20_000);
    const created = await json(`${url}-/user/org.couchdb.user:bob`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'bob', password: 'pw-for-tests-only', email: 'bob@acme.test' }),
    });
    loginToken = String(created.token);
    secrets.push(loginToken);
    for (const body of [
      { password: 'pw-for-tests-only', readonly: false, cidr_whitelist: ['127.0.0.1/32'] },
      { password: 'pw-for-tests-only', readonly: true, cidr_whitelist: [] },
    ]) {
      const made = await json(`${url}-/npm/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${loginToken}` },
        body: JSON.stringify(body),
      });
      secrets.push(String(made.token));
    }
    // Publish a package with the real npm client.
    const pkgDir = path.join(dir, 'pkg');
    spawnSync('mkdir', ['-p', pkgDir]);
    writeFileSync(
      path.join(pkgDir, 'package.json'),
      JSON.stringify({ name: '@acme/widget', version: '1.0.0', description: 'x' }),
    );
    writeFileSync(path.join(pkgDir, 'index.js'), 'module.exports = 1;\n');
    const npmrc = path.join(dir, 'npmrc');
    writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${loginToken}\n`);
    const pub = spawnSync(
      'npm',
      ['publish', '--registry', url, '--userconfig', npmrc, '--no-audit', '--ignore-scripts'],
      {
        cwd: pkgDir,
        encoding: 'utf8',
      },
    );
    assert.equal(pub.status, 0, pub.stderr);
  });

  after(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('yields the account, its tokens and the package, and no token value anywhere', () => {
    const out = path.join(dir, 'facts.json');
    const run = runCli(['collect', '--registry', url, '--packages', '@acme/widget', '-o', out], dir, {
      NPM_TOKEN: loginToken,
    });
    const facts = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(facts.accounts, [
      {
        id: 'bob',
        tfa: { enabled: false, mode: null, pending: false, method: null },
        origin: { url: `${url}-/npm/v1/user` },
      },
    ]);
    assert.deepEqual(
      facts.tokens.map((t: Record<string, unknown>) => [
        t.kind,
        t.access,
        t.owner,
        t.cidr,
        t.expires,
        typeof t.display,
      ]),
      [
        ['unknown', 'write', 'bob', ['127.0.0.1/32'], null, 'string'],
        ['unknown', 'read', 'bob', [], null, 'string'],
      ],
    );
    // Verdaccio keeps no maintainers list: unknown, so absent rather than empty.
    assert.deepEqual(
      facts.packages.map((p: Record<string, unknown>) => [
        p.id,
        p.maintainers,
        (p.latest as { version: string }).version,
      ]),
      [['@acme/widget', undefined, '1.0.0']],
    );
    // Verdaccio has no trust or access endpoints: unknown, recorded, and the packages source is incomplete.
    const packagesSource = facts.sources.find((s: { covers: string[] }) => s.covers[0] === 'packages');
    assert.equal(packagesSource.complete, false);
    assert.deepEqual(
      packagesSource.errors.map((e: { message: string }) => e.message.replace(/ \(.*$/, '')),
      [
        'GET /-/package/@acme%2fwidget/trust: HTTP 404: not found on this registry',
        'GET /-/package/@acme%2fwidget/access: HTTP 404: not found on this registry',
      ],
    );
    const everything = `${readFileSync(out, 'utf8')}${run.stdout}${run.stderr}`;
    for (const secret of secrets) {
      assert.ok(!everything.includes(secret), 'a token value leaked');
      assert.ok(!everything.includes(secret.slice(0, 16)), 'part of a token value leaked');
    }
  });

  it('check on those facts fails closed: the trust settings could not be read', () => {
    const run = runCli(['check', '--registry', url, '--packages', '@acme/widget', '--format', 'json'], dir, {
      NPM_TOKEN: loginToken,
    });
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout);
    assert.ok(
      report.findings.some(
        (f: { subject: string; indeterminate?: boolean }) =>
          f.subject === 'collection:packages' && f.indeterminate,
      ),
    );
    for (const secret of secrets) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret));
  });
});
