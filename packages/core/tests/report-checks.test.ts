/**
 * `ctx.report()` checks every report's subject and message. Those checks used
 * to be the regular expressions below; they are now read in place (at a million
 * tokens the expressions cost ~150 ms). They must accept exactly what the
 * expressions accepted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasNonSpace, isSubject } from '../src/evaluate.ts';

const SUBJECT = /^[a-z][a-z0-9-]*:.+/;
const NON_SPACE = /\S/;

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('report checks', () => {
  it('treat every UTF-16 code unit as the regular expressions do', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [
        ch,
        `a${ch}`,
        `${ch}:x`,
        `a${ch}:x`,
        `a:${ch}`,
        `a:${ch}x`,
        `${ch}${ch}`,
        `  ${ch} `,
      ]) {
        assert.equal(isSubject(s), SUBJECT.test(s), `subject ${JSON.stringify(s)}`);
        assert.equal(hasNonSpace(s), NON_SPACE.test(s), `message ${JSON.stringify(s)}`);
      }
    }
  });

  it('agree with them on 50,000 seeded strings made of the characters that matter', () => {
    const next = random(7);
    const alphabet = [
      'a',
      'z',
      'A',
      '0',
      '9',
      '-',
      ':',
      '_',
      ' ',
      '\t',
      '\n',
      '\r',
      '\u2028',
      '\u00a0',
      '\ufeff',
      'é',
      '/',
    ];
    for (let n = 0; n < 50_000; n++) {
      let s = '';
      const length = Math.floor(next() * 8);
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      assert.equal(isSubject(s), SUBJECT.test(s), `subject ${JSON.stringify(s)}`);
      assert.equal(hasNonSpace(s), NON_SPACE.test(s), `message ${JSON.stringify(s)}`);
    }
  });

  it('accept the subjects the built-in rules report, and reject malformed ones', () => {
    for (const s of [
      'token:t1',
      'package:@acme/a',
      'workflow:.github/workflows/release.yml#publish/2',
      'collection:tokens',
    ])
      assert.equal(isSubject(s), true, s);
    for (const s of ['', 'token', 'token:', 'Token:t1', '1token:t1', 'token :t1', 'token:\nx', ':x'])
      assert.equal(isSubject(s), false, JSON.stringify(s));
  });
});
