/**
 * The registry collector against registries that attack it (issue #18): links
 * and redirects to another origin, pages that never end, endless bodies, slow
 * answers and absurd Retry-After values, huge listings, and responses of the
 * wrong shape. Each server runs on 127.0.0.1 and stops after the test file; a
 * second server on another port is another origin. Whatever the collector did
 * not finish must leave its source incomplete, with an error that names the
 * entity and the reason, and the token must reach nothing but the registry.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  collectRegistry,
  createClient,
  MAX_BODY_BYTES,
  MAX_JSON_CONTAINERS,
  MAX_JSON_VALUES,
  MAX_TOKEN_PAGES,
  MAX_TOKENS,
} from '@trustgate/collectors';
import { checkFacts, type Facts } from '@trustgate/core';

const TOKEN = 'npm_SeCrEt0123456789abcdefTOKENvalue';
const NOW = new Date('2026-11-28T09:00:00Z');
const fast = { attempts: 3, backoffMs: 1, sleep: async () => {}, now: NOW, token: TOKEN };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Hit {
  path: string;
  authorization: string | undefined;
}

/** A server on 127.0.0.1 that records every request; it stops after the test file. */
async function serve(handler: Handler): Promise<{ url: string; origin: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', authorization: req.headers.authorization });
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

/** A registry answering JSON per path (a function answers itself); 404 elsewhere. */
function routes(table: Record<string, unknown>): Handler {
  return (req, res) => {
    const route = table[decodeURIComponent(req.url ?? '/')];
    if (route === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    else if (typeof route === 'function') (route as Handler)(req, res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route));
  };
}

const profile = { name: 'alice', tfa: { mode: 'auth-and-writes', pending: false } };
const token = (key: string) => ({
  key,
  token: 'npm_…abcd',
  name: key,
  expiry: '2026-12-20T00:00:00.000Z',
  created: '2026-11-20T00:00:00.000Z',
  permissions: [{ name: 'package', action: 'write' }],
  bypass_2fa: false,
  cidr: [],
});

function errorsOf(facts: Facts, collection: string) {
  const s = facts.sources.find((x) => x.covers[0] === collection)!;
  return { complete: s.complete, errors: s.errors };
}

/** The facts must always load, and hold no token and no control character. */
function assertSafe(facts: Facts): void {
  checkFacts(JSON.parse(JSON.stringify(facts)), 'facts');
  const json = JSON.stringify(facts);
  assert.ok(!json.includes(TOKEN), 'the token is in the facts');
  const strings: string[] = [];
  JSON.parse(json, (_k, v) => {
    if (typeof v === 'string') strings.push(v);
    return v;
  });
  for (const s of strings)
    assert.doesNotMatch(
      s,
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds.
      /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/,
      `a control character in ${JSON.stringify(s)}`,
    );
}

describe('#4 the token never leaves the registry', () => {
  it('#4 a tokens page whose urls.next names another origin is not followed, and the other origin gets nothing', async () => {
    const other = await serve((_req, res) => res.writeHead(200).end('{"objects":[],"urls":{}}'));
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': {
          objects: [token('k1')],
          urls: { next: `${other.origin}/-/npm/v1/tokens?page=2` },
        },
        '/-/user/alice/package': {},
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, ...fast });
    assert.deepEqual(other.hits, []);
    assert.deepEqual(
      facts.tokens!.map((t) => t.id),
      ['k1'],
    );
    assert.deepEqual(errorsOf(facts, 'tokens'), {
      complete: false,
      errors: [
        {
          entity: 'tokens page 2',
          message: `Page 1 of the tokens links its next page to another origin (${other.origin}), which was not followed; the tokens after page 1 were not read.`,
        },
      ],
    });
    assert.ok(r.hits.every((h) => h.authorization === `Bearer ${TOKEN}`));
    assertSafe(facts);
  });

  it('#4 protocol-relative and backslash links to another host are not followed either', async () => {
    const other = await serve((_req, res) => res.writeHead(200).end('{}'));
    const host = other.origin.slice('http://'.length);
    for (const next of [`//${host}/-/npm/v1/tokens`, `\\\\${host}\\x`, `/\\${host}/x`]) {
      const r = await serve(
        routes({
          '/-/npm/v1/user': profile,
          '/-/npm/v1/tokens': { objects: [], urls: { next } },
          '/-/user/alice/package': {},
        }),
      );
      const { facts } = await collectRegistry({ registry: r.url, ...fast });
      assert.equal(errorsOf(facts, 'tokens').complete, false, next);
      assert.match(errorsOf(facts, 'tokens').errors![0]!.message, /another origin/, next);
    }
    assert.deepEqual(other.hits, []);
  });

  it('#4 a redirect to another origin is not followed (no request, no token), and one within the registry is', async () => {
    const other = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(profile)),
    );
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(302, { location: `${other.origin}/-/npm/v1/user` }).end(),
        '/-/npm/v1/tokens': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(307, { location: '/-/npm/v1/tokens/moved' }).end(),
        '/-/npm/v1/tokens/moved': { objects: [token('k1')], urls: {} },
        '/a': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(301, { location: 'https://127.0.0.1:1/a' }).end(),
        '/-/package/a/trust': [],
        '/-/package/a/access': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(308, { location: '/-/package/a/access' }).end(),
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, packages: ['a'], ...fast });
    assert.deepEqual(other.hits, []);
    assert.deepEqual(errorsOf(facts, 'accounts'), {
      complete: false,
      errors: [
        {
          entity: 'account',
          message: `GET /-/npm/v1/user: the registry redirected to another origin (${other.origin}), which was not followed.`,
        },
      ],
    });
    // Within the registry, the redirect is followed, with the token.
    assert.deepEqual(errorsOf(facts, 'tokens'), { complete: true, errors: [] });
    assert.equal(facts.tokens!.length, 1);
    assert.deepEqual(
      r.hits.filter((h) => h.path === '/-/npm/v1/tokens/moved').map((h) => h.authorization),
      [`Bearer ${TOKEN}`],
    );
    assert.deepEqual(errorsOf(facts, 'packages'), {
      complete: false,
      errors: [
        {
          entity: 'package:a',
          message:
            'GET /a: the registry redirected to another origin (https://127.0.0.1:1), which was not followed.',
        },
        { entity: 'package:a', message: 'GET /-/package/a/access: more than 5 redirects.' },
      ],
    });
    assertSafe(facts);
  });

  it('#4 with a registry under a path, nothing outside that path is requested', async () => {
    const r = await serve(
      routes({
        '/npm/-/npm/v1/user': profile,
        '/npm/-/npm/v1/tokens': { objects: [token('k1')], urls: { next: '/-/npm/v1/tokens?page=2' } },
        // A path-absolute next page is taken relative to the registry's URL, as before; `..` stays under it.
        '/npm/-/npm/v1/tokens?page=2': { objects: [token('k2')], urls: { next: '/../../other/tokens' } },
        '/npm/-/user/alice/package': {},
      }),
    );
    const { facts } = await collectRegistry({ registry: `${r.url}npm/`, ...fast });
    assert.deepEqual(
      facts.tokens!.map((t) => t.id),
      ['k1', 'k2'],
    );
    assert.ok(r.hits.every((h) => h.path.startsWith('/npm/')));
    const client = createClient(`${r.url}npm/`, { token: TOKEN });
    const outside = await client.getJson(`${r.origin}/other/tokens`);
    assert.deepEqual(outside, {
      ok: false,
      message: `GET /other/tokens: the URL leads to a path outside the registry's /npm/, so it was not requested.`,
    });
    const up = await client.getJson('..');
    assert.equal(up.ok, false);
    assert.ok(r.hits.every((h) => h.path.startsWith('/npm/')));
  });

  it('#4 the client sends nothing to another origin, and never names the token even when a link echoes it', async () => {
    const other = await serve((_req, res) => res.writeHead(200).end('{}'));
    const r = await serve(routes({}));
    const client = createClient(r.url, { token: TOKEN });
    const result = await client.getJson(`${other.origin}/steal?t=${TOKEN}`);
    assert.deepEqual(result, {
      ok: false,
      message: `GET ${other.origin}/steal?t=***: the URL leads to another origin (${other.origin}), so it was not requested.`,
    });
    const local = await client.getJson(`-/x/${encodeURIComponent(TOKEN)}`);
    assert.equal(local.ok, false);
    assert.ok(!JSON.stringify(local).includes(TOKEN));
    assert.deepEqual(other.hits, []);
  });
});

describe('#3 the registry does not fail open when the account lookup fails', () => {
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
    ['JSON that is not an object', (res: ServerResponse) => res.writeHead(200).end('["alice"]')],
    ['an object without a name', (res: ServerResponse) => res.writeHead(200).end('{"name": 42}')],
  ] as const) {
    it(`#3 ${what} from /-/npm/v1/user leaves the packages incomplete, not empty`, async () => {
      const r = await serve(
        routes({
          '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) => answer(res),
          '/-/npm/v1/tokens': { objects: [], urls: {} },
        }),
      );
      const { facts } = await collectRegistry({ registry: r.url, ...fast });
      assert.equal(errorsOf(facts, 'accounts').complete, false);
      assert.deepEqual(errorsOf(facts, 'packages'), {
        complete: false,
        errors: [
          {
            entity: 'packages',
            message:
              "The token's packages could not be listed, because the account lookup (GET /-/npm/v1/user) failed; name them with --packages or --org.",
          },
        ],
      });
      assert.deepEqual(facts.packages, []);
      assertSafe(facts);
    });
  }

  it('#3 the account errors say what came back', async () => {
    const messages: string[] = [];
    for (const body of ['<html>Sign in</html>', '{"name": "ali', '["alice"]']) {
      const r = await serve(
        routes({
          '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
            res
              .writeHead(200, {
                'content-type': body.startsWith('<') ? 'text/html; charset=utf-8' : 'application/json',
              })
              .end(body),
          '/-/npm/v1/tokens': { objects: [], urls: {} },
        }),
      );
      const { facts } = await collectRegistry({ registry: r.url, ...fast });
      messages.push(errorsOf(facts, 'accounts').errors![0]!.message);
    }
    assert.deepEqual(messages, [
      'GET /-/npm/v1/user: the response was text/html (20 bytes), not JSON.',
      'GET /-/npm/v1/user: the response was not valid JSON (13 bytes).',
      'GET /-/npm/v1/user: the response is not a JSON object.',
    ]);
  });
});

describe('#5 token pages are not truncated silently', () => {
  it(`#5 a registry with more than ${MAX_TOKEN_PAGES} pages leaves the tokens incomplete`, async () => {
    const r = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/-/npm/v1/user') return void res.writeHead(200).end(JSON.stringify(profile));
      if (url.pathname === '/-/user/alice/package') return void res.writeHead(200).end('{}');
      const page = Number(url.searchParams.get('page') ?? 0);
      res.writeHead(200).end(
        JSON.stringify({
          objects: [token(`k${page}`)],
          urls: { next: `/-/npm/v1/tokens?page=${page + 1}` },
        }),
      );
    });
    const { facts } = await collectRegistry({ registry: r.url, ...fast });
    assert.equal(facts.tokens!.length, MAX_TOKEN_PAGES);
    assert.deepEqual(errorsOf(facts, 'tokens'), {
      complete: false,
      errors: [
        {
          entity: `tokens page ${MAX_TOKEN_PAGES + 1}`,
          message: `The tokens after page ${MAX_TOKEN_PAGES} were not read: that is the most pages trustgate reads.`,
        },
      ],
    });
  });

  it(`#5 more than ${MAX_TOKENS} tokens in all leaves the tokens incomplete`, async () => {
    const page = (from: number, next?: string) =>
      JSON.stringify({
        objects: Array.from({ length: 60_000 }, (_, i) => ({ key: `k${from + i}`, automation: true })),
        urls: next ? { next } : {},
      });
    const [one, two] = [page(0, '/-/npm/v1/tokens?page=2'), page(60_000, '/-/npm/v1/tokens?page=3')];
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(one),
        '/-/npm/v1/tokens?page=2': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200).end(two),
        '/-/user/alice/package': {},
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, ...fast });
    assert.equal(facts.tokens!.length, MAX_TOKENS);
    assert.deepEqual(errorsOf(facts, 'tokens'), {
      complete: false,
      errors: [
        {
          entity: 'tokens page 2',
          message: `The tokens after the first ${MAX_TOKENS} were not read: that is the most trustgate reads.`,
        },
      ],
    });
    assert.ok(!r.hits.some((h) => h.path.includes('page=3')));
  });

  it('#5 a next link back to an earlier page (a loop) leaves the tokens incomplete', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [token('k1')], urls: { next: '/-/npm/v1/tokens?page=2' } },
        '/-/npm/v1/tokens?page=2': { objects: [token('k2')], urls: { next: '-/npm/v1/tokens' } },
        '/-/user/alice/package': {},
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, ...fast });
    assert.deepEqual(
      facts.tokens!.map((t) => t.id),
      ['k1', 'k2'],
    );
    assert.deepEqual(errorsOf(facts, 'tokens'), {
      complete: false,
      errors: [
        {
          entity: 'tokens page 3',
          message:
            'Page 2 of the tokens links back to page 1 (GET /-/npm/v1/tokens); the pages loop, so the tokens may not all have been read.',
        },
      ],
    });
  });
});

describe('#15 response bodies have a size limit', () => {
  /** An endless body, written as fast as the reader takes it; counts what it wrote. */
  function endless(written: { bytes: number }, headers: Record<string, string> = {}): Handler {
    const chunk = Buffer.alloc(64 * 1024, ' ');
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      const pump = () => {
        while (!res.destroyed) {
          written.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => res.destroy());
      pump();
    };
  }

  it('#15 an endless body is cut at its cap, the run ends promptly, and the source is incomplete', async () => {
    const toUser = { bytes: 0 };
    const toPackument = { bytes: 0 };
    const r = await serve(
      routes({
        '/-/npm/v1/user': endless(toUser),
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/big': endless(toPackument),
        '/-/package/big/trust': [],
        '/-/package/big/access': { publish_requires_tfa: true },
      }),
    );
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const { facts } = await collectRegistry({ registry: r.url, packages: ['big'], ...fast });
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message: 'GET /-/npm/v1/user: the response is larger than 1 MiB, so it was not read.',
      },
    ]);
    assert.deepEqual(errorsOf(facts, 'packages'), {
      complete: false,
      errors: [
        {
          entity: 'package:big',
          message: 'GET /big: the response is larger than 64 MiB, so it was not read.',
        },
      ],
    });
    // Reading stopped at the cap: the servers wrote little more than it (socket buffers).
    assert.ok(toUser.bytes < MAX_BODY_BYTES.document + 16 * 1024 * 1024, `${toUser.bytes} bytes`);
    assert.ok(toPackument.bytes < MAX_BODY_BYTES.packument + 16 * 1024 * 1024, `${toPackument.bytes} bytes`);
    assert.ok(process.memoryUsage().rss - rssBefore < 400 * 1024 * 1024);
  });

  it('#15 a body dense with JSON structure is refused before parsing (a million {} would cost GBs of heap)', async () => {
    const dense = `{"a":[${'{},'.repeat(MAX_JSON_CONTAINERS.packument)}{}]}`;
    const commas = `{"a":[${'1,'.repeat(MAX_JSON_VALUES.packument + 1)}1]}`;
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200).end(`{"name":"alice","x":[${'[],'.repeat(MAX_JSON_CONTAINERS.document)}[]]}`),
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/dense': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(dense),
        '/commas': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(commas),
        '/-/package/dense/trust': [],
        '/-/package/dense/access': {},
        '/-/package/commas/trust': [],
        '/-/package/commas/access': {},
      }),
    );
    const started = Date.now();
    const { facts } = await collectRegistry({ registry: r.url, packages: ['dense', 'commas'], ...fast });
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message:
          'GET /-/npm/v1/user: the response holds more than 10,000 JSON objects and lists or 100,000 values, so it was not read.',
      },
    ]);
    assert.deepEqual(
      errorsOf(facts, 'packages').errors!.map((e) => e.message),
      [
        'GET /commas: the response holds more than 1,000,000 JSON objects and lists or 4,000,000 values, so it was not read.',
        'GET /dense: the response holds more than 1,000,000 JSON objects and lists or 4,000,000 values, so it was not read.',
      ],
    );
  });

  it('#15 a declared Content-Length over the cap is refused before reading', async () => {
    const written = { bytes: 0 };
    const r = await serve(
      routes({
        '/-/npm/v1/user': endless(written, { 'content-length': String(10 * 1024 ** 3) }),
        '/-/npm/v1/tokens': { objects: [], urls: {} },
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, packages: [], ...fast });
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message: 'GET /-/npm/v1/user: the response is larger than 1 MiB, so it was not read.',
      },
    ]);
  });

  it('#15 a gzip bomb is cut at the cap after decompression', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, ' '));
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb),
        '/-/npm/v1/tokens': { objects: [], urls: {} },
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, packages: [], ...fast });
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message: 'GET /-/npm/v1/user: the response is larger than 1 MiB, so it was not read.',
      },
    ]);
  });
});

describe('#16 slow registries and Retry-After cannot stretch a run', () => {
  it('#16 Retry-After: 99999999 is not waited for: the request fails at once and says why', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(429, { 'retry-after': '99999999' }).end(),
        '/-/npm/v1/tokens': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(503, { 'retry-after': 'Fri, 31 Dec 2100 23:59:59 GMT' }).end(),
      }),
    );
    const started = Date.now();
    // The real sleep: a wait would show in the time taken.
    const { facts } = await collectRegistry({ registry: r.url, packages: [], token: TOKEN, now: NOW });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message:
          'GET /-/npm/v1/user: HTTP 429 after 1 try; the registry asked to wait 99999999 s, longer than the 30 s a request may take.',
      },
    ]);
    assert.match(
      errorsOf(facts, 'tokens').errors![0]!.message,
      /^GET \/-\/npm\/v1\/tokens: HTTP 503 after 1 try; the registry asked to wait \d+ s, longer than the 30 s a request may take\.$/,
    );
  });

  it('#16 a request that never answers takes at most twice the timeout, retries included', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': () => {},
        '/-/npm/v1/tokens': { objects: [], urls: {} },
      }),
    );
    const started = Date.now();
    const { facts } = await collectRegistry({
      registry: r.url,
      packages: [],
      token: TOKEN,
      now: NOW,
      attempts: 5,
      backoffMs: 10,
      timeoutMs: 300,
    });
    const took = Date.now() - started;
    assert.ok(took >= 550 && took < 1500, `took ${took} ms`);
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      {
        entity: 'account',
        message: 'GET /-/npm/v1/user: no answer within 0.3 s after 2 tries in the 0.6 s a request may take.',
      },
    ]);
  });

  it('#16 a body that trickles in is cut by the same timeout', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const t = setInterval(() => res.write(' '), 20);
          res.on('close', () => clearInterval(t));
        },
        '/-/npm/v1/tokens': { objects: [], urls: {} },
      }),
    );
    const started = Date.now();
    const { facts } = await collectRegistry({
      registry: r.url,
      packages: [],
      ...fast,
      timeoutMs: 200,
      attempts: 1,
    });
    assert.ok(Date.now() - started < 1500);
    assert.deepEqual(errorsOf(facts, 'accounts').errors, [
      { entity: 'account', message: 'GET /-/npm/v1/user: no answer within 0.2 s after 1 try.' },
    ]);
  });

  it('#16 the deadline stops the collection: requests under way, and packages not started, are errors', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        // Every package answers after 150 ms.
        ...Object.fromEntries(
          names.map((n) => [
            `/${n}`,
            (_req: IncomingMessage, res: ServerResponse) =>
              void setTimeout(() => res.writeHead(200).end('{}'), 150).unref(),
          ]),
        ),
      }),
    );
    const started = Date.now();
    const { facts } = await collectRegistry({
      registry: r.url,
      packages: names,
      ...fast,
      concurrency: 2,
      deadlineMs: 400,
    });
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    const { complete, errors } = errorsOf(facts, 'packages');
    assert.equal(complete, false);
    const last = errors!.find((e) => e.entity === 'packages');
    assert.match(
      last!.message,
      /^\d+ of 40 packages were not collected: the collection's deadline passed\.$/,
    );
    assert.ok(errors!.some((e) => / stopped at the collection's deadline\.$/.test(e.message)));
  });
});

describe('#13 very large listings', () => {
  it('#13 a user with 200,000 packages: globs and shards work without a stack overflow', async () => {
    const listing: Record<string, string> = {};
    for (let i = 0; i < 200_000; i++) listing[`@acme/pkg-${i}`] = 'read-write';
    listing['@acme/keep-a'] = 'read-write';
    listing['@acme/keep-b'] = 'read-write';
    const body = JSON.stringify(listing);
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/-/user/alice/package': (_req: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      }),
    );
    const started = Date.now();
    const globbed = await collectRegistry({ registry: r.url, packages: ['@acme/keep-*'], ...fast });
    assert.deepEqual(
      globbed.facts.packages!.map((p) => p.id),
      ['@acme/keep-a', '@acme/keep-b'],
    );
    // All 200,002, sharded very thin: the listing is taken whole before the shard.
    const sharded = await collectRegistry({ registry: r.url, shard: { index: 1, count: 50_000 }, ...fast });
    assert.ok(sharded.facts.packages!.length < 40);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  it('#13 an org with 200,000 members is read in linear time', async () => {
    const members: Record<string, string> = {};
    for (let i = 0; i < 200_000; i++) members[`user${i}`] = 'developer';
    const body = JSON.stringify(members);
    const r = await serve(
      routes({
        '/-/npm/v1/user': profile,
        '/-/npm/v1/tokens': { objects: [], urls: {} },
        '/-/org/acme/user': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(body),
        '/-/org/acme/package': {},
      }),
    );
    const started = Date.now();
    const { facts } = await collectRegistry({ registry: r.url, org: 'acme', ...fast });
    assert.equal(facts.accounts!.length, 200_001);
    assert.equal(facts.orgs![0]!.members.length, 200_000);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });
});

describe('hostile response shapes', () => {
  const ESC = '\u001b[2J\u001b]8;;http://evil.test\u0007';
  it('wrong types, escape sequences, huge strings and prototype keys give valid facts and errors, never a crash', async () => {
    const r = await serve(
      routes({
        '/-/npm/v1/user': { name: 'alice', tfa: 'yes' },
        '/-/npm/v1/tokens': {
          objects: [
            null,
            42,
            'token',
            {
              key: `${ESC}key`,
              token: `npm_${ESC}`,
              user: `${ESC}mallory`,
              created: 'yesterday',
              expiry: 12345,
              readonly: 'no',
              cidr: 5,
              scopes: 'everything',
              packages: [`${ESC}@acme/x`, { name: 7 }],
              permissions: { action: 'write' },
            },
            { key: 'x'.repeat(100_000), created: '2026-02-30T00:00:00.000Z', automation: true },
            { key: TOKEN, automation: false },
            { key: 'dup', automation: true },
            { key: 'dup', automation: false },
          ],
          urls: { next: 42 },
        },
        '/-/org/acme/user': { [`${ESC}bob`]: 'developer', carol: { role: 'owner' }, dave: 'owner' },
        '/-/org/acme/package': {
          '@acme/ok': 'read-write',
          '..': 'read-write',
          [`@acme/${ESC}`]: 'read-write',
          ['x'.repeat(100_000)]: 'read-write',
          constructor: 'read-write',
        },
        '/@acme/ok': {
          'dist-tags': { latest: 'constructor' },
          versions: {},
          maintainers: [`${ESC}eve`, { name: 'frank' }, 17],
        },
        '/-/package/@acme/ok/trust': { type: 'github' },
        '/-/package/@acme/ok/access': 'public',
        '/constructor': [1, 2, 3],
        '/-/package/constructor/trust': [
          null,
          {
            type: 'github',
            claims: { repository: `${ESC}acme/x`, workflow_ref: { file: 'x'.repeat(5000) } },
          },
          { type: 'gitlab', claims: { project_path: `echo/${TOKEN}` } },
        ],
        '/-/package/constructor/access': { publish_requires_tfa: 'yes', access: 'everyone' },
      }),
    );
    const { facts } = await collectRegistry({ registry: r.url, org: 'acme', ...fast });
    assertSafe(facts);
    assert.deepEqual(
      facts.packages!.map((p) => [
        p.id,
        p.latest ?? null,
        p.maintainers,
        p.trustedPublishers,
        p.mfa,
        p.access,
      ]),
      [
        ['@acme/ok', null, ['frank'], null, null, null],
        [
          'constructor',
          null,
          undefined,
          [
            {
              provider: 'github',
              repository: '\ufffd[2J\ufffd]8;;http://evil.test\ufffdacme/x',
              workflow: `${'x'.repeat(512)}…`,
              environment: null,
            },
            // The registry echoed the token into a claim: it never reaches the facts.
            { provider: 'gitlab', project: 'echo/***', environment: null },
          ],
          null,
          null,
        ],
      ],
    );
    assert.deepEqual(facts.orgs![0]!.members, [{ name: 'dave', role: 'owner' }]);
    assert.deepEqual(
      facts.accounts!.map((a) => [a.id, a.tfa]),
      [
        ['alice', null],
        ['dave', null],
      ],
    );
    const tokens = facts.tokens!;
    assert.equal(tokens.length, 4);
    assert.ok(tokens.every((t) => t.id !== TOKEN && !t.id.includes('\u001b') && t.id.length <= 214));
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.access, t.created, t.expires, t.owner, t.cidr, t.display ?? null]),
      [
        // The registry named the owner oddly: unknown, not the token's account.
        ['granular', 'write', null, null, null, [], 'npm_…????'],
        ['classic', 'write', null, null, 'alice', [], null],
        ['classic', 'write', null, null, 'alice', [], null],
        ['classic', 'write', null, null, 'alice', [], null],
      ],
    );
    const tokenErrors = errorsOf(facts, 'tokens');
    assert.equal(tokenErrors.complete, false);
    assert.deepEqual(
      tokenErrors.errors!.map((e) => e.message),
      [
        'GET /-/npm/v1/tokens: readonly, permissions, created, expiry, user, cidr, scopes are not what the registry sends, so they are unknown.',
        'GET /-/npm/v1/tokens: created is not what the registry sends, so it is unknown.',
        'GET /-/npm/v1/tokens: the token is listed twice, differently; the first listing was kept.',
        'GET /-/npm/v1/tokens: 3 entries are not token objects and were left out.',
        'GET /-/npm/v1/tokens: the link to the next page ("urls.next") is not a string, so the tokens after this page were not read.',
      ],
    );
    assert.deepEqual(errorsOf(facts, 'orgs').errors, [
      {
        entity: 'org:acme',
        message: 'GET /-/org/acme/user: 2 members were left out: a name or role that is not a plain string.',
      },
    ]);
    assert.deepEqual(
      errorsOf(facts, 'packages').errors!.map((e) => [e.entity, e.message]),
      [
        [
          'org:acme',
          'GET /-/org/acme/package: 3 names are not a valid package name, so those packages were not collected.',
        ],
        [
          'package:@acme/ok',
          'GET /@acme%2Fok: versions[latest], maintainers are not what a packument holds, so they are unknown.',
        ],
        [
          'package:@acme/ok',
          'GET /-/package/@acme%2fok/trust: the response is not a JSON list of trusted publishers.',
        ],
        ['package:@acme/ok', 'GET /-/package/@acme%2fok/access: the response is not a JSON object.'],
        ['package:constructor', 'GET /constructor: the response is not a JSON object.'],
        // A string it does not know ("everyone") is only unknown: npm may add access levels.
        [
          'package:constructor',
          'GET /-/package/constructor/access: publish_requires_tfa is not what the registry sends, so it is unknown.',
        ],
      ],
    );
  });

  for (const body of ['null', '"a string"', '42', 'true', '[]']) {
    it(`JSON that is not an object (${body}) from every endpoint: every source incomplete, facts valid`, async () => {
      const r = await serve((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      );
      const { facts, requests, failures } = await collectRegistry({
        registry: r.url,
        org: 'acme',
        packages: ['a'],
        ...fast,
      });
      assertSafe(facts);
      assert.ok(facts.sources.every((s) => !s.complete && (s.errors ?? []).length > 0));
      // Every request counts as failed, so that the CLI can say nothing was collected (a trust list may be empty).
      assert.equal(failures, body === '[]' ? requests - 1 : requests);
    });
  }
});
