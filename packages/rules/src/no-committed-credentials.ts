import { createRule } from './create-rule.js';

export const noCommittedCredentials = createRule<Record<string, never>>({
  id: 'no-committed-credentials',
  meta: {
    description: 'Disallow npm credentials written literally in committed .npmrc files and CI workflows.',
    collections: ['npmrc'],
    defaultLevel: 'error',
    securitySeverity: 9.5,
    rationale:
      'A token committed to a repository is readable by everyone who can read the repository, and outlives every rotation policy.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    for (const entry of ctx.facts.npmrc) {
      if (entry.value !== 'literal') continue;
      ctx.report({
        subject: `npmrc:${entry.id}`,
        location: entry.origin,
        message: `Committed ${entry.key} for ${entry.registry} in ${entry.file}; revoke that credential, then read it from the environment (\${NPM_TOKEN}) or publish with trusted publishing.`,
      });
    }
  },
});
