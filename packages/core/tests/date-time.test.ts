/**
 * trustgate checks facts' date-time values with its own one-pass function
 * (ajv-formats' splits and runs two regular expressions, and dominated the
 * validation of a large org). It must agree with ajv-formats exactly.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { isDateTime } from '../src/formats.ts';

const require = createRequire(import.meta.url);
const reference = (
  require('ajv-formats/dist/formats') as {
    fullFormats: Record<string, { validate: (s: string) => boolean }>;
  }
).fullFormats['date-time']!.validate;

const EDGES = [
  '2026-11-28T00:00:00Z',
  '2026-11-28t00:00:00z',
  '2026-11-28 00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2024-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-11-28T24:00:00Z',
  '2026-11-28T23:59:60Z',
  '2026-11-28T23:59:60+01:00',
  '2026-11-28T22:59:60-01:00',
  '2026-11-28T00:00:00',
  '2026-11-28T00:00:00.123+05:30',
  '2026-11-28T00:00:00+0530',
  '2026-11-28T00:00:00+05',
  '2026-11-28T00:60:00Z',
  '2026-11-28T00:00:00+24:00',
  '2026-11-28T00:00:00+05:60',
  '2026-11-28',
  '2026-11-28T00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  ' 2026-11-28T00:00:00Z',
  '',
];

describe('date-time format', () => {
  it('agrees with ajv-formats on the edge cases', () => {
    for (const s of EDGES) assert.equal(isDateTime(s), reference(s), s);
  });

  it('agrees with ajv-formats on 20,000 seeded variations', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const two = () => String(Math.floor(random() * 100)).padStart(2, '0');
    for (let i = 0; i < 20_000; i++) {
      const s = `${pick(['1900', '2000', '2024', '2026', '0000'])}-${two()}-${two()}${pick(['T', 't', ' ', 'X'])}${two()}:${two()}:${two()}${pick(['', '.5', '.123456', '.', '.x'])}${pick(['Z', 'z', '', '+01:00', '-01:00', '+23:59', '+0130', '+05', '-99:00', '+05:', '+5:00', 'Z ', '+05:3', '+05:300', 'ZZ'])}`;
      assert.equal(isDateTime(s), reference(s), s);
    }
  });
});
