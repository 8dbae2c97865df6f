/** Spectral: a ruleset with the four rules as custom functions over the facts document. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Document, Spectral } from '@stoplight/spectral-core';
import parsers from '@stoplight/spectral-parsers';
import { classicToken, noTrustedPublisher, stepWithToken, tokenTooOld, weak2fa } from './rules.mjs';

const [input, output] = process.argv.slice(2);
// Spectral parses the document once; the rules' reference time comes from that parse.
const document = new Document(readFileSync(input, 'utf8'), parsers.Json, input);
const now = Date.parse(document.data.collectedAt);
const check = (predicate, message) => (value) => (predicate(value) ? [{ message }] : []);
const spectral = new Spectral();
spectral.setRuleset({
  rules: {
    'token-max-age': {
      given: '$.tokens[*]',
      severity: 'error',
      then: { function: check((t) => tokenTooOld(t, now), 'Token is too old.') },
    },
    'no-classic-tokens': {
      given: '$.tokens[*]',
      severity: 'error',
      then: { function: check(classicToken, 'Token is classic.') },
    },
    'trusted-publishing': {
      given: '$.packages[*]',
      severity: 'error',
      then: { function: check(noTrustedPublisher, 'No trusted publisher.') },
    },
    'trusted-publishing-steps': {
      given: '$.workflows[*]',
      severity: 'error',
      then: { function: check(stepWithToken, 'Step uses a token.') },
    },
    'webauthn-2fa': {
      given: '$.accounts[*]',
      severity: 'error',
      then: { function: check(weak2fa, 'Weak 2FA.') },
    },
  },
});
const results = await spectral.run(document);
writeFileSync(
  output,
  JSON.stringify({ findings: results.map((r) => ({ ruleId: r.code, path: r.path.join('.') })) }),
);
console.log(JSON.stringify({ findings: results.length }));
