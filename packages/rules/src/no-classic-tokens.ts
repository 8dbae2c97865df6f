import { createRule, tokenLabel } from './create-rule.js';

export const noClassicTokens = createRule<Record<string, never>>({
  id: 'no-classic-tokens',
  meta: {
    description: 'Disallow classic npm tokens and legacy _auth or _password credentials.',
    collections: ['tokens', 'npmrc'],
    defaultLevel: 'error',
    securitySeverity: 8.5,
    rationale: 'npm revoked every classic token (publish, automation and read-only) on 2025-12-09.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    for (const token of ctx.facts.tokens) {
      if (token.kind !== 'classic') continue;
      const type = token.classicType ? `${token.classicType} ` : '';
      ctx.report({
        subject: `token:${token.id}`,
        message: `Classic ${type}token ${tokenLabel(token)} is still listed; revoke it and use trusted publishing or a granular token.`,
      });
    }
    for (const entry of ctx.facts.npmrc) {
      if (entry.key !== '_auth' && entry.key !== '_password') continue;
      ctx.report({
        subject: `npmrc:${entry.id}`,
        location: entry.origin,
        message: `${entry.file} sets the legacy ${entry.key} credential for ${entry.registry}; use trusted publishing or a granular token in _authToken.`,
      });
    }
  },
});
