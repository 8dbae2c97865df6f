/** json-rules-engine: the four rules as engine rules, one engine run per entity. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Engine } from 'json-rules-engine';
import { noTrustedPublisher, stepWithToken, tokenTooOld, weak2fa } from './rules.mjs';

const [input, output] = process.argv.slice(2);
const facts = JSON.parse(readFileSync(input, 'utf8'));
const now = Date.parse(facts.collectedAt);

// Conditions the engine can express directly use its operators; the date
// arithmetic and list checks are dynamic facts, as the engine's docs advise.
function engineFor(kind) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  if (kind === 'token') {
    engine.addFact('tooOld', (_p, almanac) => almanac.factValue('entity').then((t) => tokenTooOld(t, now)));
    engine.addRule({
      conditions: { all: [{ fact: 'tooOld', operator: 'equal', value: true }] },
      event: { type: 'token-max-age' },
    });
    engine.addRule({
      conditions: { all: [{ fact: 'kind', operator: 'equal', value: 'classic' }] },
      event: { type: 'no-classic-tokens' },
    });
  } else if (kind === 'package') {
    engine.addFact('noPublisher', (_p, almanac) => almanac.factValue('entity').then(noTrustedPublisher));
    engine.addRule({
      conditions: { all: [{ fact: 'noPublisher', operator: 'equal', value: true }] },
      event: { type: 'trusted-publishing' },
    });
  } else if (kind === 'workflow') {
    engine.addFact('withToken', (_p, almanac) => almanac.factValue('entity').then(stepWithToken));
    engine.addRule({
      conditions: { all: [{ fact: 'withToken', operator: 'equal', value: true }] },
      event: { type: 'trusted-publishing' },
    });
  } else {
    engine.addFact('weak', (_p, almanac) => almanac.factValue('entity').then(weak2fa));
    engine.addRule({
      conditions: { all: [{ fact: 'weak', operator: 'equal', value: true }] },
      event: { type: 'webauthn-2fa' },
    });
  }
  return engine;
}

const findings = [];
for (const [kind, list] of [
  ['token', facts.tokens],
  ['package', facts.packages],
  ['workflow', facts.workflows],
  ['account', facts.accounts],
]) {
  const engine = engineFor(kind);
  for (const entity of list) {
    const { events } = await engine.run({ ...entity, entity });
    for (const e of events) findings.push({ ruleId: e.type, subject: `${kind}:${entity.id}` });
  }
}
writeFileSync(output, JSON.stringify({ findings }));
console.log(JSON.stringify({ findings: findings.length }));
