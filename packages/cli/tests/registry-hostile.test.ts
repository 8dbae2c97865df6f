/**
 * The built CLI against registries that attack it (issue #18), each a server on
 * 127.0.0.1 started and stopped by the test; a second server on another port is
 * another origin. Whatever could not be collected must make `check` fail
 * (indeterminate findings, at error by default) and never exit 0; the token
 * must appear in no output, report or facts file, and reach no other origin.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCliAsync } from './helpers.ts';

const TOKEN = 'npm_HoStIlE0123456789abcdefTOKENvalue';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(
  handler: Handler,
): Promise<{ url: string; origin: string; hits: { path: string; authorization?: string }[] }> {
  const hits: { path: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    hits.push({
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/`, origin, hits };
}

function routes(table: Record<string, unknown>): Handler {
  return (req, res) => {
    const route = table[decodeURIComponent(req.url ?? '/')];
    if (route === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    else if (typeof route === 'function') (route as Handler)(req, res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route));
  };
}

/** An empty folder to run in (no trustgate.yaml, nothing to scan); removed after the file. */
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-hostile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `check` with a JSON and a SARIF report written to files and text to stdout; every output is returned. */
async function check(registry: string, extra: string[] = []) {
  const dir = folder();
  const started = Date.now();
  const run = await runCliAsync(
    [
      'check',
      '--registry',
      registry,
      '--repo',
      '.',
      // The folder is empty on purpose: only the registry is under test (#21 refuses empty scans).
      '--allow-empty',
      '--format',
      'text',
      '--format',
      'json=report.json',
      '--format',
      'sarif=report.sarif',
      ...extra,
    ],
    dir,
    { NPM_TOKEN: TOKEN },
  );
  const took = Date.now() - started;
  const files = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
  const everything = [run.stdout, run.stderr, ...files].join('\n');
  assert.ok(!everything.includes(TOKEN), 'the token is in an output');
  const report = readdirSync(dir).includes('report.json')
    ? (JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
        findings: {
          ruleId: string;
          subject: string;
          level: string;
          indeterminate?: boolean;
          message: string;
        }[];
      })
    : undefined;
  return { ...run, report, took };
}

/** The run's trustgate/source-error findings: each error of an incomplete source, once. */
function sourceErrors(run: { report?: { findings: { ruleId: string; message: string }[] } | undefined }) {
  return (run.report?.findings ?? []).filter((f) => f.ruleId === 'trustgate/source-error');
}

/** `collect -o facts.json`; the facts and outputs hold no token. */
async function collect(registry: string, extra: string[] = []) {
  const dir = folder();
  const started = Date.now();
  const run = await runCliAsync(['collect', '--registry', registry, '-o', 'facts.json', ...extra], dir, {
    NPM_TOKEN: TOKEN,
  });
  const took = Date.now() - started;
  const file = path.join(dir, 'facts.json');
  const text = readdirSync(dir).includes('facts.json') ? readFileSync(file, 'utf8') : '';
  assert.ok(![run.stdout, run.stderr, text].join('\n').includes(TOKEN), 'the token is in an output');
  const facts = text
    ? (JSON.parse(text) as {
        sources: { covers: string[]; complete: boolean; errors: { entity?: string; message: string }[] }[];
        tokens: { id: string }[];
        packages: { id: string }[];
      })
    : undefined;
  return { ...run, facts, took };
}

const profile = { name: 'alice', tfa: { mode: 'auth-and-writes', pending: false } };

describe('#3 check does not pass when the account lookup fails', () => {
  for (const [what, answer] of [
    [
      'an HTML login page',
      (res: ServerResponse) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>'),
    ],
    [
      'broken JSON',
      (res: ServerResponse) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"name": "ali'),
    ],
    ['HTTP 401', (res: ServerResponse) => res.writeHead(401).end()],
  ] as const) {
    it(`#3 ${what} from /-/npm/v1/user: the packages are indeterminate and check exits 1, not 0`, async () => {
      const r = await serve(
        routes({
          '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) => answer(res),
          '/-/npm/v1/tokens': { objects: [], urls: {} },
        }),
      );
      const run = await check(r.url);
      assert.equal(run.status, 1, run.stderr);
      const packages = run.report!.findings.filter((f) => f.subject === 'collection:packages');
      assert.ok(packages.length > 0);
      for (const f of packages) {
        assert.equal(f.indeterminate, true);
        assert.equal(f.level, 'error');
      }
      // The reason is said once, as the source's error (#21), not in every rule's finding.
      assert.ok(
        sourceErrors(run).some((f) =>
          /did not complete for packages, so what it would have collected is unknown: The token's packages could not be listed, because the account lookup/.test(
            f.message,
          ),
        ),
      );
      const facts = (await collect(r.url)).facts!;
      assert.deepEqual(
        facts.sources.find((s) => s.covers[0] === 'packages'),
        {
          collector: 'registry',
          target: r.url,
          covers: ['packages'],
          complete: false,
          errors: [
            {
              entity: 'packages',
              message:
                "The token's packages could not be listed, because the account lookup (GET /-/npm/v1/user) failed; name them with --packages or --org.",
            },
          ],
        },
      );
    });
  }
});

describe('#4 the token does not follow urls.next or a redirect to another origin', () => {
  it('#4 a cross-origin urls.next: the other origin gets no request, the tokens are incomplete, check exits 1', async () => {
    const other = await serve(routes({ '/-/npm/v1/tokens?page=2': { objects: [], urls: {} } }));
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: { next: `${other.origin}/-/npm/v1/tokens?page=2` } },
        '/-/user/alice/package': {},
      }),
    );
    const run = await check(r.url);
    assert.equal(run.status, 1, run.stderr);
    const tokens = run.report!.findings.filter((f) => f.subject === 'collection:tokens');
    assert.ok(tokens.length > 0 && tokens.every((f) => f.indeterminate && f.level === 'error'));
    assert.ok(
      sourceErrors(run).some((f) =>
        new RegExp(
          `for tokens page 2, so what it would have collected is unknown: Page 1 of the tokens links its next page to another origin \\(${other.origin}\\)`,
        ).test(f.message),
      ),
    );
    const facts = (await collect(r.url)).facts!;
    assert.equal(facts.sources.find((s) => s.covers[0] === 'tokens')!.complete, false);
    assert.deepEqual(other.hits, []);
    assert.ok(r.hits.every((h) => h.authorization === `Bearer ${TOKEN}`));
  });

  it('#4 a redirect to another origin: not followed, no token sent there, the source is incomplete', async () => {
    const other = await serve(routes({ '/-/npm/v1/user': profile }));
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(302, { location: `${other.origin}/-/npm/v1/user` }).end(),
        '/-/npm/v1/tokens': { objects: [], urls: {} },
      }),
    );
    const { status, facts } = await collect(r.url);
    assert.equal(status, 0);
    assert.deepEqual(facts!.sources.find((s) => s.covers[0] === 'accounts')!.errors, [
      {
        entity: 'account',
        message: `GET /-/npm/v1/user: the registry redirected to another origin (${other.origin}), which was not followed.`,
      },
    ]);
    assert.deepEqual(other.hits, []);
  });
});

describe('#5 token pages', () => {
  it('#5 a next link that loops: the tokens are incomplete and check exits 1', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: { next: '/-/npm/v1/tokens' } },
        '/-/user/alice/package': {},
      }),
    );
    const run = await check(r.url);
    assert.equal(run.status, 1, run.stderr);
    assert.ok(
      run.report!.findings.some(
        (f) =>
          f.ruleId === 'trustgate/source-error' &&
          f.level === 'error' &&
          /links back to page 1 \(GET \/-\/npm\/v1\/tokens\); the pages loop/.test(f.message),
      ),
    );
  });
});

describe('#15 response bodies have a size limit', () => {
  it('#15 an endless packument: the run ends promptly, the package is incomplete, check exits 1', async () => {
    const written = { bytes: 0 };
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/big': (_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const pump = () => {
            while (!res.destroyed) {
              written.bytes += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
          };
          pump();
        },
        '/-/package/big/trust': [],
        '/-/package/big/access': { publish_requires_tfa: true, access: 'public' },
      }),
    );
    const run = await check(r.url, ['--packages', 'big']);
    assert.equal(run.status, 1, run.stderr);
    assert.ok(run.took < 15_000, `took ${run.took} ms`);
    assert.ok(written.bytes < 96 * 1024 * 1024, `${written.bytes} bytes`);
    assert.ok(
      run.report!.findings.some(
        (f) =>
          f.ruleId === 'trustgate/source-error' &&
          f.subject === 'package:big' &&
          f.level === 'error' &&
          f.message.includes('GET /big: the response is larger than 64 MiB, so it was not read'),
      ),
    );
  });
});

describe('#16 slow registries cannot stretch a run', () => {
  it('#16 --timeout bounds a registry that never answers: exit 4 within twice the timeout per request', async () => {
    const r = await serve(() => {});
    const run = await collect(r.url, ['--timeout', '0.3']);
    assert.equal(run.status, 4);
    assert.equal(
      run.stderr,
      `trustgate: Nothing could be collected from ${r.url}: GET /-/npm/v1/user: no answer within 0.3 s after 2 tries in the 0.6 s a request may take.\n`,
    );
    // Two requests (the account, then the tokens), each within 0.6 s.
    assert.ok(run.took < 4000, `took ${run.took} ms`);
  });

  it('#16 Retry-After: 99999999 is not waited for', async () => {
    const r = await serve((_req, res) => res.writeHead(429, { 'retry-after': '99999999' }).end());
    const run = await collect(r.url);
    assert.equal(run.status, 4);
    assert.equal(
      run.stderr,
      `trustgate: Nothing could be collected from ${r.url}: GET /-/npm/v1/user: HTTP 429 after 1 try; the registry asked to wait 99999999 s, longer than the 30 s a request may take.\n`,
    );
    assert.ok(run.took < 4000, `took ${run.took} ms`);
  });

  it('#16 --deadline stops a slow collection: what was not collected fails check', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `p${i}`);
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        // Each packument takes 400 ms; eight at a time, the 30 take longer than the deadline.
        ...Object.fromEntries(
          names.flatMap((n) => [
            [
              `/${n}`,
              (_req: IncomingMessage, res: ServerResponse) =>
                void setTimeout(() => res.writeHead(200).end('{}'), 400).unref(),
            ],
            [`/-/package/${n}/trust`, []],
            [`/-/package/${n}/access`, { publish_requires_tfa: true }],
          ]),
        ),
      }),
    );
    const run = await check(r.url, [...names.flatMap((n) => ['--packages', n]), '--deadline', '1']);
    assert.equal(run.status, 1, run.stderr);
    assert.ok(run.took < 8000, `took ${run.took} ms`);
    assert.ok(
      run.report!.findings.some(
        (f) => f.ruleId === 'trustgate/source-error' && f.level === 'error' && /deadline/.test(f.message),
      ),
    );
  });

  it('#16 --timeout and --deadline are checked, and go with --registry', async () => {
    for (const [args, message] of [
      [
        ['--registry', 'http://127.0.0.1:9/', '--timeout', 'soon'],
        'trustgate: --timeout "soon" must be a number of seconds from 0.01 to 600.\n',
      ],
      [
        ['--registry', 'http://127.0.0.1:9/', '--deadline', '0'],
        'trustgate: --deadline "0" must be a number of seconds from 0.01 to 86400.\n',
      ],
      [
        ['--timeout', '5'],
        'trustgate: --org, --packages, --shard, --timeout and --deadline go with --registry.\n',
      ],
    ] as const) {
      const run = await runCliAsync(['collect', ...args], folder(), { NPM_TOKEN: TOKEN });
      assert.equal(run.status, 2);
      assert.equal(run.stderr, message);
    }
  });
});

describe('#13 a very large org', () => {
  it('#13 a listing of 200,000 packages with a glob: no stack overflow', async () => {
    const listing: Record<string, string> = {};
    for (let i = 0; i < 200_000; i++) listing[`@acme/pkg-${i}`] = 'read-write';
    listing['@acme/keep'] = 'read-write';
    const body = JSON.stringify(listing);
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/-/user/alice/package': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(body),
        '/@acme/keep': { name: '@acme/keep', 'dist-tags': {}, versions: {}, maintainers: [] },
        '/-/package/@acme/keep/trust': [],
        '/-/package/@acme/keep/access': { publish_requires_tfa: true, access: 'public' },
      }),
    );
    const { status, stderr, facts } = await collect(r.url, ['--packages', '@acme/keep*']);
    assert.equal(status, 0, stderr);
    assert.equal(stderr, '');
    assert.deepEqual(
      facts!.packages.map((p) => p.id),
      ['@acme/keep'],
    );
    assert.ok(facts!.sources.every((s) => s.complete));
  });
});

describe('the registry URL', () => {
  it('may not hold a user name or password, and the message does not repeat it', async () => {
    const run = await runCliAsync(
      ['collect', '--registry', 'https://ci:hunter2-password@registry.example/'],
      folder(),
    );
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'trustgate: --registry must not hold a user name or password; the token comes from NPM_TOKEN, --token-env or ~/.npmrc.\n',
    );
  });
});
