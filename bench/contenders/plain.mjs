/** The practical limit: parse, one pass with the four rules, write the findings as JSON. */
import { readFileSync, writeFileSync } from 'node:fs';
import { classicToken, noTrustedPublisher, stepWithToken, tokenTooOld, weak2fa } from './rules.mjs';

const [input, output] = process.argv.slice(2);
const facts = JSON.parse(readFileSync(input, 'utf8'));
const now = Date.parse(facts.collectedAt);
const findings = [];
for (const t of facts.tokens) {
  if (tokenTooOld(t, now))
    findings.push({
      ruleId: 'token-max-age',
      subject: `token:${t.id}`,
      message: `Token ${t.display} is too old.`,
    });
  if (classicToken(t))
    findings.push({
      ruleId: 'no-classic-tokens',
      subject: `token:${t.id}`,
      message: `Token ${t.display} is classic.`,
    });
}
for (const p of facts.packages) {
  if (noTrustedPublisher(p))
    findings.push({
      ruleId: 'trusted-publishing',
      subject: `package:${p.id}`,
      message: `Package ${p.id} has no trusted publisher.`,
    });
}
for (const w of facts.workflows) {
  if (stepWithToken(w))
    findings.push({
      ruleId: 'trusted-publishing',
      subject: `workflow:${w.id}`,
      message: `Step ${w.id} uses a token.`,
    });
}
for (const a of facts.accounts) {
  if (weak2fa(a))
    findings.push({
      ruleId: 'webauthn-2fa',
      subject: `account:${a.id}`,
      message: `Account ${a.id} has weak 2FA.`,
    });
}
writeFileSync(output, JSON.stringify({ findings }));
console.log(JSON.stringify({ findings: findings.length }));
