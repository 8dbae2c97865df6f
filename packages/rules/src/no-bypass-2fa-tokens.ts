import { createRule, tokenLabel } from './create-rule.js';

export const noBypass2faTokens = createRule<Record<string, never>>({
  id: 'no-bypass-2fa-tokens',
  meta: {
    description: 'Disallow write tokens that bypass two-factor authentication.',
    collections: ['tokens'],
    defaultLevel: 'error',
    securitySeverity: 8.0,
    rationale:
      'A granular token with bypass-2FA (or a classic automation token) can publish with no second factor: whoever holds it publishes.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    const now = ctx.now.getTime();
    for (const token of ctx.facts.tokens) {
      if (token.access !== 'write') continue;
      if (token.expires !== null && Date.parse(token.expires) <= now) continue; // expired: harmless
      const subject = `token:${token.id}`;
      const label = `Write token ${tokenLabel(token)}`;
      const fix = 'use trusted publishing, or a token that requires 2FA';
      if (token.kind === 'classic') {
        if (token.classicType === 'automation')
          ctx.report({
            subject,
            message: `${label} is a classic automation token, which bypasses 2FA; ${fix}.`,
          });
      } else if (token.bypass2fa === true) {
        ctx.report({ subject, message: `${label} bypasses 2FA; ${fix}.` });
      } else if (token.bypass2fa === null || token.bypass2fa === undefined) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `Whether write token ${tokenLabel(token)} bypasses 2FA could not be read.`,
        });
      }
    }
  },
});
