/**
 * Plugins as users write them: a default export that CommonJS interop wrapped
 * (a TypeScript plugin compiled in a project without "type": "module"), and a
 * rule with no meta.docs.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkFacts, evaluate, loadPolicy, moduleDefault } from '@trustgate/core';
import { demoRegistry, errorOf, tempDir } from './helpers.ts';

const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\n';
const TOOL = { name: 'trustgate', version: 'test' };

const rule = {
  meta: {
    description: 'Require nothing.',
    collections: ['tokens'],
    defaultLevel: 'warning',
    securitySeverity: 2,
  },
  check(ctx: { report: (r: { subject: string; message: string }) => void }) {
    ctx.report({ subject: 'token:t1', message: 'Seen.' });
  },
};
const plugin = { name: 'acme', rules: { seen: rule } };

describe('moduleDefault', () => {
  it('returns an ES module default export as it is', () => {
    assert.equal(moduleDefault({ default: plugin }), plugin);
  });
  it('unwraps a default export that CommonJS interop wrapped (exports.default with __esModule)', () => {
    assert.equal(moduleDefault({ default: { __esModule: true, default: plugin } }), plugin);
    assert.equal(moduleDefault({ default: { default: plugin }, 'module.exports': {} }), plugin);
  });
  it('keeps a CommonJS module.exports object that has other keys beside default', () => {
    const exported = { default: 1, name: 'x' };
    assert.equal(moduleDefault({ default: exported }), exported);
  });
  it('takes the namespace itself when there is no default export', () => {
    const ns = { name: 'acme', rules: {} };
    assert.equal(moduleDefault(ns), ns);
  });
});

describe('a plugin loaded through CommonJS interop, with a rule that names no docs', () => {
  const load = (mod: Record<string, unknown>) => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}plugins: [./acme.ts]\nrules:\n  acme/seen: warning\n`,
      // Core resolves the file; the loader below stands in for loading it.
      'acme.ts': '',
    });
    return loadPolicy(path.join(dir, 'trustgate.yaml'), {
      rules: demoRegistry,
      presetDir: path.join(dir, 'presets'),
      cwd: dir,
      loadModule: async () => mod,
    });
  };

  it('loads, and its findings carry no helpUri', async () => {
    const policy = await load({ default: { __esModule: true, default: plugin } });
    const facts = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: '2026-11-28T00:00:00Z',
        sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
        tokens: [],
      },
      'facts.json',
    );
    const result = await evaluate({ policy, facts, tool: TOOL });
    const finding = result.findings.find((f) => f.ruleId === 'acme/seen');
    assert.deepEqual(
      finding && { ruleId: finding.ruleId, message: finding.message, helpUri: finding.helpUri },
      { ruleId: 'acme/seen', message: 'Seen.', helpUri: undefined },
    );
    assert.equal(
      result.rules.find((r) => r.id === 'acme/seen')?.docs,
      undefined,
      'the rule summary has no docs link',
    );
  });

  it('a meta.docs that is not a string is still an error', async () => {
    const bad = { name: 'acme', rules: { seen: { ...rule, meta: { ...rule.meta, docs: 42 } } } };
    const message = await errorOf(() => load({ default: bad }));
    assert.match(message, /rule "seen" has a meta\.docs that is not a URL string\./);
  });
});
