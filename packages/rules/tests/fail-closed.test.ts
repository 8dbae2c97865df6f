/** Every built-in rule fails closed: facts it reads that are missing or incomplete never pass. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleCollections } from '@trustgate/core';
import { runRule } from '@trustgate/core/testing';
import { rules } from '@trustgate/rules';

describe('every built-in rule fails closed', () => {
  for (const rule of Object.values(rules)) {
    const reads = [...ruleCollections(rule)].sort();

    it(`${rule.id}: no source covers what it reads`, async () => {
      const findings = await runRule(rule, { name: 'uncovered', facts: { sources: [] } });
      assert.deepEqual(
        findings.map((f) => [f.subject, f.indeterminate, f.level]),
        reads.map((c) => [`collection:${c}`, true, 'error']),
      );
    });

    it(`${rule.id}: a source that did not complete`, async () => {
      const findings = await runRule(rule, {
        name: 'incomplete',
        facts: {
          sources: [
            {
              collector: 'registry',
              covers: reads,
              complete: false,
              errors: [{ message: 'HTTP 503 after 5 tries.' }],
            },
          ],
        },
      });
      assert.ok(findings.length >= reads.length);
      assert.deepEqual(
        findings
          .filter((f) => f.subject.startsWith('collection:'))
          .map((f) => [f.subject, f.indeterminate, f.level]),
        reads.map((c) => [`collection:${c}`, true, 'error']),
      );
    });
  }
});
