import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzz } from '../../../scripts/fuzz.ts';

it('300 mutated policies and facts each end with exit 0, 1 or 2, with no stack trace, within the bound', async () => {
  const r = await fuzz(300, 20261128);
  assert.deepEqual(r.failures, []);
  assert.equal(r.cases, 300);
  // The mutations reach both outcomes: findings, and bad input.
  assert.ok(r.byExit[1]! > 0 && r.byExit[2]! > 0, JSON.stringify(r.byExit));
});
