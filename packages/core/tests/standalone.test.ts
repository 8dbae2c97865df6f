/**
 * The validators generated at build time (scripts/build-validators.mjs) must
 * judge exactly as the schemas compiled at run time: the same verdict, the
 * same errors, the same defaults filled in. Runs after `pnpm run build`; from
 * a tree that was never built there is nothing to compare, and it says so.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { loadScript } from '../src/code-cache.ts';
import { COLLECTIONS } from '../src/facts.ts';
import { compileFactsValidators, type FactsValidators, validateByParts } from '../src/facts-validate.ts';
import { createAjv, validatorKey } from '../src/schema.ts';
import { loadSchema } from '../src/schemas.ts';

const ROOT = new URL('../../../', import.meta.url);
const built = (path: string) => existsSync(new URL(path, ROOT));

/** A generated validator script's exports, loaded as core loads it. */
function script(path: string): Record<string, unknown> {
  const loaded = loadScript(new URL(path, ROOT));
  assert.ok(loaded, `${path} is missing`);
  return loaded.exports;
}

/** What an error says, without ajv's references to schema objects. */
const said = (e: ErrorObject) => ({
  instancePath: e.instancePath,
  schemaPath: e.schemaPath,
  keyword: e.keyword,
  params: e.params,
  message: e.message,
});

/** What a verdict is made of, without ajv's references to schema objects. */
function verdict(validate: ValidateFunction, data: unknown) {
  const copy = structuredClone(data);
  const ok = validate(copy);
  return { ok, errors: (validate.errors ?? []).map(said), data: copy };
}

/** A valid document, then variants with one thing wrong each. */
function variants(valid: Record<string, unknown>, edits: ((d: Record<string, unknown>) => void)[]) {
  return [
    valid,
    ...edits.map((edit) => {
      const d = structuredClone(valid);
      edit(d);
      return d;
    }),
  ];
}

describe('generated validators agree with run-time compilation', {
  skip: !built('packages/core/dist/validators/facts.js') && 'not built',
}, () => {
  it('facts', () => {
    const facts = JSON.parse(readFileSync(new URL('examples/acme/facts.json', ROOT), 'utf8'));
    const token = () => (facts.tokens as Record<string, unknown>[])[0]!;
    const cases = variants(facts, [
      (d) => delete d.collectedAt,
      (d) => (d.collectedAt = '2026-02-30T00:00:00Z'),
      (d) => (d.schemaVersion = 2),
      (d) => (d.extra = true),
      (d) => ((d.tokens as Record<string, unknown>[])[0]!.type = 'legacy'),
      (d) => ((d.tokens as Record<string, unknown>[])[1]!.created = 'yesterday'),
      (d) => ((d.tokens as Record<string, unknown>[])[2]!.readonly = 'no'),
      (d) => delete (d.tokens as Record<string, unknown>[])[3]!.id,
      (d) => (d.accounts = [{ id: 'a' }]),
      (d) => (d.workflows = [{ ...token(), provider: 'jenkins' }]),
      (d) => (d.sources = 'all'),
    ]);
    // The facts schema is generated in parts: the document, and one validator per collection.
    const generated = script('packages/core/dist/validators/facts.js');
    const generatedParts: FactsValidators = {
      root: generated.root as ValidateFunction,
      collections: Object.fromEntries(
        COLLECTIONS.map((name) => [name, generated[name]]),
      ) as FactsValidators['collections'],
    };
    const compiledParts = compileFactsValidators(loadSchema('facts.schema.json'));
    const errors = (parts: FactsValidators, data: unknown) =>
      (validateByParts(parts, structuredClone(data)) ?? []).map(said);
    for (const data of cases) assert.deepEqual(errors(generatedParts, data), errors(compiledParts, data));
    // Every variant but the first is wrong somewhere: the comparison is not between two silences.
    assert.ok(cases.slice(1).every((data) => errors(compiledParts, data).length > 0));
  });

  it('policy', () => {
    const policy = parse(readFileSync(new URL('examples/acme/trustgate.yaml', ROOT), 'utf8'));
    const cases = variants(policy, [
      (d) => delete d.kind,
      (d) => (d.apiVersion = 'trustgate/v2'),
      (d) => (d.rules = { 'token-max-age': 'fatal' }),
      (d) => (d.exceptions = [{ rule: 'x', subject: 'y', reason: 'z', expires: 'soon' }]),
      (d) => (d.overrides = [{ rules: {} }]),
      (d) => (d.unknown = 1),
    ]);
    const generated = script('packages/core/dist/validators/policy.js').validate as ValidateFunction;
    const compiled = createAjv().compile(loadSchema('policy.schema.json'));
    for (const data of cases) assert.deepEqual(verdict(generated, data), verdict(compiled, data));
  });

  it('the built-in rules’ options, defaults filled in', async () => {
    const { rules } = await import(new URL('packages/rules/dist/index.js', ROOT).href);
    const { validators } = await import(new URL('packages/rules/dist/validators/options.js', ROOT).href);
    const samples = [
      {},
      { maxDays: 30 },
      { maxDays: 0 },
      { maxDays: '30' },
      { scope: ['packages'] },
      { scope: [] },
      { providers: ['jenkins'] },
      { extra: 1 },
      null,
      [],
    ];
    let compared = 0;
    for (const rule of Object.values(rules) as {
      id: string;
      meta: { options?: Record<string, unknown> };
    }[]) {
      if (!rule.meta.options) continue;
      const generated = validators[validatorKey(rule.meta.options, { useDefaults: true })];
      assert.ok(generated, `no generated validator for ${rule.id}`);
      const compiled = createAjv({ useDefaults: true }).compile(rule.meta.options);
      for (const data of samples)
        assert.deepEqual(verdict(generated, data), verdict(compiled, data), rule.id);
      compared++;
    }
    assert.ok(compared >= 4);
  });
});
