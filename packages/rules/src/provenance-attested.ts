import { createRule, joinAnd } from './create-rule.js';

export const provenanceAttested = createRule<Record<string, never>>({
  id: 'provenance-attested',
  meta: {
    description:
      'Require the latest version of every public package to carry provenance and to come from a trusted publisher.',
    collections: ['packages'],
    defaultLevel: 'warning',
    securitySeverity: 5.5,
    rationale:
      'A version published by a trusted publisher carries a provenance attestation that ties it to its source and build; one published with a token does not.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    for (const pkg of ctx.facts.packages) {
      if (pkg.access === 'restricted') continue; // provenance is for public packages
      const subject = `package:${pkg.id}`;
      const latest = pkg.latest;
      if (!latest) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `The latest version of package ${pkg.id} could not be read.`,
        });
        continue;
      }
      const reasons: string[] = [];
      if (latest.provenance === false) reasons.push('has no provenance attestation');
      if (latest.trustedPublisher === false) {
        reasons.push(
          `was not published by a trusted publisher${latest.publisher ? ` (published by ${latest.publisher})` : ''}`,
        );
      }
      if (reasons.length > 0) {
        ctx.report({
          subject,
          message: `Version ${latest.version} of ${pkg.id} ${joinAnd(reasons)}; publish the next version with trusted publishing.`,
        });
      } else if (latest.provenance == null || latest.trustedPublisher == null) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `Whether version ${latest.version} of ${pkg.id} has provenance could not be read.`,
        });
      }
    }
  },
});
