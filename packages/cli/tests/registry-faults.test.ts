import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runCliAsync } from './helpers.ts';

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

  it('a registry that is not there at all is exit 3, with one sentence', async () => {
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
    assert.equal(run.status, 3);
    assert.equal(
      run.stderr,
      `trustgate: Nothing could be collected from http://127.0.0.1:${port}/: GET /-/npm/v1/user: connection refused after 1 try.\n`,
    );
  });
});
