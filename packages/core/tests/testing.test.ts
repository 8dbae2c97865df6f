import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineRule } from '@trustgate/core';
import { RuleTester, runRule } from '@trustgate/core/testing';

const rule = defineRule<{ min: number }>({
  id: 'demo',
  meta: {
    description: 'Require demo.',
    docs: 'https://example.test/demo',
    collections: ['tokens'],
    defaultLevel: 'warning',
    securitySeverity: 1,
    options: {
      type: 'object',
      properties: { min: { type: 'integer', default: 1 } },
      additionalProperties: false,
    },
  },
  check(ctx, options) {
    if (ctx.facts.tokens.length < options.min)
      ctx.report({ subject: 'collection:tokens', message: 'Too few tokens.' });
  },
});

describe('RuleTester checks the tests too', () => {
  it('rejects an invalid case that pins nothing', () => {
    assert.throws(
      () => RuleTester.checkCases({ valid: [], invalid: [{ name: 'empty', facts: {}, findings: [] }] }),
      { message: 'Invalid case "empty" pins no findings; list the findings it must produce.' },
    );
    assert.throws(
      () =>
        RuleTester.checkCases({
          valid: [],
          invalid: [{ name: 'half', facts: {}, findings: [{ subject: 'collection:tokens', message: '' }] }],
        }),
      { message: 'Invalid case "half", finding 0: pin both subject and message.' },
    );
  });

  it('rejects duplicate cases and duplicate names', () => {
    assert.throws(
      () =>
        RuleTester.checkCases({
          valid: [
            { name: 'a', facts: { tokens: [] } },
            { name: 'b', facts: { tokens: [] } },
          ],
          invalid: [],
        }),
      { message: 'Case "b" repeats case "a".' },
    );
    assert.throws(
      () =>
        RuleTester.checkCases({
          valid: [
            { name: 'a', facts: { tokens: [] } },
            { name: 'a', facts: {}, options: { min: 0 } },
          ],
          invalid: [],
        }),
      { message: 'Two cases are named "a".' },
    );
  });

  it('runs a case through the engine: options validated, defaults filled, level applied', async () => {
    assert.deepEqual(
      (await runRule(rule, { name: 'x', facts: {} })).map((f) => [f.level, f.subject, f.message]),
      [['warning', 'collection:tokens', 'Too few tokens.']],
    );
    assert.deepEqual(await runRule(rule, { name: 'x', facts: {}, options: { min: 0 } }), []);
    await assert.rejects(runRule(rule, { name: 'bad', facts: {}, options: { min: 'one' } }), {
      message: 'case "bad": rules.demo.options.min: Must be a whole number; got "one".',
    });
  });
});

new RuleTester().run(rule, {
  valid: [
    {
      name: 'enough tokens',
      facts: { tokens: [{ id: 'a', kind: 'granular', access: 'read', created: null, expires: null }] },
    },
  ],
  invalid: [
    {
      name: 'no tokens',
      facts: {},
      findings: [{ subject: 'collection:tokens', message: 'Too few tokens.', level: 'warning' }],
    },
  ],
});
