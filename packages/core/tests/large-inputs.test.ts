/**
 * Inputs far larger than any real org: each must load, merge and evaluate
 * without overflowing the stack (no `push(...list)` or `Math.max(...list)` over
 * unbounded lists), and within a few seconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFacts, createPolicy, evaluate, type LoadedFacts, mergeFacts } from '@trustgate/core';
import { demoRules } from './helpers.ts';

const NOW = '2026-11-28T00:00:00Z';
const TOOL = { name: 'trustgate', version: 'test' };

describe('large inputs', () => {
  it('stack overflow from spreading: a policy with 150k exceptions evaluates', async () => {
    const count = 150_000;
    // Built in code: parsing a 10 MB policy takes longer than the evaluation under test.
    const policy = createPolicy([{ rule: demoRules['token-max-age']!, options: { maxDays: 30 } }]);
    policy.exceptions = Array.from({ length: count }, (_, i) => {
      const subject = `token:t${i}`;
      return {
        rule: 'token-max-age',
        subject,
        reason: 'r',
        expires: '2027-01-31',
        expiresAt: new Date('2027-02-01T00:00:00Z'),
        matchSubject: (s: string) => s === subject,
        setBy: { file: 'trustgate.yaml', line: i + 1, column: 3 },
      };
    });
    const facts = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: NOW,
        sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
        tokens: [
          { id: 't0', kind: 'granular', access: 'write', created: '2025-01-01T00:00:00Z', expires: null },
        ],
      },
      'facts.json',
    );
    const started = Date.now();
    const result = await evaluate({ facts, policy, tool: TOOL });
    // The one old token is waived; every other exception matches nothing and is reported as stale.
    assert.equal(result.findings.filter((f) => f.ruleId === 'token-max-age' && f.exception).length, 1);
    assert.equal(result.findings.filter((f) => f.ruleId === 'trustgate/exception-stale').length, count - 1);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('stack overflow from spreading: 200k sources merge with another facts file', () => {
    const sources = Array.from({ length: 200_000 }, (_, i) => ({
      collector: 'registry',
      target: `https://r${i}.example/`,
      covers: ['tokens'],
      complete: true,
    }));
    const big = { sources } as unknown as LoadedFacts;
    const base = checkFacts({ schemaVersion: 1, collectedAt: NOW, sources: [] }, 'a.json');
    const many = { ...base, ...big, collectedAt: NOW } as LoadedFacts;
    const other = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: '2026-11-29T00:00:00Z',
        sources: [{ collector: 'attestation', covers: ['accounts'], complete: true }],
      },
      'b.json',
    );
    const merged = mergeFacts([many, other]);
    assert.equal(merged.sources.length, 200_001);
    assert.equal(merged.sources.at(-1)!.collector, 'attestation');
    assert.equal(merged.collectedAt, '2026-11-29T00:00:00Z');
  });
});
