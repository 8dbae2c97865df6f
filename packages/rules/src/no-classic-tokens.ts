import { createRule, tokenLabel } from './create-rule.js';

export interface NoClassicTokensOptions {
  scope: ('tokens' | 'npmrc')[];
}

export const noClassicTokens = createRule<NoClassicTokensOptions>({
  id: 'no-classic-tokens',
  meta: {
    description: 'Disallow classic npm tokens and legacy _auth or _password credentials.',
    collections: (options) => (options.scope as ('tokens' | 'npmrc')[] | undefined) ?? ['tokens', 'npmrc'],
    defaultLevel: 'error',
    securitySeverity: 8.5,
    strictness: { scope: 'superset' },
    rationale: 'npm revoked every classic token (publish, automation and read-only) on 2025-12-09.',
    options: {
      type: 'object',
      properties: {
        scope: {
          type: 'array',
          items: { type: 'string', enum: ['tokens', 'npmrc'] },
          minItems: 1,
          uniqueItems: true,
          default: ['tokens', 'npmrc'],
          description: 'What to check: registry tokens, credentials in .npmrc and CI files, or both.',
        },
      },
      additionalProperties: false,
    },
  },
  check(ctx, { scope }) {
    for (const token of scope.includes('tokens') ? ctx.facts.tokens : []) {
      if (token.kind !== 'classic') continue;
      const type = token.classicType ? `${token.classicType} ` : '';
      ctx.report({
        subject: `token:${token.id}`,
        message: `Classic ${type}token ${tokenLabel(token)} is still listed; revoke it and use trusted publishing or a granular token.`,
      });
    }
    for (const entry of scope.includes('npmrc') ? ctx.facts.npmrc : []) {
      if (entry.key !== '_auth' && entry.key !== '_password') continue;
      ctx.report({
        subject: `npmrc:${entry.id}`,
        location: entry.origin,
        message: `Legacy ${entry.key} credential for ${entry.registry} in ${entry.file}; use trusted publishing or a granular token in _authToken.`,
      });
    }
  },
});
