/**
 * The facts schema is checked in parts (the document, then one validator per
 * collection with its entity inline). The parts must accept and reject exactly
 * what the whole schema does, with the same errors in the same order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ErrorObject } from 'ajv';
import { COLLECTIONS } from '../src/facts.ts';
import { compileFactsValidators, factsSchemaParts, validateByParts } from '../src/facts-validate.ts';
import { createAjv } from '../src/schema.ts';
import { loadSchema } from '../src/schemas.ts';

const ROOT = new URL('../../../', import.meta.url);
const schema = loadSchema('facts.schema.json');
const whole = createAjv().compile(schema);
const parts = compileFactsValidators(schema);

type Doc = Record<string, unknown> & Record<(typeof COLLECTIONS)[number], Record<string, unknown>[]>;
const example = (): Doc => JSON.parse(readFileSync(new URL('examples/acme/facts.json', ROOT), 'utf8'));

/** What an error says, without the schema path (which names definitions in the whole schema). */
const said = (errors: readonly ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => ({
    instancePath: e.instancePath,
    keyword: e.keyword,
    params: e.params,
    message: e.message,
  }));

function compare(data: unknown, label: string): void {
  const ok = whole(structuredClone(data));
  const byParts = validateByParts(parts, structuredClone(data));
  assert.equal(byParts === null, ok, `${label}: verdict`);
  assert.deepEqual(said(byParts), said(whole.errors), `${label}: errors`);
}

describe('facts validated in parts', () => {
  it('covers every collection, with no reference left in an entity', () => {
    const { root, collections } = factsSchemaParts(schema);
    assert.deepEqual(Object.keys(collections), [...COLLECTIONS]);
    for (const name of COLLECTIONS) {
      assert.equal(JSON.stringify(collections[name]).includes('$ref'), false, name);
      assert.deepEqual((root.properties as Record<string, unknown>)[name], { type: 'array' });
    }
    assert.equal('$id' in root, false);
  });

  it('agrees with the whole schema on valid facts and on each kind of mistake', () => {
    const edits: [string, (d: Doc) => void][] = [
      ['valid', () => {}],
      ['no collectedAt', (d) => delete d.collectedAt],
      ['an impossible date', (d) => (d.collectedAt = '2026-02-30T00:00:00Z')],
      ['an unknown top-level key', (d) => (d.extra = true)],
      ['a collection that is not an array', (d) => ((d as Record<string, unknown>).accounts = { alice: {} })],
      ['sources not an array', (d) => ((d as Record<string, unknown>).sources = 'all')],
      ['an unknown token key', (d) => (d.tokens[0]!.type = 'legacy')],
      ['a token date', (d) => (d.tokens[1]!.created = 'yesterday')],
      ['a missing id', (d) => delete d.tokens[3]!.id],
      ['a nested origin', (d) => (d.tokens[4]!.origin = { line: 0 })],
      ['an account 2FA method', (d) => ((d.accounts[0]!.tfa as Record<string, unknown>).method = 'sms')],
      ['a trusted publisher', (d) => (d.packages[0]!.trustedPublishers = [{ provider: 'jenkins' }])],
      ['an org member', (d) => (d.orgs[0]!.members = [{ name: '' }])],
      ['a workflow provider', (d) => (d.workflows[0]!.provider = 'jenkins')],
      ['an .npmrc key', (d) => (d.npmrc[0]!.key = 'token')],
      ['a manifest', (d) => (d.manifests[0]!.private = 'no')],
      [
        'mistakes everywhere at once',
        (d) => {
          d.extra = 1;
          d.collectedAt = 'now';
          d.tokens[0]!.kind = 'legacy';
          (d as Record<string, unknown>).accounts = 'none';
          d.packages[1]!.mfa = 'always';
          d.manifests[2]!.id = 7;
        },
      ],
    ];
    for (const [label, edit] of edits) {
      const d = example();
      edit(d);
      compare(d, label);
    }
  });

  it('agrees on documents that are not objects', () => {
    for (const data of [null, [], 'facts', 1, {}]) compare(data, JSON.stringify(data));
  });

  it('gives schema paths into its parts', () => {
    const d = example();
    d.tokens[1]!.created = 'yesterday';
    const errors = validateByParts(parts, d);
    assert.deepEqual(
      errors?.map((e) => [e.instancePath, e.schemaPath]),
      [['/tokens/1/created', '#/properties/tokens/items/properties/created/format']],
    );
  });

  it('refuses a schema it cannot split', () => {
    type Node = { [key: string]: Node } & { $ref?: string };
    const copy = () => structuredClone(schema) as unknown as Node;
    const selfRef = copy();
    selfRef.definitions!.Origin!.properties!.parent = { $ref: '#/definitions/Origin' } as Node;
    assert.throws(() => factsSchemaParts(selfRef), /"#\/definitions\/Origin" refers to itself/);
    const unknown = copy();
    unknown.properties!.tokens!.items = { $ref: '#/definitions/Nope' } as Node;
    assert.throws(() => factsSchemaParts(unknown), /cannot inline the reference "#\/definitions\/Nope"/);
    const missing = copy();
    delete missing.properties!.npmrc;
    assert.throws(() => factsSchemaParts(missing), /no "npmrc"/);
  });
});
