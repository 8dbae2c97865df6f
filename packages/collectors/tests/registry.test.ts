/**
 * The registry collector against a local server that answers with response
 * shapes recorded from registry.npmjs.org (classic and granular tokens, tfa
 * modes, trust configurations, access settings, attestations), and with faults.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { collectRegistry, shardOf } from '@trustgate/collectors';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A registry on 127.0.0.1 with a handler per path; it stops after the test file. */
async function registry(
  routes: Record<string, Handler | unknown>,
): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '/');
    hits.push(path);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    } else if (typeof route === 'function') {
      (route as Handler)(req, res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits, server };
}

const NOW = new Date('2026-11-28T09:00:00Z');
const fast = { attempts: 3, backoffMs: 1, sleep: async () => {}, now: NOW };

// Recorded shapes (values changed).
const profile = {
  name: 'alice',
  email: 'alice@acme.test',
  tfa: { pending: false, mode: 'auth-and-writes' },
  cidr_whitelist: null,
  fullname: 'Alice',
};
const tokensPage1 = {
  objects: [
    {
      token: 'a1b2c3',
      key: 'c'.repeat(128),
      cidr_whitelist: null,
      readonly: false,
      automation: true,
      created: '2024-06-02T10:00:00.000Z',
      updated: '2024-06-02T10:00:00.000Z',
    },
    {
      token: 'd4e5f6',
      key: 'd'.repeat(128),
      cidr_whitelist: ['192.0.2.0/24'],
      readonly: true,
      automation: false,
      created: '2023-01-10T10:00:00.000Z',
      updated: '2023-01-10T10:00:00.000Z',
    },
    {
      name: 'release',
      token: 'npm_Xk2P',
      key: 'e'.repeat(128),
      expiry: '2026-12-20T00:00:00.000Z',
      created: '2026-11-20T00:00:00.000Z',
      permissions: [{ name: 'package', action: 'write' }],
      scopes: [{ name: '@acme', type: 'org' }],
      packages: [],
      bypass_2fa: true,
      cidr: [],
    },
  ],
  total: 4,
  urls: { next: '/-/npm/v1/tokens?page=1&perPage=3' },
};
const tokensPage2 = {
  objects: [
    {
      name: 'ci read',
      token: 'npm_R3ad',
      key: 'f'.repeat(128),
      expiry: '2027-11-20T00:00:00.000Z',
      created: '2026-11-20T00:00:00.000Z',
      permissions: [{ name: 'package', action: 'read' }],
      bypass_2fa: false,
      cidr: ['198.51.100.0/24'],
    },
  ],
  total: 4,
  urls: {},
};
const packument = (name: string, provenance: boolean) => ({
  _id: name,
  name,
  'dist-tags': { latest: '2.1.0' },
  maintainers: [
    { name: 'alice', email: 'alice@acme.test' },
    { name: 'bob', email: 'bob@acme.test' },
  ],
  time: { '2.1.0': '2026-11-20T14:03:11.000Z' },
  versions: {
    '2.1.0': {
      name,
      version: '2.1.0',
      dist: {
        shasum: 'x',
        tarball: `https://registry.npmjs.org/${name}/-/x-2.1.0.tgz`,
        ...(provenance
          ? {
              attestations: {
                url: 'https://registry.npmjs.org/-/npm/v1/attestations/x',
                provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
              },
            }
          : {}),
      },
      _npmUser: provenance
        ? {
            name: 'GitHub Actions',
            email: 'npm-oidc-no-reply@github.com',
            trustedPublisher: { id: 'github', oidcConfigId: 'oidc:123' },
          }
        : { name: 'bob', email: 'bob@acme.test' },
    },
  },
});

describe('registry collector', () => {
  it('maps npmjs shapes: profile, classic and granular tokens over pages, org members, packages with trust, access and provenance', async () => {
    const r = await registry({
      '/-/npm/v1/user': profile,
      '/-/npm/v1/tokens': tokensPage1,
      '/-/npm/v1/tokens?page=1&perPage=3': tokensPage2,
      '/-/org/acme/user': { alice: 'owner', bob: 'developer' },
      '/-/org/acme/package': { '@acme/web': 'read-write', '@acme/legacy': 'read-write' },
      '/@acme/web': packument('@acme/web', true),
      '/-/package/@acme/web/trust': [
        {
          id: 't1',
          type: 'github',
          claims: { repository: 'acme/web', workflow_ref: { file: 'release.yml' }, environment: 'npm' },
        },
      ],
      '/-/package/@acme/web/access': {
        publish_requires_tfa: true,
        automation_token_overrides_tfa: false,
        access: 'public',
      },
      '/@acme/legacy': packument('@acme/legacy', false),
      '/-/package/@acme/legacy/trust': [],
      '/-/package/@acme/legacy/access': { publish_requires_tfa: true, automation_token_overrides_tfa: true },
    });
    const { facts, failures } = await collectRegistry({
      registry: r.url,
      token: 'secret-value',
      org: 'acme',
      ...fast,
    });
    assert.equal(failures, 0);
    assert.deepEqual(
      facts.sources.map((s) => [s.covers, s.complete]),
      [
        [['accounts'], true],
        [['tokens'], true],
        [['packages'], true],
        [['orgs'], true],
      ],
    );
    assert.deepEqual(
      facts.tokens!.map((t) => [
        t.id.slice(0, 1),
        t.kind,
        t.classicType ?? null,
        t.access,
        t.expires,
        t.bypass2fa ?? null,
        t.cidr,
        t.display,
        t.owner,
      ]),
      [
        ['c', 'classic', 'automation', 'write', null, null, [], '…b2c3', 'alice'],
        ['d', 'classic', 'read-only', 'read', null, null, ['192.0.2.0/24'], '…e5f6', 'alice'],
        ['e', 'granular', null, 'write', '2026-12-20T00:00:00.000Z', true, [], 'npm_…Xk2P', 'alice'],
        [
          'f',
          'granular',
          null,
          'read',
          '2027-11-20T00:00:00.000Z',
          false,
          ['198.51.100.0/24'],
          'npm_…R3ad',
          'alice',
        ],
      ],
    );
    assert.deepEqual(facts.tokens![2]!.scopes, ['@acme']);
    assert.deepEqual(facts.accounts, [
      {
        id: 'alice',
        tfa: { enabled: true, mode: 'auth-and-writes', pending: false, method: 'unknown' },
        origin: { url: `${r.url}-/npm/v1/user` },
      },
      { id: 'bob', tfa: null, roles: ['developer'] },
    ]);
    assert.deepEqual(
      facts.orgs!.map((o) => o.members),
      [
        [
          { name: 'alice', role: 'owner' },
          { name: 'bob', role: 'developer' },
        ],
      ],
    );
    assert.deepEqual(
      facts.packages!.map((p) => [p.id, p.mfa, p.access, p.trustedPublishers, p.maintainers, p.latest]),
      [
        [
          '@acme/legacy',
          'automation',
          null,
          [],
          ['alice', 'bob'],
          {
            version: '2.1.0',
            publishedAt: '2026-11-20T14:03:11.000Z',
            provenance: false,
            trustedPublisher: false,
            publisher: 'bob',
          },
        ],
        [
          '@acme/web',
          'publish',
          'public',
          [{ provider: 'github', repository: 'acme/web', workflow: 'release.yml', environment: 'npm' }],
          ['alice', 'bob'],
          {
            version: '2.1.0',
            publishedAt: '2026-11-20T14:03:11.000Z',
            provenance: true,
            trustedPublisher: true,
            publisher: 'GitHub Actions',
          },
        ],
      ],
    );
    assert.ok(!JSON.stringify(facts).includes('secret-value'));
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    let calls = 0;
    const waits: number[] = [];
    const r = await registry({
      '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) => {
        calls++;
        if (calls === 1) res.writeHead(429, { 'retry-after': '7' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(profile));
      },
      '/-/npm/v1/tokens': { objects: [], urls: {} },
      '/-/user/alice/package': {},
    });
    const { facts } = await collectRegistry({
      registry: r.url,
      ...fast,
      sleep: async (ms) => void waits.push(ms),
    });
    assert.deepEqual(waits, [7000]);
    assert.equal(facts.accounts![0]!.id, 'alice');
    assert.ok(facts.sources.every((s) => s.complete));
  });

  it('records 500s, a timeout, a 401, truncated JSON and a wrong shape as errors of the right source, which is then incomplete', async () => {
    const r = await registry({
      '/-/npm/v1/user': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(500).end(),
      '/-/npm/v1/tokens': (_req: IncomingMessage, res: ServerResponse) => res.writeHead(401).end(),
      '/@acme/slow': (_req: IncomingMessage, res: ServerResponse) =>
        void setTimeout(() => res.writeHead(200).end('{}'), 2000),
      '/-/package/@acme/slow/trust': '[{"id": "t1", "type": "github", "claims": {"reposit',
      '/-/package/@acme/slow/access': (_req: IncomingMessage, res: ServerResponse) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"publish_requires_tfa": tr'),
    });
    const { facts } = await collectRegistry({
      registry: r.url,
      packages: ['@acme/slow'],
      ...fast,
      timeoutMs: 200,
    });
    assert.deepEqual(
      facts.sources.map((s) => [s.covers[0], s.complete, s.errors]),
      [
        ['accounts', false, [{ entity: 'account', message: 'GET /-/npm/v1/user: HTTP 500 after 3 tries.' }]],
        [
          'tokens',
          false,
          [
            {
              entity: 'tokens page 1',
              message:
                'GET /-/npm/v1/tokens: HTTP 401: the registry refused the token (missing, expired or revoked).',
            },
          ],
        ],
        [
          'packages',
          false,
          [
            {
              entity: 'package:@acme/slow',
              message:
                'GET /@acme%2Fslow: no answer within 0.2 s after 2 tries in the 0.4 s a request may take.',
            },
            {
              entity: 'package:@acme/slow',
              message:
                'GET /-/package/@acme%2fslow/trust: the response is not a JSON list of trusted publishers.',
            },
            {
              entity: 'package:@acme/slow',
              message: 'GET /-/package/@acme%2fslow/access: the response was not valid JSON (27 bytes).',
            },
          ],
        ],
      ],
    );
    // The trust answer was a JSON string, not a list: unknown (and an error), not "no publisher".
    assert.deepEqual(
      facts.packages!.map((p) => [p.id, p.trustedPublishers, p.mfa]),
      [['@acme/slow', null, null]],
    );
  });

  it('reports progress as packages complete, for the progress bar', async () => {
    const r = await registry({
      '/-/npm/v1/user': profile,
      '/-/npm/v1/tokens': { objects: [], urls: {} },
      '/a': packument('a', false),
      '/b': packument('b', false),
    });
    const seen: string[] = [];
    await collectRegistry({
      registry: r.url,
      packages: ['a', 'b'],
      ...fast,
      concurrency: 1,
      onProgress: (d, t) => seen.push(`${d}/${t}`),
    });
    assert.deepEqual(seen, ['1/2', '2/2']);
  });

  it('shards are stable and cover every package exactly once', () => {
    const names = Array.from({ length: 200 }, (_, i) => `@acme/p${i}`);
    const shards = [1, 2, 3, 4].map((i) => names.filter((n) => shardOf(n, 4) === i - 1));
    assert.equal(shards.flat().length, 200);
    assert.equal(new Set(shards.flat()).size, 200);
    assert.ok(shards.every((s) => s.length > 25));
    assert.equal(shardOf('@acme/web', 4), shardOf('@acme/web', 4));
  });
});
