import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzz } from '../../../scripts/fuzz.ts';

it('300 mutated and hostile policies and facts each end with exit 0, 1 or 2, with no stack trace, within the bound, and no raw control character in a text-like report', async () => {
  const r = await fuzz(300, 20261128);
  assert.deepEqual(r.failures, []);
  assert.equal(r.cases, 300);
  // The mutations reach both outcomes: findings, and bad input.
  assert.ok(r.byExit[1]! > 0 && r.byExit[2]! > 0, JSON.stringify(r.byExit));
  // Every class of hostile input is drawn (issue #18), and values with control characters and huge
  // lists get as far as the reports.
  const classes =
    process.platform === 'win32'
      ? ['text', 'json', 'control', 'huge']
      : ['text', 'json', 'control', 'huge', 'link'];
  for (const kind of classes) assert.ok((r.byClass[kind] ?? 0) > 0, `${kind}: ${JSON.stringify(r.byClass)}`);
  assert.ok((r.reported.control ?? 0) > 0 && (r.reported.huge ?? 0) > 0, JSON.stringify(r.reported));
});
