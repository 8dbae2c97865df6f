import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  isNpmjs,
  loadFacts,
  loadFactsFile,
  mergeFacts,
  parseFacts,
  readFactsFile,
  TrustgateError,
} from '@trustgate/core';
import { errorOf, tempDir } from './helpers.ts';

const valid = {
  schemaVersion: 1,
  collectedAt: '2026-11-28T09:00:00Z',
  sources: [{ collector: 'registry', covers: ['tokens'], complete: true }],
  tokens: [{ id: 'a', kind: 'granular', access: 'write', created: '2026-11-01T00:00:00Z', expires: null }],
};

describe('facts loading', () => {
  it('fills in every collection', async () => {
    const facts = parseFacts(JSON.stringify(valid), 'facts.json');
    assert.equal(facts.tokens.length, 1);
    assert.deepEqual(facts.accounts, []);
    assert.deepEqual(facts.workflows, []);
  });

  it('names the line and column of a JSON syntax error without quoting the text', async () => {
    const text = '{\n  "schemaVersion": 1,\n  "collectedAt": npm_secretvalue\n}';
    const message = await errorOf(() => parseFacts(text, 'facts.json'));
    assert.equal(message, 'facts.json:3:18: Facts are not valid JSON: unexpected character.');
  });

  it('says a truncated file ends early', async () => {
    assert.equal(
      await errorOf(() => parseFacts('{\n  "schemaVersion": 1,\n  "collectedAt": "2026-11-2', 'facts.json')),
      'facts.json:3:28: Facts are not complete JSON: the file ends inside a string; the file may be truncated.',
    );
    assert.equal(
      await errorOf(() => parseFacts('{\n  "schemaVersion": 1,\n', 'facts.json')),
      'facts.json:3:1: Facts are not complete JSON: the file ends early; the file may be truncated.',
    );
  });

  it('refuses another schema version', async () => {
    assert.equal(
      await errorOf(() => parseFacts(JSON.stringify({ ...valid, schemaVersion: 2 }), 'facts.json')),
      'facts.json: schemaVersion: Unsupported schemaVersion 2; this trustgate reads facts of schema version 1.',
    );
  });

  it('names the JSON path, line and column of a wrong type', async () => {
    const bad = { ...valid, tokens: [{ ...valid.tokens[0], access: 'admin', created: '2026-13-01' }] };
    assert.equal(
      await errorOf(() => parseFacts(JSON.stringify(bad, null, 2), 'facts.json')),
      [
        'facts.json:17:17: tokens[0].access: Must be one of "read", "write"; got "admin".',
        'facts.json:18:18: tokens[0].created: Must be an ISO 8601 date and time, such as "2026-11-28T09:00:00Z"; got "2026-13-01".',
      ].join('\n'),
    );
  });

  it('refuses very deep nesting with a clear error, not a crash', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const text = `{"schemaVersion": 1, "collectedAt": "2026-11-28T09:00:00Z", "sources": [], "tokens": ${deep}}`;
    const message = await errorOf(() => parseFacts(text, 'facts.json'));
    // Positions come from one pass that only descends along the paths it looks for: deep is fine.
    assert.equal(message, 'facts.json:1:87: tokens[0]: Must be a mapping; got a list.');
  });

  it('reports unknown keys and duplicate ids', async () => {
    assert.equal(
      await errorOf(() => parseFacts(JSON.stringify({ ...valid, token: [] }), 'facts.json')),
      'facts.json:1:235: token: Unknown key "token". Did you mean "tokens"?',
    );
    assert.equal(
      await errorOf(() =>
        parseFacts(JSON.stringify({ ...valid, tokens: [valid.tokens[0], valid.tokens[0]] }), 'facts.json'),
      ),
      'facts.json: tokens[1].id: Duplicate id; tokens[0] has the same id, and ids must be unique within a collection.',
    );
  });

  it('says when a 2FA record has the wrong shape, not that it should be null', async () => {
    const facts = {
      ...valid,
      sources: [{ collector: 'registry', covers: ['accounts'], complete: true }],
      accounts: [{ id: 'x', tfa: { enabled: true, mode: 'writes', method: 'webauthn' } }],
    };
    assert.equal(
      await errorOf(() => parseFacts(JSON.stringify(facts), 'facts.json')),
      'facts.json:1:288: accounts[0].tfa.mode: Must be one of "auth-only", "auth-and-writes"; got "writes".',
    );
    const wrong = { ...facts, accounts: [{ id: 'x', tfa: 'yes' }] };
    assert.equal(
      await errorOf(() => parseFacts(JSON.stringify(wrong), 'facts.json')),
      'facts.json:1:265: accounts[0].tfa: Must be a mapping or null; got "yes".',
    );
  });

  it('reads files: a missing file and non-UTF-8 bytes are bad input', async () => {
    const dir = tempDir({ 'latin1.json': '' });
    try {
      loadFacts(path.join(dir, 'missing.json'));
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof TrustgateError);
      assert.equal(error.exitCode, 2);
      assert.equal(
        error.message,
        `${path.join(dir, 'missing.json')}: Cannot read facts: the file does not exist.`,
      );
    }
    const file = path.join(dir, 'latin1.json');
    writeFileSync(file, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    assert.equal(
      await errorOf(() => loadFacts(file)),
      `${file}: Facts must be UTF-8 text; this file holds other bytes.`,
    );
  });

  it('reads files off the thread with the same results and errors as loadFacts', async () => {
    const dir = tempDir({ 'facts.json': JSON.stringify(valid), 'bad.json': '{"schemaVersion": 1,' });
    const good = path.join(dir, 'facts.json');
    const read = await readFactsFile(good);
    assert.deepEqual(loadFactsFile(read), loadFacts(good));
    for (const file of [path.join(dir, 'missing.json'), dir, path.join(dir, 'bad.json')]) {
      // Never rejects: the error waits in the result until loadFactsFile throws it.
      const later = await readFactsFile(file);
      assert.equal(await errorOf(() => loadFactsFile(later)), await errorOf(() => loadFacts(file)));
    }
    assert.equal(
      await errorOf(async () => loadFactsFile(await readFactsFile(dir))),
      `${dir}: Cannot read facts: it is a directory.`,
    );
  });

  it('merges shards: sources add up, entities merge by id, the latest collectedAt wins', async () => {
    const a = parseFacts(JSON.stringify(valid), 'a.json');
    const b = parseFacts(
      JSON.stringify({
        ...valid,
        collectedAt: '2026-11-28T10:00:00Z',
        sources: [{ collector: 'registry', covers: ['packages'], complete: true }],
        tokens: [{ ...valid.tokens[0], id: 'b' }],
        packages: [{ id: '@acme/x', mfa: 'publish', trustedPublishers: [] }],
      }),
      'b.json',
    );
    const merged = mergeFacts([a, b]);
    assert.equal(merged.collectedAt, '2026-11-28T10:00:00Z');
    assert.deepEqual(
      merged.sources.map((s) => s.covers),
      [['tokens'], ['packages']],
    );
    assert.deepEqual(
      merged.tokens.map((t) => t.id),
      ['a', 'b'],
    );
    assert.equal(merged.packages.length, 1);
  });
});

describe('isNpmjs', () => {
  const cases: [string, boolean][] = [
    ['https://registry.npmjs.org/', true],
    ['https://registry.npmjs.org', true],
    ['https://user:secret@registry.npmjs.org/', true],
    ['HTTPS://REGISTRY.NPMJS.ORG/', true],
    ['https://registry.npmjs.org.evil.example/', false],
    ['https://npm.pkg.github.com/', false],
    ['registry.npmjs.org', false],
    ['not a url', false],
    ['', false],
  ];

  it('knows the public registry however its URL is written, and answers alike when asked again', () => {
    for (let round = 0; round < 2; round++)
      for (const [url, expected] of cases) assert.equal(isNpmjs(url), expected, `${url} (round ${round})`);
  });

  it('still answers right after more distinct URLs than it remembers', () => {
    for (let i = 0; i < 2500; i++) {
      assert.equal(isNpmjs(`https://registry-${i}.example/`), false);
      if (i % 500 === 0) for (const [url, expected] of cases) assert.equal(isNpmjs(url), expected, url);
    }
  });
});
